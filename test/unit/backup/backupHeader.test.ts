import { describe, expect, it } from 'vitest';
import { BackupFailure } from '../../../electron/core/backup/backupErrors';
import {
  BACKUP_FORMAT_VERSION,
  encodeBackupHeader,
  HEADER_CHECKSUM_BYTES,
  headerChecksum,
  parseBackupHeader,
} from '../../../electron/core/backup/backupHeader';
import type { BackupHeaderFields } from '../../../electron/core/backup/backupHeader';
import { DEFAULT_BACKUP_KDF } from '../../../electron/core/backup/backupKdf';

const fields: BackupHeaderFields = {
  kdf: DEFAULT_BACKUP_KDF,
  salt: new Uint8Array(16).fill(7),
  chunkSize: 65536,
  createdAt: 1_763_900_000_000,
  userId: 'a1b2c3d4-0000-4000-8000-000000000001@cairn.test',
  streamHeader: new Uint8Array(24).fill(9),
};
const check = () => new Uint8Array(32).fill(5);

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof BackupFailure) return error.code;
    throw error;
  }
  return undefined;
}

/** Rewrites the checksum, as a newer (or hostile) writer would, so only the field itself is wrong. */
function resealed(bytes: Uint8Array): Uint8Array {
  const copy = bytes.slice();
  copy.set(headerChecksum(copy.subarray(0, copy.length - HEADER_CHECKSUM_BYTES)), copy.length - HEADER_CHECKSUM_BYTES);
  return copy;
}

describe('backup header', () => {
  it('reads back every field it wrote, with the real KDF parameters of seed 002', () => {
    const header = parseBackupHeader(encodeBackupHeader(fields, check));
    expect(header).toMatchObject({ ...fields, version: BACKUP_FORMAT_VERSION, flags: 0, keyCheck: check() });
    expect(header.kdf).toEqual({ opsLimit: 6, memLimitBytes: 134_217_728 });
  });

  it('reports any flipped byte after the magic as damage, including the version and length bytes', () => {
    const bytes = encodeBackupHeader(fields, check);
    for (let at = 8; at < bytes.length; at++) {
      const copy = bytes.slice();
      copy[at] = (copy[at] ?? 0) ^ 0x01;
      expect(codeOf(() => parseBackupHeader(copy)), `byte ${at}`).toBe('backup-corrupt');
    }
  });

  it('says "newer version" for a well-formed header from a newer format or with unknown flags', () => {
    const version = encodeBackupHeader(fields, check);
    version[8] = BACKUP_FORMAT_VERSION + 1;
    expect(codeOf(() => parseBackupHeader(resealed(version)))).toBe('backup-newer-version');
    const flags = encodeBackupHeader(fields, check);
    flags[11] = 0x01;
    expect(codeOf(() => parseBackupHeader(resealed(flags)))).toBe('backup-newer-version');
  });

  it('refuses a hostile KDF cost before anything is derived, so a file cannot make us allocate gigabytes', () => {
    const bytes = encodeBackupHeader(fields, check);
    new DataView(bytes.buffer).setUint32(17, 0xffff_fc00); // ≈ 4 GiB
    expect(codeOf(() => parseBackupHeader(resealed(bytes)))).toBe('backup-corrupt');
    const passes = encodeBackupHeader(fields, check);
    new DataView(passes.buffer).setUint32(13, 1000);
    expect(codeOf(() => parseBackupHeader(resealed(passes)))).toBe('backup-corrupt');
  });

  it('refuses an absurd chunk size', () => {
    const bytes = encodeBackupHeader(fields, check);
    new DataView(bytes.buffer).setUint32(37, 0x7fff_ffff);
    expect(codeOf(() => parseBackupHeader(resealed(bytes)))).toBe('backup-corrupt');
  });
});
