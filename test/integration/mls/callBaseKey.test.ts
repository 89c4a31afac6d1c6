import { randomUUID } from 'node:crypto';
import { getCiphersuiteFromName, getCiphersuiteImpl, mlsExporter } from 'ts-mls';
import { beforeAll, describe, expect, it } from 'vitest';
import type { MlsGroup } from '../../../electron/core/crypto/mls/mlsGroup';
import type { TestDevice } from '../../fixtures/mls/mlsTestDevices';
import { codeOf, joinWelcome, keyPackageOf, must, newDevice, text, user } from '../../fixtures/mls/mlsTestDevices';

/*
 * Issue 13: the frame keys of a 1:1 call come from the conversation's MLS exporter with the call
 * id as context. Real ts-mls groups, no fakes: what two members derive must agree, and what a
 * removed member can derive must not.
 */
describe('SFrame base keys of a call from the conversation’s MLS group', () => {
  let alice: TestDevice;
  let bobPhone: TestDevice;
  let bobLaptop: TestDevice;
  let aliceGroup: MlsGroup;
  let phoneGroup: MlsGroup;
  let laptopGroup: MlsGroup;

  const hex = (key: ArrayBuffer): string => Buffer.from(key).toString('hex');

  beforeAll(async () => {
    alice = await newDevice(user(501));
    bobPhone = await newDevice(user(502));
    bobLaptop = await newDevice(user(502));
    const created = must(await alice.engine.createGroup(text('one-to-one')));
    const added = must(await alice.engine.addMembers(created, [await keyPackageOf(bobPhone), await keyPackageOf(bobLaptop)]));
    aliceGroup = added.group;
    phoneGroup = await joinWelcome(bobPhone, added.welcome);
    laptopGroup = await joinWelcome(bobLaptop, added.welcome);
  });

  it('gives both sides of the conversation the same 32-byte key for the same call, with their own leaf', async () => {
    const callId = randomUUID();
    const mine = must(await alice.engine.callBaseKey(aliceGroup, callId));
    const theirs = must(await bobPhone.engine.callBaseKey(phoneGroup, callId));
    expect(mine.baseKey).toBeInstanceOf(ArrayBuffer);
    expect(mine.baseKey.byteLength).toBe(32);
    expect(hex(theirs.baseKey)).toBe(hex(mine.baseKey));
    expect(mine.epoch).toBe(1);
    expect(theirs.epoch).toBe(1);
    expect(new Set([mine.selfLeaf, theirs.selfLeaf]).size).toBe(2);
    expect(mine.selfLeaf).toBe(0);
    expect(must(await bobLaptop.engine.callBaseKey(laptopGroup, callId)).selfLeaf).not.toBe(theirs.selfLeaf);
  });

  it('gives every call of the conversation its own key, whatever the letter case of its id', async () => {
    const [first, second] = [randomUUID(), randomUUID()];
    const a = must(await alice.engine.callBaseKey(aliceGroup, first));
    const b = must(await alice.engine.callBaseKey(aliceGroup, second));
    expect(hex(a.baseKey)).not.toBe(hex(b.baseKey));
    expect(hex(must(await bobPhone.engine.callBaseKey(phoneGroup, first.toUpperCase())).baseKey)).toBe(hex(a.baseKey));
  });

  it('is the RFC 9420 exporter with label "SFrame 1.0 Base Key" and the call id’s 16 bytes as context', async () => {
    const callId = randomUUID();
    const cs = await getCiphersuiteImpl(getCiphersuiteFromName('MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519'));
    const context = Uint8Array.from(Buffer.from(callId.replaceAll('-', ''), 'hex'));
    const expected = await mlsExporter(aliceGroup.state.keySchedule.exporterSecret, 'SFrame 1.0 Base Key', context, 32, cs);
    expect(hex(must(await alice.engine.callBaseKey(aliceGroup, callId)).baseKey)).toBe(Buffer.from(expected).toString('hex'));
  });

  it('refuses a call id that is not a UUID', async () => {
    expect(codeOf(await alice.engine.callBaseKey(aliceGroup, 'call-1'))).toBe('mls-invalid-message');
  });

  it('changes the key with the epoch after a commit, and both sides follow', async () => {
    const callId = randomUUID();
    const before = must(await alice.engine.callBaseKey(aliceGroup, callId));
    const update = must(await alice.engine.selfUpdate(aliceGroup));
    aliceGroup = update.group;
    phoneGroup = must(await bobPhone.engine.processMessage(phoneGroup, update.commit)).group;
    laptopGroup = must(await bobLaptop.engine.processMessage(laptopGroup, update.commit)).group;
    const after = must(await alice.engine.callBaseKey(aliceGroup, callId));
    expect(after.epoch).toBe(before.epoch + 1);
    expect(hex(after.baseKey)).not.toBe(hex(before.baseKey));
    expect(hex(must(await bobPhone.engine.callBaseKey(phoneGroup, callId)).baseKey)).toBe(hex(after.baseKey));
  });

  it('leaves a removed device unable to derive the key of the epoch that removed it', async () => {
    const callId = randomUUID();
    const laptopBefore = must(await bobLaptop.engine.callBaseKey(laptopGroup, callId));
    const removal = must(await alice.engine.removeMembers(aliceGroup, [bobLaptop.identity]));
    aliceGroup = removal.group;
    phoneGroup = must(await bobPhone.engine.processMessage(phoneGroup, removal.commit)).group;
    const removed = must(await bobLaptop.engine.processMessage(laptopGroup, removal.commit));
    expect(removed.kind === 'commit' && removed.selfRemoved).toBe(true);

    const current = must(await alice.engine.callBaseKey(aliceGroup, callId));
    expect(hex(must(await bobPhone.engine.callBaseKey(phoneGroup, callId)).baseKey)).toBe(hex(current.baseKey));
    // The removed laptop gets no key from its new state, and the one it could still compute
    // from the state before is the old epoch's, which the others no longer use.
    expect(codeOf(await bobLaptop.engine.callBaseKey(removed.group, callId))).toBe('mls-not-member');
    expect(laptopBefore.epoch).toBeLessThan(current.epoch);
    expect(hex(laptopBefore.baseKey)).not.toBe(hex(current.baseKey));
  });
});
