import type { Result } from '../../../protocol/result';
import type { MlsEngine } from '../crypto/mls/mlsEngine';
import type { MlsGroup } from '../crypto/mls/mlsGroup';
import { loadGroupState } from '../store/groups';
import type { ReadableDB } from '../store/handles';

/** Conversations whose decoded state is kept; the least recently used one goes first. */
const KEPT = 32;

/**
 * Decoded MLS group states, reused while the stored bytes are the same. Decoding a stored state
 * and processing the first message from it costs about 1–2 ms more than processing from the state
 * the previous message left (bench/receivePipeline.bench.ts), and a catch-up starts a transaction
 * every few dozen messages. An entry is only a memo of `decodeGroupState(bytes)`: it is used only
 * when the bytes in the database are identical to the bytes it was made from, so a transaction
 * that rolled back after `remember` (its bytes never stored) just costs one decode.
 */
export class DecodedGroups {
  private readonly entries = new Map<string, Readonly<{ bytes: Uint8Array; group: MlsGroup }>>();

  /** The stored state of a conversation, decoded; undefined when this device is not in its group. */
  load(db: ReadableDB, engine: MlsEngine, conversationId: string): Result<MlsGroup> | undefined {
    const bytes = loadGroupState(db, conversationId);
    if (bytes === undefined) return undefined;
    const entry = this.entries.get(conversationId);
    if (entry !== undefined && Buffer.compare(entry.bytes, bytes) === 0) {
      this.remember(conversationId, entry.bytes, entry.group);
      return { ok: true, value: entry.group };
    }
    const decoded = engine.decodeGroupState(bytes);
    if (decoded.ok) this.remember(conversationId, bytes, decoded.value);
    return decoded;
  }

  /** Notes that `bytes` (about to be stored) is the encoding of `group`. */
  remember(conversationId: string, bytes: Uint8Array, group: MlsGroup): void {
    this.entries.delete(conversationId);
    this.entries.set(conversationId, { bytes, group });
    if (this.entries.size > KEPT) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
  }

  clear(): void {
    this.entries.clear();
  }
}
