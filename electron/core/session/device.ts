/**
 * The signed-in device as the session's services see it: who it is, its API client and its
 * open store. Created once per session (session.ts) and shared, never changed.
 */
import type { Result } from '../../../protocol/result';
import { CoreError } from '../ipc/errors';
import type { ApiClient } from '../net/apiClient';
import type { ReadableDB } from '../store/handles';
import type { SelfDevice } from '../services/deviceTrust';

export interface DeviceContext {
  readonly api: ApiClient;
  readonly db: ReadableDB;
  /** Folder for temporary encrypted copies of files being sent or received, and the file cache. */
  readonly filesDir: string;
  /** The profile folder: files in it are never sent or overwritten. */
  readonly profileDir: string;
  readonly userId: string;
  readonly domain: string;
  readonly clientId: string;
}

/** This user as stored in rows: `id@domain`. */
export function selfId(device: DeviceContext): string {
  return `${device.userId}@${device.domain}`;
}

export function selfDevice(device: DeviceContext): SelfDevice {
  return { user: selfId(device), clientId: device.clientId };
}

/** The value of an engine result, or its error thrown as the CoreError the caller's request returns. */
export function value<T>(result: Result<T>): T {
  if (!result.ok) throw CoreError.from(result.error);
  return result.value;
}

export const fromBase64 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'base64'));
export const toBase64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');
