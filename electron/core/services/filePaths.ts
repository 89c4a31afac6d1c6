/**
 * Checks on the paths the UI hands the core for sending and saving files. The renderer gets
 * them from the shell's file dialogs or a drop, but the core does not trust it: a path to send
 * must be a readable regular file, a path to save at must be a file (new or replaced) in an
 * existing folder, and neither may point into the profile folder, where the database, its key
 * records and the file cache live.
 */
import { constants } from 'node:fs';
import { access, lstat, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { CoreError } from '../ipc/errors';

/** Resolves `file` (absolute) to a readable regular file outside `profileDir`; returns the real path. */
export async function checkFileToSend(file: string, profileDir: string): Promise<string> {
  requireAbsolute(file);
  let real: string;
  try {
    real = await realpath(file);
  } catch {
    throw new CoreError('file-not-found');
  }
  const info = await stat(real);
  if (!info.isFile()) throw new CoreError('file-not-regular');
  try {
    await access(real, constants.R_OK);
  } catch {
    throw new CoreError('file-not-readable');
  }
  await refuseInside(real, profileDir);
  return real;
}

/** Checks that a download may be written at `file` (absolute); returns the path to write. */
export async function checkSaveTarget(file: string, profileDir: string): Promise<string> {
  requireAbsolute(file);
  const folder = path.dirname(file);
  let realFolder: string;
  try {
    realFolder = await realpath(folder);
  } catch {
    throw new CoreError('file-folder-missing');
  }
  if (!(await stat(realFolder)).isDirectory()) throw new CoreError('file-folder-missing');
  const target = path.join(realFolder, path.basename(file));
  const existing = await lstat(target).catch(() => undefined);
  if (existing && !existing.isFile()) {
    throw new CoreError('file-not-regular', 'Something other than a file already has this name. Choose another name.');
  }
  await refuseInside(target, profileDir);
  return target;
}

function requireAbsolute(file: string): void {
  if (!path.isAbsolute(file)) throw new CoreError('ipc-invalid-request', 'A file must be given as an absolute path.');
}

async function refuseInside(real: string, profileDir: string): Promise<void> {
  const profile = await realpath(profileDir).catch(() => path.resolve(profileDir));
  const relative = path.relative(profile, real);
  const outside = relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative);
  if (!outside) {
    throw new CoreError('file-in-profile');
  }
}
