/**
 * Reported during export and import, at most once per chunk (64 KiB) plus once per stage
 * change. `deriving-key` lasts about a second and cannot be interrupted; cancellation is
 * honoured before and after it and between chunks.
 */
export type BackupStage = 'deriving-key' | 'copying' | 'finishing';

export type BackupProgress = Readonly<{
  stage: BackupStage;
  /** Records written or read so far. */
  records: number;
  /** Export: the rows the store held at the start (an upper bound). Import: known only at the end. */
  recordsTotal: number | undefined;
  /** Bytes of the backup file written or read so far. */
  bytes: number;
  /** Import: the file's size. Export: unknown until done. */
  bytesTotal: number | undefined;
}>;

export type ProgressListener = (progress: BackupProgress) => void;

/** How an export is protected. `none` is the user's explicit choice of the open format. */
export type BackupProtection =
  | Readonly<{ kind: 'password'; password: string }>
  | Readonly<{ kind: 'none' }>;
