import { hkdfSync, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { callSecretFrom, EPHEMERAL_ID_LABELS, newCallSecret, sfuParticipantId, sfuRoom } from '../../../../electron/core/calls/conference/ephemeralIds';

const device = (clientId: string, userId = randomUUID()) => ({ userId, clientId, domain: 'cairn.test' });

describe('ephemeral SFU ids of a conference (seed 001 "Privacy")', () => {
  it('gives two calls of the same conversation different room ids, pins and participant ids for the same device', () => {
    const alice = device('00000000000000a1');
    const first = newCallSecret();
    const second = newCallSecret();
    expect(first.bytes).toHaveLength(32);
    expect(sfuRoom(first).room).not.toBe(sfuRoom(second).room);
    expect(sfuRoom(first).pin).not.toBe(sfuRoom(second).pin);
    expect(sfuRoom(first).secret).not.toBe(sfuRoom(second).secret);
    expect(sfuParticipantId(first, alice)).not.toBe(sfuParticipantId(second, alice));
  });

  it('lets every holder of the secret compute the same room and the same id for each participant, and different ids for different devices', () => {
    const secret = newCallSecret();
    const copy = callSecretFrom(secret.bytes.slice());
    if (copy === undefined) throw new Error('a 32-byte secret was refused');
    const bob = device('00000000000000b1');
    const bobPhone = device('00000000000000b2', bob.userId);
    expect(sfuRoom(copy)).toEqual(sfuRoom(secret));
    expect(sfuParticipantId(copy, bob)).toBe(sfuParticipantId(secret, bob));
    expect(sfuParticipantId(secret, bob)).not.toBe(sfuParticipantId(secret, bobPhone));
  });

  it('derives ids Janus accepts (positive, below 2^53) with HKDF-SHA256 under the documented labels', () => {
    const secret = newCallSecret();
    const { room, pin } = sfuRoom(secret);
    expect(Number.isSafeInteger(room) && room > 0).toBe(true);
    const expected = Buffer.from(hkdfSync('sha256', secret.bytes, new Uint8Array(0), EPHEMERAL_ID_LABELS.room, 8)).readBigUInt64BE() & ((1n << 53n) - 1n);
    expect(BigInt(room)).toBe(expected === 0n ? 1n : expected);
    expect(pin).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(sfuRoom(secret).secret).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(sfuRoom(secret).secret).not.toBe(pin);
    const id = sfuParticipantId(secret, device('0000000000000c01'));
    expect(Number.isSafeInteger(id) && id > 0).toBe(true);
  });

  it('accepts only 32-byte secrets from a start message', () => {
    expect(callSecretFrom(new Uint8Array(31))).toBeUndefined();
    expect(callSecretFrom(new Uint8Array(33))).toBeUndefined();
  });
});
