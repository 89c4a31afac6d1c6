import { describe, expect, it } from 'vitest';
import { WireToCoreSchema } from '../../../electron/core/ipc/wire';
import { SMOKE_NONCE, isSmokePong, smokePing } from '../../../electron/main/smokeCheck';

describe('release smoke check', () => {
  it('sends a well-formed ping the core accepts', () => {
    expect(WireToCoreSchema.safeParse(smokePing()).success).toBe(true);
  });

  it('passes only on the core’s successful answer carrying the same nonce', () => {
    const pong = { kind: 'response', id: 1, result: { ok: true, value: { nonce: SMOKE_NONCE, receivedAt: 1 } } };
    expect(isSmokePong(pong)).toBe(true);
    expect(isSmokePong({ ...pong, id: 2 })).toBe(false);
    expect(isSmokePong({ ...pong, result: { ok: false, error: { code: 'internal', message: 'x' } } })).toBe(false);
    expect(isSmokePong({ ...pong, result: { ok: true, value: { nonce: 'other' } } })).toBe(false);
    expect(isSmokePong(null)).toBe(false);
    expect(isSmokePong('pong')).toBe(false);
  });
});
