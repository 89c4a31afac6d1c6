import type { InstanceBus } from '../notifications/instanceEvents';
import type { Prekey, Role } from '../../protocol';
import type {
  AssetRecord,
  ChatRequestRecord,
  ClientRecord,
  ClientRef,
  ConversationRecord,
  CookieRecord,
  Delivered,
  Fanout,
  KeyPackageRecord,
  KeyPackageUpload,
  LeafPlacement,
  MessageContext,
  NotificationPage,
  SignatureKeyRecord,
  UserRecord,
} from './records';
import type { SubconversationRepository } from './subconversationRecords';

/*
 * Storage interfaces, implemented by the embedded SQLite store (sqlite/) and the PostgreSQL store
 * (postgres/); test/integration/server/storeContract.test.ts holds both to the same behaviour.
 * Every method that must be atomic with its notifications takes its fan-out as an argument and
 * enqueues it in the same transaction, so a crash never leaves a change without its events.
 */

export type ProfilePatch = Readonly<{ name?: string; accentId?: number; locale?: string; picture?: string | null }>;

export interface UserRepository {
  create(user: UserRecord): Promise<'created' | 'email-exists'>;
  byId(id: string): Promise<UserRecord | undefined>;
  byEmail(email: string): Promise<UserRecord | undefined>;
  byHandlePrefix(prefix: string, limit: number): Promise<readonly UserRecord[]>;
  update(id: string, patch: ProfilePatch): Promise<void>;
  setHandle(id: string, handle: string): Promise<'ok' | 'handle-exists'>;
  setPassword(id: string, passwordHash: string): Promise<void>;
  setSecondFactor(id: string, enabled: boolean): Promise<void>;
}

export type CodeCheck = 'ok' | 'wrong' | 'exhausted';

export interface CodeRepository {
  /** Replaces any previous code for the same purpose and subject, resetting its attempts. */
  put(purpose: string, subject: string, codeHash: string, expiresAt: number, userId?: string): Promise<void>;
  /** The user a code was issued for, when the subject does not name the user directly. */
  owner(purpose: string, subject: string): Promise<string | undefined>;
  pending(purpose: string, subject: string, now: number): Promise<boolean>;
  /**
   * Checks a code. A right code is deleted (single use); a wrong one counts an attempt and the
   * code is deleted at `maxAttempts` (seed 002: 3); a missing or expired code is `exhausted`.
   */
  consume(purpose: string, subject: string, codeHash: string, now: number, maxAttempts: number): Promise<CodeCheck>;
  delete(purpose: string, subject: string): Promise<void>;
  /** Drops expired codes; returns how many. */
  purgeExpired(now: number): Promise<number>;
}

export interface CookieRepository {
  /** Stores a cookie and drops the oldest of the same kind beyond `maxPerKind` (seed 002: 32). */
  create(cookie: CookieRecord, maxPerKind: number): Promise<void>;
  find(id: string): Promise<CookieRecord | undefined>;
  bindClient(id: string, clientId: string): Promise<void>;
  delete(id: string): Promise<void>;
  deleteForUser(userId: string): Promise<void>;
  /** Deletes every cookie of the user but those of one session (its connection id). */
  deleteForUserExcept(userId: string, connection: string): Promise<void>;
  /** Whether a live cookie of this session remains: access tokens are valid only while one does. */
  hasSession(userId: string, connection: string, now: number): Promise<boolean>;
  deleteForClient(userId: string, clientId: string): Promise<void>;
  /** Drops expired cookies; returns how many. */
  purgeExpired(now: number): Promise<number>;
}

export type AddClientOutcome =
  | Readonly<{ kind: 'added'; client: ClientRecord; replaced: ClientRecord | undefined; delivered: readonly Delivered[] }>
  | Readonly<{ kind: 'too-many' }>;

export interface ClientRepository {
  /** Adds a client with its prekeys; a new temporary client replaces the old one. */
  add(
    client: ClientRecord,
    lastPrekey: Prekey,
    prekeys: readonly Prekey[],
    maxPermanent: number,
    fanout: (client: ClientRecord, replaced: ClientRecord | undefined) => readonly Fanout[],
    now: number,
  ): Promise<AddClientOutcome>;
  list(userId: string): Promise<readonly ClientRecord[]>;
  get(userId: string, clientId: string): Promise<ClientRecord | undefined>;
  /** Deletes the client, its keys, cookies and queue; enqueues `fanout` atomically. */
  delete(userId: string, clientId: string, fanout: readonly Fanout[], now: number): Promise<readonly Delivered[]>;
  setLabel(userId: string, clientId: string, label: string | null): Promise<void>;
  uploadPrekeys(userId: string, clientId: string, prekeys: readonly Prekey[]): Promise<number>;
  countPrekeys(userId: string, clientId: string): Promise<number>;
  /** Takes one prekey, deleting it, or the last-resort prekey 65535 which is never deleted. */
  claimPrekey(userId: string, clientId: string): Promise<Prekey | undefined>;
}

export interface KeyPackageRepository {
  /**
   * Stores the packages, binding the device's MLS signature key of each suite at its first
   * upload; a package whose key differs from the bound one stores nothing
   * (`signature-key-mismatch`).
   */
  upload(userId: string, clientId: string, packages: readonly KeyPackageUpload[]): Promise<Readonly<{ ok: true; count: number }> | Readonly<{ ok: false; reason: 'signature-key-mismatch' }>>;
  /** The bound MLS signature keys of these devices, all suites. */
  signatureKeys(clients: readonly ClientRef[]): Promise<readonly SignatureKeyRecord[]>;
  /** One stored package of each device and suite that has no bound signature key yet (devices from before the binding). */
  unboundPackages(): Promise<readonly (KeyPackageRecord & Readonly<{ userId: string }>)[]>;
  /** Binds a key read from the device's own stored package, unless one is bound already. */
  bindSignatureKey(record: SignatureKeyRecord): Promise<void>;
  count(userId: string, clientId: string, cipherSuite: number): Promise<number>;
  /** Removes and returns one package per client of `userId` (skipping `except`); never one twice. */
  claim(userId: string, cipherSuite: number, except: ClientRef | undefined): Promise<readonly KeyPackageRecord[]>;
}

export type ConversationChange = Readonly<{
  epoch?: number;
  groupInfo?: Buffer;
  name?: string;
  messageTimer?: number | null;
  addMembers?: readonly Readonly<{ userId: string; role: Role }>[];
  removeMembers?: readonly string[];
  setRoles?: readonly Readonly<{ userId: string; role: Role }>[];
  /** Removed before `addClients` are added, so a device that rejoins gets its new leaf. */
  removeClients?: readonly ClientRef[];
  addClients?: readonly LeafPlacement[];
  /** Leaf indices of devices already in the group (set once for groups from before migration 0007). */
  setLeaves?: readonly LeafPlacement[];
}>;

/** What a planner decides given the current state: a change and its events, or a failure. */
export type ConversationPlan<T, F> =
  | Readonly<{ ok: true; change: ConversationChange; fanout: (after: ConversationRecord) => readonly Fanout[]; value: T }>
  | Readonly<{ ok: false; failure: F }>;

export type UpdateOutcome<T, F> =
  | Readonly<{ kind: 'missing' }>
  | Readonly<{ kind: 'failed'; failure: F }>
  | Readonly<{ kind: 'done'; value: T; conversation: ConversationRecord; delivered: readonly Delivered[] }>;

/** What a planner decides for an application message: its fan-out, or a failure. */
export type MessagePlan<F> = Readonly<{ ok: true; fanout: Fanout }> | Readonly<{ ok: false; failure: F }>;

export type PostOutcome<F> =
  | Readonly<{ kind: 'missing' }>
  | Readonly<{ kind: 'failed'; failure: F }>
  | Readonly<{ kind: 'done'; delivered: readonly Delivered[] }>
  /** The sending device posted under this key before (same conversation and message): nothing stored, answer as then. */
  | Readonly<{ kind: 'repeated'; postedAt: number }>
  /** The sending device used this key for a different conversation or message. */
  | Readonly<{ kind: 'key-reused' }>;

/** A post's idempotency key (chosen by the sending device) and a digest of what it posts. */
export type PostKey = Readonly<{ key: string; digest: Buffer }>;

export interface ConversationRepository {
  create(
    conversation: ConversationRecord,
    one2oneKey: string | null,
    fanout: (created: ConversationRecord) => readonly Fanout[],
    now: number,
  ): Promise<Readonly<{ kind: 'created' | 'exists'; conversation: ConversationRecord; delivered: readonly Delivered[] }>>;
  get(id: string): Promise<ConversationRecord | undefined>;
  listForUser(userId: string): Promise<readonly ConversationRecord[]>;
  /**
   * Reads the conversation, lets `plan` decide, and applies the change with its fan-out in one
   * serialized transaction. This is where MLS epochs are checked and advanced.
   */
  update<T, F>(id: string, plan: (current: ConversationRecord) => ConversationPlan<T, F>, now: number): Promise<UpdateOutcome<T, F>>;
  /**
   * Reads what an application message from `sender` needs to know, lets `plan` decide, and
   * stores its fan-out, in one transaction serialized with `update` (so the epoch `plan` sees is
   * the current one). Changes nothing else about the conversation. With a `postKey`, a repeat
   * of an earlier post by the same device under the same key stores nothing (`repeated`), and
   * the key used for something else is refused (`key-reused`); the key is remembered with a
   * stored post, in the same transaction.
   */
  postMessage<F>(
    id: string,
    sender: ClientRef,
    plan: (context: MessageContext) => MessagePlan<F>,
    now: number,
    postKey?: PostKey,
  ): Promise<PostOutcome<F>>;
  /** Forgets the idempotency keys of posts older than `olderThan`; returns how many. */
  prunePostKeys(olderThan: number): Promise<number>;
  /** Whether `userId` is a member of a conversation `assetKey` was shared in. */
  sharesAssetWith(assetKey: string, userId: string): Promise<boolean>;
}

export interface NotificationRepository {
  enqueue(fanouts: readonly Fanout[], now: number): Promise<readonly Delivered[]>;
  page(client: ClientRef, since: number, size: number): Promise<NotificationPage>;
  last(client: ClientRef): Promise<number>;
  /** Records acknowledgements (only ever raising them), many in one transaction. */
  ack(acks: readonly Readonly<{ client: ClientRef; upTo: number }>[]): Promise<void>;
  /** Deletes notifications older than the retention window; unacknowledged ones mark their queue for resync. */
  prune(olderThan: number): Promise<number>;
}

export interface AssetRepository {
  create(asset: AssetRecord, conversation: string | undefined): Promise<void>;
  get(key: string): Promise<AssetRecord | undefined>;
  share(key: string, conversation: string): Promise<void>;
  delete(key: string): Promise<void>;
  expired(now: number, limit: number): Promise<readonly string[]>;
}

export type ChatRequestOutcome =
  | Readonly<{ kind: 'created'; request: ChatRequestRecord; delivered: readonly Delivered[] }>
  /** The requester already has a live request (pending or ignored) or an accepted one to this target. */
  | Readonly<{ kind: 'exists' }>;

export type AnswerOutcome =
  | Readonly<{ kind: 'answered'; request: ChatRequestRecord; delivered: readonly Delivered[] }>
  /** No pending, unexpired request with this id addressed to this user. */
  | Readonly<{ kind: 'missing' }>;

export interface ChatRequestRepository {
  /**
   * Stores a pending request and enqueues `fanout` with it, unless the pair already has a live
   * or accepted request in this direction (then nothing is stored or sent).
   */
  create(request: ChatRequestRecord, fanout: (created: ChatRequestRecord) => readonly Fanout[], now: number): Promise<ChatRequestOutcome>;
  /** The pending, unexpired requests addressed to `targetId`, oldest first. */
  pendingFor(targetId: string, now: number): Promise<readonly ChatRequestRecord[]>;
  /** Accepts or ignores a pending request addressed to `targetId`, with its fan-out, in one transaction. */
  answer(id: string, targetId: string, state: 'accepted' | 'ignored', fanout: (request: ChatRequestRecord) => readonly Fanout[], now: number): Promise<AnswerOutcome>;
  /** The users among `candidates` with whom `userId` has an accepted request, either direction. */
  acceptedAmong(userId: string, candidates: readonly string[]): Promise<readonly string[]>;
  /** Drops expired pending and ignored requests; returns how many. */
  purgeExpired(now: number): Promise<number>;
}

export interface SecretRepository {
  /** Returns the named secret, creating it with `create` on first use (kept across restarts). */
  getOrCreate(name: string, create: () => Buffer): Promise<Buffer>;
}

/** Fixed-window counters of the rate limiter (`http/rateLimit.ts`), shared by every instance on the database. */
export interface RateWindowRepository {
  /**
   * Counts one event for `id` in one atomic step: a window older than `windowMs` starts afresh at
   * `now` with a count of 1. Returns the window's start and its count including this event.
   */
  hit(id: string, now: number, windowMs: number): Promise<Readonly<{ startedAt: number; count: number }>>;
  /** Deletes windows that started before `olderThan`; returns how many. */
  prune(olderThan: number): Promise<number>;
}

/** The sign-in throttle's failures of one (account, address) pair. */
export type ThrottlePair = Readonly<{ failures: number; lastFailure: number }>;
/** The sign-in throttle's failures of one address in its current window. */
export type ThrottleBudget = Readonly<{ startedAt: number; failures: number }>;
/** What `decide` writes back: a row, `null` to delete it, or `undefined` to leave it. */
export type ThrottleChange = Readonly<{ pair?: ThrottlePair | null; budget?: ThrottleBudget | null }>;

/** The sign-in throttle's state (`auth/loginThrottle.ts`), shared by every instance on the database. */
export interface LoginThrottleRepository {
  /**
   * Reads the pair's and the address's rows, lets `decide` change them and writes the change, as
   * one step no other sign-in of the same pair or address can interleave with (row locks).
   */
  update<T>(pairId: string, budgetId: string, decide: (pair: ThrottlePair | undefined, budget: ThrottleBudget | undefined) => Readonly<{ result: T; change: ThrottleChange }>): Promise<T>;
  /** Deletes pairs whose last failure is before `pairsBefore` and budgets started before `budgetsBefore`. */
  prune(pairsBefore: number, budgetsBefore: number): Promise<number>;
}

export type Store = Readonly<{
  users: UserRepository;
  codes: CodeRepository;
  cookies: CookieRepository;
  clients: ClientRepository;
  keyPackages: KeyPackageRepository;
  conversations: ConversationRepository;
  subconversations: SubconversationRepository;
  notifications: NotificationRepository;
  assets: AssetRepository;
  chatRequests: ChatRequestRepository;
  secrets: SecretRepository;
  rateWindows: RateWindowRepository;
  loginThrottle: LoginThrottleRepository;
  /**
   * The channel to other server instances on the same database (PostgreSQL's LISTEN/NOTIFY);
   * absent on SQLite, which serves one instance only.
   */
  instances?: InstanceBus;
  /** Answers when the database does (health checks); throws when it cannot be reached. */
  ping(): Promise<void>;
  /** Closes the database (PostgreSQL: waits for the pool's connections to end). */
  close(): Promise<void>;
}>;
