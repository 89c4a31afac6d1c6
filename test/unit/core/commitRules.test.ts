import { describe, expect, it } from 'vitest';
import type { MlsIncomingChange } from '../../../electron/core/crypto/mls/incomingChange';
import type { MlsMember } from '../../../electron/core/crypto/mls/mlsGroup';
import type { MlsClientIdentity } from '../../../electron/core/crypto/mls/mlsIdentity';
import type { ChangeContext } from '../../../electron/core/services/commitRules';
import { reviewChange } from '../../../electron/core/services/commitRules';

const DOMAIN = 'cairn.test';
const userId = (n: number): string => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
const device = (user: number, client: number): MlsClientIdentity => ({ userId: userId(user), domain: DOMAIN, clientId: client.toString(16).padStart(16, '0') });
const member = (leafIndex: number, identity: MlsClientIdentity): MlsMember => ({ leafIndex, identity, signaturePublicKey: Uint8Array.of(leafIndex) });
const qualifiedUser = (n: number): string => `${userId(n)}@${DOMAIN}`;

// Alice (user 1, admin) with device a1; Bob (2) with b1 and b2; Mallory (3) with m1. Carol (4) is a member without devices yet.
const a1 = device(1, 0xa1);
const b1 = device(2, 0xb1);
const b2 = device(2, 0xb2);
const m1 = device(3, 0x31);
const c1 = device(4, 0xc1);
const eve = device(9, 0xe1);
const before = [member(0, a1), member(1, b1), member(2, m1), member(3, b2)];
const members = new Map<string, 'admin' | 'member'>([
  [qualifiedUser(1), 'admin'],
  [qualifiedUser(2), 'member'],
  [qualifiedUser(3), 'member'],
  [qualifiedUser(4), 'member'],
]);

function byMember(committer: MlsClientIdentity, parts: Partial<MlsIncomingChange> = {}): MlsIncomingChange {
  const leafIndex = before.find((m) => m.identity.clientId === committer.clientId)?.leafIndex ?? 99;
  return { kind: 'commit', committer: { kind: 'member', leafIndex, identity: committer }, adds: [], removes: [], updates: [], unsupported: [], before, ...parts };
}

function external(joiner: MlsClientIdentity | undefined, parts: Partial<MlsIncomingChange> = {}): MlsIncomingChange {
  return { kind: 'commit', committer: { kind: 'external', identity: joiner }, adds: [], removes: [], updates: [], unsupported: [], before, ...parts };
}

const postedBy = (poster: MlsClientIdentity, extra: Partial<ChangeContext> = {}): ChangeContext => ({ poster, members, ...extra });
const leafOf = (identity: MlsClientIdentity): { leafIndex: number; identity: MlsClientIdentity } => ({
  leafIndex: before.find((m) => m.identity.clientId === identity.clientId)?.leafIndex ?? -1,
  identity,
});

describe('which incoming commits a device adopts', () => {
  it('accepts the commits Cairn itself makes', () => {
    // An admin adds a member's device, removes a member who was taken off the list, a member updates its keys.
    expect(reviewChange(byMember(a1, { adds: [c1] }), postedBy(a1))).toEqual({ kind: 'accept' });
    const withoutBob = new Map(members);
    withoutBob.delete(qualifiedUser(2));
    expect(reviewChange(byMember(m1, { removes: [leafOf(b1), leafOf(b2)] }), postedBy(m1, { members: withoutBob }))).toEqual({ kind: 'accept' });
    expect(reviewChange(byMember(b1, { updates: [{ leafIndex: 1, before: b1, after: b1 }] }), postedBy(b1))).toEqual({ kind: 'accept' });
    // A new device of a member joins; a device that fell behind rejoins in place of its own leaf.
    expect(reviewChange(external(c1), postedBy(c1))).toEqual({ kind: 'accept' });
    expect(reviewChange(external(b1, { removes: [leafOf(b1)] }), postedBy(b1))).toEqual({ kind: 'accept' });
  });

  it('refuses a rejoin whose leaf names another member’s device', () => {
    // Mallory replaces her own leaf with one that says it is Bob's device b1.
    const verdict = reviewChange(external(b1, { removes: [leafOf(m1)] }), postedBy(m1));
    expect(verdict).toMatchObject({ kind: 'refuse', code: 'change-sender-mismatch' });
    // Even if the server attested it as Bob's: it removes a device other than the joining one.
    expect(reviewChange(external(b1, { removes: [leafOf(m1)] }), postedBy(b1))).toMatchObject({ kind: 'refuse', code: 'change-external-remove' });
    // And without any remove it would give b1 a second leaf.
    expect(reviewChange(external(b1), postedBy(b1))).toMatchObject({ kind: 'refuse', code: 'change-duplicate-device' });
  });

  it('refuses a commit signed by another device than the one that posted it', () => {
    expect(reviewChange(byMember(b1), postedBy(m1))).toMatchObject({ kind: 'refuse', code: 'change-sender-mismatch' });
    expect(reviewChange(external(undefined), postedBy(m1))).toMatchObject({ kind: 'refuse', code: 'change-sender-mismatch' });
  });

  it('refuses giving a device in the group another identity', () => {
    const renamed = byMember(m1, { updates: [{ leafIndex: 2, before: m1, after: b1 }] });
    expect(reviewChange(renamed, postedBy(m1))).toMatchObject({ kind: 'refuse', code: 'change-identity-changed' });
    const malformed = byMember(m1, { updates: [{ leafIndex: 2, before: m1, after: undefined }] });
    expect(reviewChange(malformed, postedBy(m1))).toMatchObject({ kind: 'refuse', code: 'change-identity-changed' });
  });

  it('refuses adding a device of someone who is not a member, or a second leaf for a device', () => {
    expect(reviewChange(byMember(m1, { adds: [eve] }), postedBy(m1))).toMatchObject({ kind: 'refuse', code: 'change-not-a-member' });
    expect(reviewChange(byMember(m1, { adds: [undefined] }), postedBy(m1))).toMatchObject({ kind: 'refuse', code: 'change-not-a-member' });
    expect(reviewChange(external(eve), postedBy(eve))).toMatchObject({ kind: 'refuse', code: 'change-not-a-member' });
    expect(reviewChange(byMember(m1, { adds: [a1] }), postedBy(m1))).toMatchObject({ kind: 'refuse', code: 'change-duplicate-device' });
    expect(reviewChange(byMember(a1, { adds: [c1, c1] }), postedBy(a1))).toMatchObject({ kind: 'refuse', code: 'change-duplicate-device' });
    // Removing a device and adding it back in one commit leaves it one leaf.
    expect(reviewChange(byMember(a1, { removes: [leafOf(b2)], adds: [b2] }), postedBy(a1))).toEqual({ kind: 'accept' });
  });

  it('lets only an admin remove a device of another member who is still in the conversation', () => {
    // Mallory (not an admin) removes Alice's device: refused once the server says it is registered.
    const removesAdmin = byMember(m1, { removes: [leafOf(a1)] });
    expect(reviewChange(removesAdmin, postedBy(m1))).toEqual({ kind: 'need-registration', devices: [a1] });
    expect(reviewChange(removesAdmin, postedBy(m1, { registered: () => true }))).toMatchObject({ kind: 'refuse', code: 'change-remove-not-allowed' });
    // A device its account deleted may be removed by anyone (the server's rule).
    expect(reviewChange(removesAdmin, postedBy(m1, { registered: () => false }))).toEqual({ kind: 'accept' });
    // Alice, an admin, may remove Bob's device; Bob may remove his own other device.
    expect(reviewChange(byMember(a1, { removes: [leafOf(b2)] }), postedBy(a1))).toEqual({ kind: 'accept' });
    expect(reviewChange(byMember(b1, { removes: [leafOf(b2)] }), postedBy(b1))).toEqual({ kind: 'accept' });
  });

  it('refuses the kinds of proposals Cairn never makes and an external commit that adds others', () => {
    expect(reviewChange(byMember(a1, { unsupported: ['reinit'] }), postedBy(a1))).toMatchObject({ kind: 'refuse', code: 'change-unsupported' });
    expect(reviewChange(external(c1, { adds: [b2] }), postedBy(c1))).toMatchObject({ kind: 'refuse', code: 'change-unsupported' });
  });

  it('judges a standalone proposal like a commit by its proposer', () => {
    const proposal: MlsIncomingChange = { ...byMember(m1, { removes: [leafOf(a1)] }), kind: 'proposal' };
    expect(reviewChange(proposal, postedBy(m1, { registered: () => true }))).toMatchObject({ kind: 'refuse', code: 'change-remove-not-allowed' });
  });
});
