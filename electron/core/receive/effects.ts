/**
 * What a received notification does, as data. Handlers (handlers/) and the content
 * interpretation (interpretContent.ts) return `Effect`s; `applyEffects` writes them in the
 * receive transaction (with the notification cursor) and returns `FollowUp`s, which
 * `runFollowUps` carries out once that transaction committed: events for the UI, desktop
 * notifications, and commits this device owes the group.
 */
import type { Conversation } from '../../../protocol/api/conversations';
import type { CallContent } from '../../../protocol/content/callSchema';
import type { ConferenceContent } from '../../../protocol/content/conferenceSchema';
import type { Content, Mention } from '../../../protocol/content/schema';
import type { EventOf } from '../ipc/contract';
import type { MlsMember } from '../crypto/mls/mlsGroup';
import type { MlsClientIdentity } from '../crypto/mls/mlsIdentity';
import type { CallGroupEvent } from './handlers/callGroupEvent';
import type { NewMessage } from '../store/messages';
import type { ChangeRefusal, Poster } from '../services/senderChecks';
import type { Profile } from '../session/groupSession';

type UserId = Readonly<{ id: string; domain: string }>;
type AssetContent = Extract<Content, { type: 'asset' }>;

export type Effect =
  /** A message from a content message (or a line saying one could not be read). */
  | Readonly<{
      kind: 'store-message';
      message: NewMessage;
      /** Mentions to check against the members as stored in the same transaction. */
      mentions?: readonly Mention[];
      /** Someone else's text, file or ping: it notifies and may bring an archived conversation back. */
      fromOthers: boolean;
      /** Someone else's message is owed a delivery receipt (outbox.ts), noted in the same transaction. */
      owesReceipt: boolean;
    }>
  /** A file's key and hash, kept with its message. */
  | Readonly<{ kind: 'save-asset'; conversationId: string; messageId: string; asset: AssetContent }>
  | Readonly<{ kind: 'edit-message'; conversationId: string; messageId: string; sender: string; text: string; sentAt: number; mentions: readonly Mention[] }>
  | Readonly<{ kind: 'delete-message'; conversationId: string; messageId: string; sender: string; at: number }>
  | Readonly<{ kind: 'react'; conversationId: string; messageId: string; sender: string; emoji: string; at: number }>
  | Readonly<{ kind: 'save-receipts'; conversationId: string; messageIds: readonly string[]; sender: string; receipt: 'delivered' | 'read'; at: number }>
  /** Delete for me, from one of this user's devices. */
  | Readonly<{ kind: 'hide-message'; conversationId: string; messageId: string; at: number }>
  /** A commit or proposal was refused (commitRules.ts): the group stays as it was, the conversation says so. */
  | Readonly<{ kind: 'refused-change'; conversationId: string; key: string; poster: Poster; refusal: ChangeRefusal; at: number }>
  /** An application message whose MLS sender is not the posting device: dropped, the conversation says so. */
  | Readonly<{ kind: 'forged-message'; conversationId: string; key: string; claimed: MlsClientIdentity; at: number }>
  /**
   * Another member's commit was applied (the group state itself is written by ReceivedGroups):
   * `members` is the group after it, unless it removed this device.
   */
  | Readonly<{ kind: 'group-changed'; conversationId: string; epoch: bigint; members: readonly MlsMember[] | undefined; committer: string | undefined; removedSelf: boolean; at: number }>
  /** The server's view of a conversation (name, timer, members and their roles) and its members' names. */
  | Readonly<{ kind: 'save-conversation'; conversation: Conversation; profiles: readonly Profile[] }>
  /** A group joined from a Welcome. */
  | Readonly<{ kind: 'save-group'; conversationId: string; groupId: Uint8Array; epoch: bigint; state: Uint8Array; at: number }>
  /** A key package a Welcome used: never used again. */
  | Readonly<{ kind: 'use-key-package'; ref: Uint8Array }>
  /** The devices of a group just stored, and the conversation's verification state reviewed. */
  | Readonly<{ kind: 'track-devices'; conversationId: string; members: readonly MlsMember[] }>
  /** "You were added …" / "Alice removed you." (membershipMessages.ts); `key` makes the line's id. */
  | Readonly<{ kind: 'own-membership'; conversationId: string; key: string; change: { kind: 'added' } | { kind: 'removed'; by: string }; at: number }>
  | Readonly<{ kind: 'mark-left'; conversationId: string; at: number }>
  /** A member who left on their own: the commit removing their devices then says "Bob left.". */
  | Readonly<{ kind: 'record-departure'; conversationId: string; user: string; at: number }>
  /** A member's role, as the server announced it (roles decide who may remove others' devices). */
  | Readonly<{ kind: 'set-member-role'; conversationId: string; user: string; role: 'admin' | 'member' }>
  /** A user's display name and handle. */
  | Readonly<{ kind: 'save-profile'; user: UserId; name: string; handle: string | null; at: number }>
  /** Nothing to write, only something to do afterwards. */
  | Readonly<{ kind: 'follow-up'; followUp: FollowUp }>;

export type FollowUp =
  | Readonly<{ kind: 'conversation-changed'; conversationId: string }>
  /** A message was stored: announced; `notify` asks for a desktop notification; `receiptNoted` wakes the outbox. */
  | Readonly<{ kind: 'message-added'; conversationId: string; messageId: string; notify: boolean; receiptNoted: boolean }>
  | Readonly<{ kind: 'message-updated'; conversationId: string; messageId: string }>
  | Readonly<{ kind: 'message-hidden'; conversationId: string; messageId: string }>
  | Readonly<{ kind: 'typing'; conversationId: string; user: string; state: 'started' | 'stopped' }>
  /**
   * Call signalling for the call machine (session/calls/callService.ts), never a history message:
   * `from` is the MLS-authenticated sender device, `sentAt` the server's time of the message.
   */
  | Readonly<{ kind: 'call-message'; conversationId: string; from: Readonly<{ user: UserId; clientId: string }>; sentAt: number; content: CallContent }>
  /** Conference signalling for the conference service (session/calls/conference/), never a history message by itself. */
  | Readonly<{ kind: 'conference-message'; conversationId: string; from: Readonly<{ user: UserId; clientId: string }>; sentAt: number; content: ConferenceContent }>
  | Readonly<{ kind: 'device-added'; device: EventOf<'device.added'> }>
  | Readonly<{ kind: 'device-removed'; id: string }>
  /** A chat request arrived, was accepted (one this user sent) or was answered on another device: told to the UI. */
  | Readonly<{ kind: 'chat-request-received'; request: EventOf<'chatRequest.received'> }>
  | Readonly<{ kind: 'chat-request-accepted'; accepted: EventOf<'chatRequest.accepted'> }>
  | Readonly<{ kind: 'chat-request-answered'; id: string }>
  /** This user's own profile changed (from another device): the signed-in status carries the new name. */
  | Readonly<{ kind: 'own-profile-changed'; name: string }>
  /** Commit the removal of every device whose user is no longer a member (Membership.removeDeparted). */
  | Readonly<{ kind: 'remove-departed'; conversationId: string }>
  /** Commit the removal of a device deleted from its account (Membership.removeGoneDevice). */
  | Readonly<{ kind: 'remove-gone-device'; conversationId: string; device: MlsClientIdentity }>
  /** A conference call group's commit or leave notice, for the running conference (calls/conference/); `time`: when the server stored it. */
  | Readonly<{ kind: 'call-group-event'; event: CallGroupEvent; time: string }>;
