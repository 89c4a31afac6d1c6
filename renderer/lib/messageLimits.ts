/**
 * How long a text message may be, as the core's contract says (`MAX_MESSAGE_TEXT` in
 * electron/core/ipc/contract.ts; the renderer may import only types from there, and a unit test
 * keeps the two equal). Lengths are UTF-16 code units, as JavaScript and zod count them.
 */
export const MAX_MESSAGE_TEXT = 8000;

/** The composer shows how many characters are left once fewer than this many are. */
export const COUNTER_FROM_REMAINING = 500;

export type LengthState =
  | Readonly<{ kind: 'fine' }>
  | Readonly<{ kind: 'near'; remaining: number }>
  | Readonly<{ kind: 'over'; over: number }>;

/** Where a draft of `length` code units stands against the limit. */
export function lengthState(length: number): LengthState {
  const remaining = MAX_MESSAGE_TEXT - length;
  if (remaining < 0) return { kind: 'over', over: -remaining };
  if (remaining < COUNTER_FROM_REMAINING) return { kind: 'near', remaining };
  return { kind: 'fine' };
}
