import { z } from 'zod';
import { AssetParamsSchema, AssetSchema, ShareAssetRequestSchema, UploadAssetQuerySchema } from './assets';
import {
  AccessResponseSchema,
  ChangePasswordRequestSchema,
  LoginRequestSchema,
  PasswordResetCompleteRequestSchema,
  PasswordResetRequestSchema,
  RefreshQuerySchema,
  RegisterRequestSchema,
  SecondFactorRequestSchema,
  SendActivationCodeRequestSchema,
  SendVerificationCodeRequestSchema,
} from './auth';
import { CallConfigSchema } from './calls';
import { FeatureConfigsSchema } from './featureConfigs';
import { MAX_PINS, PinSchema } from '../pins';
import {
  ClientListSchema,
  ClientParamsSchema,
  ClientSchema,
  DeleteClientRequestSchema,
  NewClientRequestSchema,
  PrekeyBundleSchema,
  PrekeyCountSchema,
  PublicClientListSchema,
  ClaimedPrekeySchema,
  UpdateClientRequestSchema,
  UploadPrekeysRequestSchema,
  UserClientParamsSchema,
} from './clients';
import { OkSchema } from './common';
import { AcceptedChatRequestSchema, ChatRequestListSchema, ChatRequestParamsSchema, SendChatRequestSchema } from './chatRequests';
import {
  AddMembersRequestSchema,
  ConversationListSchema,
  ConversationParamsSchema,
  ConversationSchema,
  CreateConversationRequestSchema,
  MemberParamsSchema,
  MessageTimerRequestSchema,
  RenameRequestSchema,
  UpdateRoleRequestSchema,
} from './conversations';
import {
  ClaimKeyPackagesParamsSchema,
  ClaimKeyPackagesResponseSchema,
  CommitBundleRequestSchema,
  CommitBundleResponseSchema,
  GroupInfoResponseSchema,
  KeyPackageCountQuerySchema,
  KeyPackageCountSchema,
  MlsMessageRequestSchema,
  MlsMessageResponseSchema,
  UploadKeyPackagesRequestSchema,
} from './mls';
import {
  AckRequestSchema,
  LastNotificationSchema,
  NotificationPageSchema,
  NotificationsQuerySchema,
  WebSocketQuerySchema,
} from './notifications';
import {
  SearchQuerySchema,
  SearchResponseSchema,
  SelfUserSchema,
  SetHandleRequestSchema,
  UpdateSelfRequestSchema,
  UserParamsSchema,
  UserProfileSchema,
} from './users';
import type { RouteSpec } from './route';
import { CreateSubconversationRequestSchema, SubconversationParamsSchema, SubconversationSchema } from './subconversations';

export const VersionResponseSchema = z.object({ apiVersion: z.number().int(), domain: z.string() });
/**
 * The server's key pins: the one it presents now and the ones it will present next. Only
 * believed over a connection already verified with a pin the client holds (the old key blesses
 * the new one), so it needs no signature of its own.
 */
export const ServerPinsResponseSchema = z.object({ current: PinSchema, next: z.array(PinSchema).max(MAX_PINS) });

const ClaimKeyPackagesQuerySchema = z.object({ ciphersuite: z.coerce.number().int().min(1).max(0xffff).default(1) }).strict();

/**
 * Every HTTP route of the API. The server registers handlers by these keys, validates every
 * request with these schemas, and the OpenAPI document is generated from this table.
 */
export const ROUTES = {
  version: { method: 'GET', path: '/version', summary: 'API version and domain', auth: 'none', status: 200, response: VersionResponseSchema },
  serverPins: { method: 'GET', path: '/pins', summary: 'The TLS key pins the server presents now and next (for pin rotation)', auth: 'none', status: 200, response: ServerPinsResponseSchema },

  sendActivationCode: { method: 'POST', path: '/activate/send', summary: 'E-mail a 6-digit registration code (14 days, 3 attempts)', auth: 'none', status: 202, body: SendActivationCodeRequestSchema, response: OkSchema },
  register: { method: 'POST', path: '/register', summary: 'Create an account with the e-mailed code', auth: 'none', status: 201, body: RegisterRequestSchema, response: AccessResponseSchema },
  login: { method: 'POST', path: '/login', summary: 'Sign in; sets the zuid cookie', auth: 'none', status: 200, body: LoginRequestSchema, response: AccessResponseSchema },
  sendVerificationCode: { method: 'POST', path: '/verification-code/send', summary: 'E-mail a 2FA code for one action (15 minutes, 3 attempts)', auth: 'none', status: 202, body: SendVerificationCodeRequestSchema, response: OkSchema },
  refresh: { method: 'POST', path: '/access', summary: 'New 15-minute access token from the zuid cookie', auth: 'cookie', status: 200, query: RefreshQuerySchema, response: AccessResponseSchema },
  logout: { method: 'POST', path: '/access/logout', summary: 'Revoke the zuid cookie', auth: 'cookie', status: 200, response: OkSchema },
  passwordReset: { method: 'POST', path: '/password-reset', summary: 'E-mail a password reset code (1 hour, one pending)', auth: 'none', status: 202, body: PasswordResetRequestSchema, response: OkSchema },
  passwordResetComplete: { method: 'POST', path: '/password-reset/complete', summary: 'Set a new password with the reset code; revokes all cookies', auth: 'none', status: 200, body: PasswordResetCompleteRequestSchema, response: OkSchema },

  getSelf: { method: 'GET', path: '/self', summary: 'Own profile', auth: 'user', status: 200, response: SelfUserSchema },
  updateSelf: { method: 'PUT', path: '/self', summary: 'Update name, accent colour, locale, picture', auth: 'user', status: 200, body: UpdateSelfRequestSchema, response: SelfUserSchema },
  setHandle: { method: 'PUT', path: '/self/handle', summary: 'Claim a handle (unique per domain)', auth: 'user', status: 200, body: SetHandleRequestSchema, response: SelfUserSchema },
  changePassword: { method: 'PUT', path: '/self/password', summary: 'Change the password', auth: 'user', status: 200, body: ChangePasswordRequestSchema, response: OkSchema },
  setSecondFactor: { method: 'PUT', path: '/self/second-factor', summary: 'Turn e-mailed 2FA codes on or off', auth: 'user', status: 200, body: SecondFactorRequestSchema, response: SelfUserSchema },
  getUser: { method: 'GET', path: '/users/:domain/:id', summary: 'A user profile', auth: 'user', status: 200, params: UserParamsSchema, response: UserProfileSchema },
  searchUsers: { method: 'GET', path: '/search/users', summary: 'Find users by handle, or people one already talks with by exact e-mail', auth: 'user', status: 200, query: SearchQuerySchema, response: SearchResponseSchema },
  sendChatRequest: { method: 'POST', path: '/chat-requests', summary: 'Ask the owner of an e-mail address to chat (the same answer whether it has an account)', auth: 'user', status: 202, body: SendChatRequestSchema, response: OkSchema },
  listChatRequests: { method: 'GET', path: '/chat-requests', summary: 'Pending chat requests addressed to me', auth: 'user', status: 200, response: ChatRequestListSchema },
  acceptChatRequest: { method: 'POST', path: '/chat-requests/:id/accept', summary: 'Accept a chat request (its target only); tells the requester', auth: 'user', status: 200, params: ChatRequestParamsSchema, response: AcceptedChatRequestSchema },
  ignoreChatRequest: { method: 'POST', path: '/chat-requests/:id/ignore', summary: 'Ignore a chat request (its target only); tells nobody', auth: 'user', status: 200, params: ChatRequestParamsSchema, response: OkSchema },

  addClient: { method: 'POST', path: '/clients', summary: 'Register a device (password re-entered)', auth: 'user', status: 201, body: NewClientRequestSchema, response: ClientSchema },
  listClients: { method: 'GET', path: '/clients', summary: 'Own devices', auth: 'user', status: 200, response: ClientListSchema },
  updateClient: { method: 'PUT', path: '/clients/:client', summary: 'Change a device label', auth: 'user', status: 200, params: ClientParamsSchema, body: UpdateClientRequestSchema, response: ClientSchema },
  deleteClient: { method: 'DELETE', path: '/clients/:client', summary: 'Remove a device (password); revokes its cookies and tells it', auth: 'user', status: 200, params: ClientParamsSchema, body: DeleteClientRequestSchema, response: OkSchema },
  uploadPrekeys: { method: 'POST', path: '/clients/:client/prekeys', summary: 'Upload more Proteus prekeys', auth: 'user', status: 200, params: ClientParamsSchema, body: UploadPrekeysRequestSchema, response: PrekeyCountSchema },
  countPrekeys: { method: 'GET', path: '/clients/:client/prekeys/count', summary: 'Unused prekeys left (last resort not counted)', auth: 'user', status: 200, params: ClientParamsSchema, response: PrekeyCountSchema },
  userClients: { method: 'GET', path: '/users/:domain/:id/clients', summary: "A user's devices", auth: 'user', status: 200, params: UserParamsSchema, response: PublicClientListSchema },
  claimPrekey: { method: 'POST', path: '/users/:domain/:id/clients/:client/prekey', summary: 'Claim one prekey of a device (deleted on claim, except 65535)', auth: 'user', status: 200, params: UserClientParamsSchema, response: ClaimedPrekeySchema },
  claimPrekeyBundle: { method: 'POST', path: '/users/:domain/:id/prekeys', summary: 'Claim one prekey of every device of a user', auth: 'user', status: 200, params: UserParamsSchema, response: PrekeyBundleSchema },

  uploadKeyPackages: { method: 'POST', path: '/mls/key-packages/self/:client', summary: 'Upload MLS key packages', auth: 'client', status: 201, params: ClientParamsSchema, body: UploadKeyPackagesRequestSchema, response: KeyPackageCountSchema },
  countKeyPackages: { method: 'GET', path: '/mls/key-packages/self/:client/count', summary: 'Unclaimed key packages of a cipher suite', auth: 'client', status: 200, params: ClientParamsSchema, query: KeyPackageCountQuerySchema, response: KeyPackageCountSchema },
  claimKeyPackages: { method: 'POST', path: '/mls/key-packages/claim/:domain/:id', summary: 'Claim one key package per device of a user (each handed out once)', auth: 'client', status: 200, params: ClaimKeyPackagesParamsSchema, query: ClaimKeyPackagesQuerySchema, response: ClaimKeyPackagesResponseSchema },

  createConversation: { method: 'POST', path: '/conversations', summary: 'Create a group or 1:1 conversation; the creating device is in the MLS group at epoch 0', auth: 'client', status: 201, body: CreateConversationRequestSchema, response: ConversationSchema },
  listConversations: { method: 'GET', path: '/conversations', summary: 'Conversations the user is a member of', auth: 'user', status: 200, response: ConversationListSchema },
  getConversation: { method: 'GET', path: '/conversations/:conv', summary: 'One conversation (members only)', auth: 'user', status: 200, params: ConversationParamsSchema, response: ConversationSchema },
  addMembers: { method: 'POST', path: '/conversations/:conv/members', summary: 'Add users (admins); their devices then join by commit', auth: 'user', status: 200, params: ConversationParamsSchema, body: AddMembersRequestSchema, response: ConversationSchema },
  removeMember: { method: 'DELETE', path: '/conversations/:conv/members/:domain/:user', summary: 'Remove a user (admins) or leave (self)', auth: 'user', status: 200, params: MemberParamsSchema, response: OkSchema },
  updateRole: { method: 'PUT', path: '/conversations/:conv/members/:domain/:user/role', summary: 'Change a role (admins)', auth: 'user', status: 200, params: MemberParamsSchema, body: UpdateRoleRequestSchema, response: OkSchema },
  renameConversation: { method: 'PUT', path: '/conversations/:conv/name', summary: 'Rename a group', auth: 'user', status: 200, params: ConversationParamsSchema, body: RenameRequestSchema, response: OkSchema },
  setMessageTimer: { method: 'PUT', path: '/conversations/:conv/message-timer', summary: 'Self-deleting message timer (admins)', auth: 'user', status: 200, params: ConversationParamsSchema, body: MessageTimerRequestSchema, response: OkSchema },
  postCommitBundle: { method: 'POST', path: '/conversations/:conv/mls/commit-bundles', summary: 'Commit at the current epoch; 409 mls-stale-message with the current epoch otherwise', auth: 'client', status: 201, params: ConversationParamsSchema, body: CommitBundleRequestSchema, response: CommitBundleResponseSchema },
  postMlsMessage: { method: 'POST', path: '/conversations/:conv/mls/messages', summary: 'Send an MLS application message to the group', auth: 'client', status: 201, params: ConversationParamsSchema, body: MlsMessageRequestSchema, response: MlsMessageResponseSchema },
  getGroupInfo: { method: 'GET', path: '/conversations/:conv/mls/group-info', summary: 'GroupInfo for an external commit (members only)', auth: 'user', status: 200, params: ConversationParamsSchema, response: GroupInfoResponseSchema },

  createSubconversation: { method: 'POST', path: '/conversations/:conv/subconversations', summary: 'Create a call group tied to the conversation (members); the creating device is in it at epoch 0', auth: 'client', status: 201, params: ConversationParamsSchema, body: CreateSubconversationRequestSchema, response: SubconversationSchema },
  getSubconversation: { method: 'GET', path: '/conversations/:conv/subconversations/:sub', summary: 'A call group: epoch, when it began, devices and leaves (members of the conversation only)', auth: 'user', status: 200, params: SubconversationParamsSchema, response: SubconversationSchema },
  postSubconversationCommitBundle: { method: 'POST', path: '/conversations/:conv/subconversations/:sub/mls/commit-bundles', summary: 'Commit to a call group at its current epoch (external joins: members of the conversation only)', auth: 'client', status: 201, params: SubconversationParamsSchema, body: CommitBundleRequestSchema, response: CommitBundleResponseSchema },
  getSubconversationGroupInfo: { method: 'GET', path: '/conversations/:conv/subconversations/:sub/mls/group-info', summary: "A call group's GroupInfo for an external join (members of the conversation only)", auth: 'user', status: 200, params: SubconversationParamsSchema, response: GroupInfoResponseSchema },
  leaveSubconversation: { method: 'DELETE', path: '/conversations/:conv/subconversations/:sub/self', summary: 'This device leaves a call group; the group is deleted when no device is left', auth: 'client', status: 200, params: SubconversationParamsSchema, response: OkSchema },

  getNotifications: { method: 'GET', path: '/notifications', summary: "Page of this device's queue after `since`", auth: 'client', status: 200, query: NotificationsQuerySchema, response: NotificationPageSchema },
  lastNotification: { method: 'GET', path: '/notifications/last', summary: 'Id of the newest notification of this device', auth: 'client', status: 200, response: LastNotificationSchema },
  ackNotifications: { method: 'POST', path: '/notifications/ack', summary: 'The device has durably stored everything up to `upTo`', auth: 'client', status: 200, body: AckRequestSchema, response: OkSchema },
  awaitNotifications: { method: 'GET', path: '/await', summary: 'WebSocket: replay after `since`, then live notifications', auth: 'client', status: 101, query: WebSocketQuerySchema },

  uploadAsset: { method: 'POST', path: '/assets', summary: 'Upload an (encrypted) blob as application/octet-stream', auth: 'user', status: 201, query: UploadAssetQuerySchema, response: AssetSchema },
  downloadAsset: { method: 'GET', path: '/assets/:key', summary: 'Download (uploader, members of a conversation it was shared in, or anyone if public)', auth: 'user', status: 200, params: AssetParamsSchema },
  shareAsset: { method: 'POST', path: '/assets/:key/share', summary: 'Make an asset readable by members of a conversation', auth: 'user', status: 200, params: AssetParamsSchema, body: ShareAssetRequestSchema, response: OkSchema },
  deleteAsset: { method: 'DELETE', path: '/assets/:key', summary: 'Delete (uploader or holder of the asset token)', auth: 'user', status: 200, params: AssetParamsSchema, response: OkSchema },

  callConfig: { method: 'GET', path: '/calls/config', summary: 'TURN credentials (24 h) and SFT URLs', auth: 'user', status: 200, response: CallConfigSchema },

  featureConfigs: { method: 'GET', path: '/feature-configs', summary: "Server-wide policy set by the administrator (app lock: enforced, idle timeout)", auth: 'user', status: 200, response: FeatureConfigsSchema },
} as const satisfies Record<string, RouteSpec>;

export type RouteName = keyof typeof ROUTES;
