import type { Result } from '../../../protocol/result';
import { err } from '../../../protocol/result';

/**
 * Failures a person can hit when exporting or importing a backup. Codes are stable (the UI and
 * the CLI switch on them); each sentence says what happened and what to do. Every import path
 * behind these codes leaves the local database as it was, and every export path leaves no file.
 */
export const BACKUP_ERRORS = {
  'backup-wrong-password': 'That backup password is not correct. Nothing was imported. Try again with the password chosen when the backup was made.',
  'backup-password-required': 'This backup is protected by a password. Enter the password chosen when the backup was made.',
  'backup-password-too-short': 'Choose a backup password of at least 8 characters.',
  'backup-corrupt': 'The backup file is damaged or was changed after it was made. Nothing was imported. Use another copy of the backup.',
  'backup-truncated': 'The backup file is incomplete: it ends before its last part. Nothing was imported. Copy the whole file again and retry.',
  'backup-other-user': 'This backup belongs to another account and can only be imported by the person who made it. Nothing was imported.',
  'backup-newer-version': 'This backup was made by a newer version of Cairn. Nothing was imported. Update Cairn and import it again.',
  'backup-not-a-backup': 'This file is not a Cairn backup. Nothing was imported. Choose the file that Cairn saved when you made the backup.',
  'backup-unencrypted':
    'This backup is not encrypted, so Cairn cannot check that it is unchanged and really yours. Nothing was imported. Import it only if you made it yourself and kept it safe.',
  'backup-cancelled': 'The backup was cancelled. Nothing was changed.',
  'backup-busy': 'The local database is in the middle of another change. Nothing was changed. Try again in a moment.',
  'backup-io': 'The backup file could not be read or written. Nothing was changed. Check that the location exists, that you may write there, and that the disk has free space.',
} as const;

export type BackupErrorCode = keyof typeof BACKUP_ERRORS;

/** A failed result with a stable backup code; `detail` replaces the default sentence when it says more. */
export function backupError<T = never>(code: BackupErrorCode, detail?: string): Result<T> {
  return err<T>(code, detail ?? BACKUP_ERRORS[code]);
}

/**
 * Thrown inside the export and import pipelines and turned into a `Result` at their public
 * entry points, so deep helpers (chunk decryption, record parsing) can stop the whole run
 * without threading results through every loop.
 */
export class BackupFailure extends Error {
  constructor(
    readonly code: BackupErrorCode,
    readonly detail?: string,
  ) {
    super(detail ?? BACKUP_ERRORS[code]);
    this.name = 'BackupFailure';
  }
}

/** Maps anything thrown during a run to a result: our own failures keep their code, the rest is I/O. */
export function failureResult<T = never>(error: unknown): Result<T> {
  if (error instanceof BackupFailure) return backupError<T>(error.code, error.detail);
  return backupError<T>('backup-io');
}
