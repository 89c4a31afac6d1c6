import type { MlsEngine } from '../crypto/mls/mlsEngine';
import type { MlsGroup } from '../crypto/mls/mlsGroup';
import { saveGroupState } from '../store/groups';
import type { WritableDB } from '../store/handles';
import type { DecodedGroups } from './decodedGroups';

/**
 * The MLS group states advanced by the messages of one receive transaction (a run of
 * notifications stored together, see syncService.ts). Each message is processed from the state
 * the message before it left, kept here instead of being written and read back; `write` stores
 * each group's final state once, in the same transaction as the messages, so the stored state
 * and the stored messages always match. Lives only while the conversations' lock is held: a
 * send never sees a state from here that is not in the database yet.
 */
export class ReceivedGroups {
  private readonly groups = new Map<string, Readonly<{ group: MlsGroup; at: number; engine: MlsEngine }>>();

  /** `decoded` learns each state written, so the next transaction starts from it without decoding. */
  constructor(private readonly decoded?: DecodedGroups) {}

  /** The state an earlier message of this transaction left, if any. */
  get(conversationId: string): MlsGroup | undefined {
    return this.groups.get(conversationId)?.group;
  }

  advance(conversationId: string, group: MlsGroup, at: number, engine: MlsEngine): void {
    this.groups.set(conversationId, { group, at, engine });
  }

  /** Stores each advanced group's final state; call inside the transaction that stores the messages. */
  write(tx: WritableDB): void {
    for (const [conversationId, { group, at, engine }] of this.groups) {
      const status = engine.status(group);
      const bytes = engine.encodeGroupState(group);
      saveGroupState(tx, conversationId, status.groupId, status.epoch, bytes, at);
      this.decoded?.remember(conversationId, bytes, group);
    }
  }
}
