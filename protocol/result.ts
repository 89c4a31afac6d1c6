/**
 * Results that cross a boundary (IPC, HTTP, worker) are values, never exceptions.
 * `code` is stable and machine-readable; `message` is a plain sentence a person can act on.
 */
export type ErrorInfo = Readonly<{ code: string; message: string }>;

export type Result<T> =
  | Readonly<{ ok: true; value: T }>
  | Readonly<{ ok: false; error: ErrorInfo }>;

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function err<T = never>(code: string, message: string): Result<T> {
  return { ok: false, error: { code, message } };
}

/** Exhaustiveness guard for discriminated unions in `switch` statements. */
export function missingCase(value: never): never {
  throw new Error(`Unhandled case: ${JSON.stringify(value)}`);
}
