/** The backup library the core's services call (docs/backup-format.md describes the file). */
export { exportBackup } from './exportBackup';
export type { ExportBackupOptions, ExportSummary } from './exportBackup';
export { importBackup } from './importBackup';
export type { ImportBackupOptions, ImportSummary } from './importBackup';
export { inspectBackup } from './inspectBackup';
export type { BackupInfo } from './inspectBackup';
export type { BackupProgress, BackupProtection, BackupStage, ProgressListener } from './backupProgress';
export { BACKUP_ERRORS } from './backupErrors';
export type { BackupErrorCode } from './backupErrors';
export { DEFAULT_BACKUP_KDF } from './backupKdf';
export type { BackupKdfParams } from './backupKdf';
