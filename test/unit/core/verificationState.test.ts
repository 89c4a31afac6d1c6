import { describe, expect, it } from 'vitest';
import { formatFingerprint, parseFingerprint, signatureKeyHex } from '../../../electron/core/crypto/mls/fingerprint';
import type { GroupDevice, VerificationState } from '../../../electron/core/services/verificationState';
import { conversationVerification } from '../../../electron/core/services/verificationState';

const key = (byte: number): string => byte.toString(16).padStart(2, '0').repeat(32);
const alice = 'a0000000-0000-4000-8000-000000000001@example.test';
const bob = 'b0000000-0000-4000-8000-000000000002@example.test';

const self: GroupDevice = { user: alice, clientId: '00000000000000a1', signatureKey: key(1) };
const aliceLaptop: GroupDevice = { user: alice, clientId: '00000000000000a2', signatureKey: key(2) };
const bobDesk: GroupDevice = { user: bob, clientId: '00000000000000b1', signatureKey: key(3) };
const bobPhone: GroupDevice = { user: bob, clientId: '00000000000000b2', signatureKey: key(4) };

function state(devices: readonly GroupDevice[], verified: readonly GroupDevice[], previous: VerificationState): VerificationState {
  const trusted = new Set(verified.map((d) => `${d.user} ${d.clientId} ${d.signatureKey}`));
  return conversationVerification({ devices, self, isVerified: (d) => trusted.has(`${d.user} ${d.clientId} ${d.signatureKey}`), previous }).state;
}

describe('conversation verification state', () => {
  it('starts non-verified while any device of a member is not verified', () => {
    expect(state([self, bobDesk, bobPhone], [bobDesk], 'non-verified')).toBe('non-verified');
  });

  it('is verified when every device but this one is verified, the user’s own other devices included', () => {
    expect(state([self, aliceLaptop, bobDesk], [bobDesk], 'non-verified')).toBe('non-verified');
    expect(state([self, aliceLaptop, bobDesk], [bobDesk, aliceLaptop], 'non-verified')).toBe('verified');
  });

  it('degrades a verified conversation when a new unverified device or member appears', () => {
    expect(state([self, bobDesk, bobPhone], [bobDesk], 'verified')).toBe('degraded');
    const carol: GroupDevice = { user: 'c0000000-0000-4000-8000-000000000003@example.test', clientId: '00000000000000c1', signatureKey: key(5) };
    expect(state([self, bobDesk, carol], [bobDesk], 'verified')).toBe('degraded');
  });

  it('stays degraded until the new devices are verified, then is verified again', () => {
    expect(state([self, bobDesk, bobPhone], [bobDesk], 'degraded')).toBe('degraded');
    expect(state([self, bobDesk, bobPhone], [bobDesk, bobPhone], 'degraded')).toBe('verified');
  });

  it('after "send anyway" (non-verified) a further new device does not degrade it again', () => {
    expect(state([self, bobDesk, bobPhone], [bobDesk], 'non-verified')).toBe('non-verified');
  });

  it('treats a known device whose key changed as unverified', () => {
    const rekeyed: GroupDevice = { ...bobDesk, signatureKey: key(9) };
    expect(state([self, rekeyed], [bobDesk], 'verified')).toBe('degraded');
  });

  it('trusts this device only with its own key: a leaf claiming its id with another key is a stranger', () => {
    const impostor: GroupDevice = { ...self, signatureKey: key(8) };
    expect(state([self, bobDesk, impostor], [bobDesk], 'verified')).toBe('degraded');
  });

  it('is not verified with nobody else in the group, and an emptied verified group is not degraded', () => {
    expect(state([self], [], 'non-verified')).toBe('non-verified');
    expect(state([self], [], 'verified')).toBe('non-verified');
    expect(state([self], [], 'degraded')).toBe('non-verified');
  });

  it('goes back from degraded when the unverified device leaves the group', () => {
    expect(state([self, bobDesk], [bobDesk], 'degraded')).toBe('verified');
  });

  it('names the devices that keep it from being verified', () => {
    const outcome = conversationVerification({ devices: [self, bobDesk, bobPhone], self, isVerified: (d) => d === bobDesk, previous: 'verified' });
    expect(outcome.unverified).toEqual([bobPhone]);
  });
});

describe('MLS fingerprints', () => {
  it('shows the signature key in groups of two bytes and reads back what a person types', () => {
    const hex = signatureKeyHex(Uint8Array.from({ length: 32 }, (_, i) => i * 7));
    const shown = formatFingerprint(hex);
    expect(shown).toMatch(/^([0-9a-f]{4} ){15}[0-9a-f]{4}$/);
    expect(parseFingerprint(shown)).toBe(hex);
    expect(parseFingerprint(shown.toUpperCase().replace(/ /g, '\n'))).toBe(hex);
  });

  it('refuses text that is not a whole key in hex', () => {
    expect(parseFingerprint('3f1a 09bc')).toBeUndefined();
    expect(parseFingerprint(`${key(1)}z`)).toBeUndefined();
    expect(parseFingerprint(`${key(1)}a`)).toBeUndefined();
  });
});
