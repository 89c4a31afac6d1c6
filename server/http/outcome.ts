import type { ApiErrorCode } from '../../protocol';

/** A handler's answer as a value: the response body, or an API error code. */
export type Outcome<T> =
  | Readonly<{ ok: true; value: T }>
  | Readonly<{ ok: false; error: Readonly<{ code: ApiErrorCode; message?: string; epoch?: number }> }>;

export function done<T>(value: T): Outcome<T> {
  return { ok: true, value };
}

export function fail<T = never>(code: ApiErrorCode, message?: string, extra?: Readonly<{ epoch?: number }>): Outcome<T> {
  return { ok: false, error: { code, ...(message === undefined ? {} : { message }), ...extra } };
}
