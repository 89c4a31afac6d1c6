import type { CookieKind, NotificationEvent, Notification, Prekey, Retention, Role } from '../../protocol';

export type UserRecord = Readonly<{
  id: string;
  email: string;
  name: string;
  handle: string | null;
  accentId: number;
  locale: string;
  picture: string | null;
  passwordHash: string;
  secondFactor: boolean;
  createdAt: number;
}>;

export type CookieRecord = Readonly<{
  /** SHA-256 (hex) of the cookie value; the value itself is never stored. */
  id: string;
  userId: string;
  kind: CookieKind;
  label: string | null;
  clientId: string | null;
  /** Seed 002's random connection id (r), carried into every access token made from this cookie. */
  connection: string;
  createdAt: number;
  expiresAt: number;
}>;

export type ClientType = 'permanent' | 'temporary';
export type ClientClass = 'desktop' | 'phone' | 'tablet' | 'legalhold';

export type ClientRecord = Readonly<{
  userId: string;
  id: string;
  type: ClientType;
  class: ClientClass;
  model: string | null;
  label: string | null;
  createdAt: number;
}>;

export type ClientRef = Readonly<{ userId: string; clientId: string }>;
export type StoredPrekey = Prekey;

export type KeyPackageRecord = Readonly<{ clientId: string; cipherSuite: number; data: Buffer }>;
/** A key package as uploaded: its suite, bytes, and the MLS signature key of its leaf. */
export type KeyPackageUpload = Readonly<{ cipherSuite: number; data: Buffer; signatureKey: Uint8Array }>;
/** A device's MLS signature key for one cipher suite. */
export type SignatureKeyRecord = Readonly<{ userId: string; clientId: string; cipherSuite: number; signatureKey: Buffer }>;

export type MemberRecord = Readonly<{ userId: string; role: Role }>;
/**
 * A device in a conversation's MLS group. `leafIndex` is its leaf in the ratchet tree as the
 * server computes it from each accepted commit (`conversations/leaves.ts`); null only for groups
 * from before migration 0007 until their next commit initialises it from the stored GroupInfo.
 */
export type GroupClientRecord = Readonly<{ userId: string; clientId: string; registered: boolean; leafIndex: number | null }>;
/** Where a device sits in the ratchet tree. */
export type LeafPlacement = Readonly<{ userId: string; clientId: string; leafIndex: number }>;

export type ConversationRecord = Readonly<{
  id: string;
  type: 'group' | 'one2one' | 'self';
  name: string | null;
  creator: string;
  groupId: Buffer;
  epoch: number;
  cipherSuite: number;
  messageTimer: number | null;
  groupInfo: Buffer | null;
  createdAt: number;
  members: readonly MemberRecord[];
  clients: readonly GroupClientRecord[];
}>;

/**
 * What an application message needs to know of its conversation and sender: read with a few
 * index lookups instead of loading every member and device, because messages are the hot path.
 */
export type MessageContext = Readonly<{
  id: string;
  groupId: Buffer;
  epoch: number;
  /** The sending user is a member of the conversation. */
  senderIsMember: boolean;
  /** The sending device is in the conversation's MLS group. */
  senderInGroup: boolean;
}>;

/**
 * Who receives an event: explicit clients, and/or every registered client of some users,
 * minus `except` (usually the sending client). With `conversation`, the event is written once to
 * that conversation's log and reaches every device currently in its group whose user is a member.
 */
export type Fanout = Readonly<{
  clients?: readonly ClientRef[];
  users?: readonly string[];
  conversation?: string;
  except?: ClientRef;
  event: NotificationEvent;
}>;

/** A stored notification for one client; `eventJson` is the event serialized once for all targets. */
export type Delivered = Readonly<{ target: ClientRef; notification: Notification; eventJson: string }>;

export type NotificationPage = Readonly<{
  notifications: readonly Notification[];
  hasMore: boolean;
  resyncRequired: boolean;
  /** The newest notification of this device that expired unacknowledged (0 when none did). */
  expiredUpTo: number;
}>;

export type AssetRecord = Readonly<{
  key: string;
  owner: string;
  public: boolean;
  retention: Retention;
  size: number;
  tokenHash: string;
  createdAt: number;
  expiresAt: number | null;
}>;

/**
 * A chat request by e-mail (docs/SECURITY.md §10). `pending` until the target answers or it
 * expires; an `ignored` one stays until its expiry so the same requester cannot ask again
 * meanwhile (the requester is never told), an `accepted` one stays for good: the two know each
 * other from then on (search answers them by address).
 */
export type ChatRequestState = 'pending' | 'accepted' | 'ignored';
export type ChatRequestRecord = Readonly<{
  id: string;
  requesterId: string;
  targetId: string;
  state: ChatRequestState;
  createdAt: number;
  expiresAt: number;
}>;
