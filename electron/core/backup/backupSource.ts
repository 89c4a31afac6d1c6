import type { Sodium } from '../vault/sodium';
import { BackupFailure } from './backupErrors';
import type { BackupHeader } from './backupHeader';
import { announcedHeaderLength, HEADER_PREFIX_BYTES, isCutMagic, keyCheckInput, parseBackupHeader, startsWithMagic } from './backupHeader';
import { ChunkOpener } from './chunkCipher';
import type { BackupFileReader } from './backupFileReader';
import type { BackupKeys } from './backupKdf';

export const TRAILING_DATA_DETAIL = 'The backup file is damaged: it has data after its end. Nothing was imported. Use another copy of the backup.';

/** A piece of payload and the file offset reading has reached (for progress). */
export type PayloadPiece = Readonly<{ payload: Uint8Array; position: number }>;

/** What the first bytes say the file is. */
export type SniffedBackup =
  | Readonly<{ kind: 'encrypted'; header: BackupHeader }>
  | Readonly<{ kind: 'plain' }>;

/**
 * Tells an encrypted backup (magic "CAIRNBAK") from the open JSON Lines form (starts with `{`)
 * and reads an encrypted header whole. Cheap: no key derivation happens here, so the user id
 * and the format version can be checked before the expensive part.
 */
export async function sniffBackup(reader: BackupFileReader): Promise<SniffedBackup> {
  const prefix = await reader.read(0, HEADER_PREFIX_BYTES);
  if (prefix.length > 0 && prefix[0] === 0x7b) return { kind: 'plain' };
  if (isCutMagic(prefix)) throw new BackupFailure('backup-truncated');
  if (!startsWithMagic(prefix)) throw new BackupFailure('backup-not-a-backup');
  if (prefix.length < HEADER_PREFIX_BYTES) throw new BackupFailure('backup-truncated');
  const length = announcedHeaderLength(prefix);
  const bytes = await reader.read(0, length);
  if (bytes.length < length) throw new BackupFailure('backup-truncated');
  return { kind: 'encrypted', header: parseBackupHeader(bytes) };
}

/** Constant-time check of the header's key check: the only place a wrong password shows. */
export function keyMatchesHeader(sodium: Sodium, header: BackupHeader, keys: BackupKeys): boolean {
  const expected = sodium.crypto_generichash(32, keyCheckInput(header), keys.check);
  return sodium.memcmp(expected, header.keyCheck);
}

/**
 * Starts reading `length` bytes at `position` now and hands back the pending read, so the next
 * piece of the file arrives while the current one is decrypted and merged (measured: the import
 * otherwise spends a tenth or more of its time waiting for the disk). A read that nobody awaits
 * any more — the import stopped — is not an unhandled rejection; the reader's `close` waits for it.
 */
function readAhead(reader: BackupFileReader, position: number, length: number): Promise<Uint8Array> {
  const pending = reader.read(position, length);
  pending.catch(() => undefined);
  return pending;
}

/**
 * The payload of an encrypted backup, chunk by chunk, each authenticated before it is yielded.
 * Ends only after a chunk with TAG_FINAL that is followed by nothing. A file that stops at a
 * chunk boundary or inside a chunk is `backup-truncated`; a complete chunk that fails to
 * authenticate, or bytes after the final chunk, are `backup-corrupt`.
 */
export async function* encryptedPayload(
  sodium: Sodium,
  reader: BackupFileReader,
  header: BackupHeader,
  keys: BackupKeys,
): AsyncGenerator<PayloadPiece> {
  const opener = new ChunkOpener(sodium, keys.stream, header.streamHeader, header.bytes, header.chunkSize);
  const sealedSize = ChunkOpener.sealedSize(sodium, header.chunkSize);
  let position = header.bytes.length;
  let next = readAhead(reader, position, sealedSize);
  for (;;) {
    const sealed = await next;
    if (sealed.length < sealedSize) throw new BackupFailure('backup-truncated');
    position += sealed.length;
    if (position < reader.size) next = readAhead(reader, position, sealedSize);
    const { payload, final } = opener.open(sealed);
    yield { payload, position };
    if (final) {
      if (position !== reader.size) throw new BackupFailure('backup-corrupt', TRAILING_DATA_DETAIL);
      return;
    }
    if (position >= reader.size) throw new BackupFailure('backup-truncated');
  }
}

/** The payload of an unencrypted backup: the file itself, read in pieces of `pieceSize`. */
export async function* plainPayload(
  reader: BackupFileReader,
  pieceSize: number,
): AsyncGenerator<PayloadPiece> {
  let next = readAhead(reader, 0, pieceSize);
  for (let position = 0; position < reader.size; ) {
    const payload = await next;
    if (payload.length === 0) return;
    position += payload.length;
    if (position < reader.size) next = readAhead(reader, position, pieceSize);
    yield { payload, position };
  }
}
