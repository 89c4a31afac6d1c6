import type { ClientRef, ConversationRecord, Delivered, Fanout, LeafPlacement } from './records';

/*
 * Storage shapes of subconversations (conference call groups, issue 14), kept apart from the
 * conversation records they hang off.
 */

/** A device in a call group: its leaf, whether it is still registered, and whether it said it left (its leaf stays until a commit removes it). */
export type SubgroupClientRecord = Readonly<{ userId: string; clientId: string; leafIndex: number; registered: boolean; left: boolean }>;

export type SubconversationRecord = Readonly<{
  convId: string;
  id: string;
  groupId: Buffer;
  epoch: number;
  /** When the server accepted the commit that began the current epoch (the creation time at epoch 0). */
  epochStartedAt: number;
  cipherSuite: number;
  groupInfo: Buffer | null;
  createdAt: number;
  clients: readonly SubgroupClientRecord[];
}>;

export type SubconversationChange = Readonly<{
  epoch?: number;
  groupInfo?: Buffer;
  /** Removed before `addClients` are added, so a device that rejoins gets its new leaf. */
  removeClients?: readonly ClientRef[];
  addClients?: readonly LeafPlacement[];
  /** Devices that said they left: marked, their leaves kept for the removal commit. */
  markLeft?: readonly ClientRef[];
  /** Drop the whole group (nobody is left in it). */
  deleteGroup?: boolean;
}>;

export type SubconversationPlan<T, F> =
  | Readonly<{ ok: true; change: SubconversationChange; fanout: readonly Fanout[]; value: T }>
  | Readonly<{ ok: false; failure: F }>;

export type SubconversationOutcome<T, F> =
  | Readonly<{ kind: 'missing' }>
  | Readonly<{ kind: 'failed'; failure: F }>
  | Readonly<{ kind: 'done'; value: T; after: SubconversationRecord | undefined; delivered: readonly Delivered[] }>;

export interface SubconversationRepository {
  /**
   * Lets `plan` decide with the parent conversation as it is now, and stores the new group with
   * its first device in one transaction; `missing` when the conversation does not exist.
   */
  create<F>(
    convId: string,
    plan: (parent: ConversationRecord) => Readonly<{ ok: true; record: SubconversationRecord }> | Readonly<{ ok: false; failure: F }>,
  ): Promise<Readonly<{ kind: 'missing' }> | Readonly<{ kind: 'failed'; failure: F }> | Readonly<{ kind: 'created'; record: SubconversationRecord }>>;
  /** The group and its parent conversation, read together. */
  get(convId: string, subId: string): Promise<Readonly<{ parent: ConversationRecord; sub: SubconversationRecord }> | undefined>;
  /**
   * Reads parent and group, lets `plan` decide, and applies the change with its fan-out in one
   * transaction serialized with every other change: the call group's epoch check lives here, as
   * the conversation's does in `ConversationRepository.update`.
   */
  update<T, F>(
    convId: string,
    subId: string,
    plan: (parent: ConversationRecord, sub: SubconversationRecord) => SubconversationPlan<T, F>,
    now: number,
  ): Promise<SubconversationOutcome<T, F>>;
}
