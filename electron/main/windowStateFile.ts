/**
 * Reads and writes the window-state file. Reading never throws: a missing, unreadable or
 * corrupt file means "no saved state". Writing goes through a temporary file and a rename, so
 * a crash mid-write cannot leave a half-written file behind.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import type { WindowState } from './windowState';
import { parseWindowState } from './windowState';

export const WINDOW_STATE_FILE_NAME = 'window-state.json';

export async function readWindowState(filePath: string): Promise<WindowState | undefined> {
  let text: string;
  try {
    text = await readFile(filePath, 'utf8');
  } catch {
    return undefined;
  }
  if (text.length > 4096) return undefined;
  try {
    return parseWindowState(JSON.parse(text));
  } catch {
    return undefined;
  }
}

export async function writeWindowState(filePath: string, state: WindowState): Promise<void> {
  const temporary = `${filePath}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(state)}\n`, { encoding: 'utf8', mode: 0o600 });
  await rename(temporary, filePath);
}
