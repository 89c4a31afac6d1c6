import type { ClientState, CiphersuiteImpl, PrivateMessage } from 'ts-mls';
import { acceptAll, emptyPskIndex, processMessage } from 'ts-mls';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadSuite } from '../../../electron/core/crypto/mls/cipherSuites';
import type { MlsGroup } from '../../../electron/core/crypto/mls/mlsGroup';
import { membersOfTree } from '../../../electron/core/crypto/mls/mlsGroup';
import { decodeMessage } from '../../../electron/core/crypto/mls/mlsWire';
import { openApplicationMessage } from '../../../electron/core/crypto/mls/privateMessageSender';
import type { TestDevice } from '../../fixtures/mls/mlsTestDevices';
import { codeOf, joinWelcome, keyPackageOf, must, newDevice, read, text } from '../../fixtures/mls/mlsTestDevices';

type Member = { device: TestDevice; group: MlsGroup };

function privateMessageOf(bytes: Uint8Array): PrivateMessage {
  const message = must(decodeMessage(bytes));
  if (message.wireformat !== 'mls_private_message') throw new Error('expected a PrivateMessage');
  return message.privateMessage;
}

async function send(from: Member, plaintext: string): Promise<PrivateMessage> {
  const sent = must(await from.device.engine.encrypt(from.group, text(plaintext)));
  from.group = sent.group;
  return privateMessageOf(sent.message);
}

async function applyCommit(to: Member, commit: Uint8Array): Promise<void> {
  to.group = must(await to.device.engine.processMessage(to.group, commit)).group;
}

function leafOf(state: ClientState, device: TestDevice): number {
  const member = membersOfTree(state.ratchetTree).find((m) => m.identity.clientId === device.identity.clientId);
  if (member === undefined) throw new Error('not a member');
  return member.leafIndex;
}

/**
 * Opens `message` on `state` both with openApplicationMessage and with ts-mls processMessage,
 * and checks they agree on the plaintext and on every part of the new state. Returns what
 * openApplicationMessage gave, and the new state.
 */
async function openLikeTsMls(state: ClientState, message: PrivateMessage, cs: CiphersuiteImpl) {
  const opened = must(await openApplicationMessage(state, message, cs));
  const processed = await processMessage({ wireformat: 'mls_private_message', privateMessage: message }, state, emptyPskIndex, acceptAll, cs);
  if (processed.kind !== 'applicationMessage') throw new Error('expected an application message');
  expect(opened.plaintext).toEqual(processed.message);
  expect(opened.state).toEqual(processed.newState);
  return opened;
}

describe('openApplicationMessage', () => {
  let cs: CiphersuiteImpl;
  let alice: Member;
  let bob: Member;
  let carol: Member;
  beforeAll(async () => {
    cs = must(await loadSuite(1)).impl;
    const [a, b, c] = await Promise.all([newDevice(), newDevice(), newDevice()]);
    alice = { device: a, group: must(await a.engine.createGroup(text('sender-group'))) };
    const added = must(await a.engine.addMembers(alice.group, [await keyPackageOf(b), await keyPackageOf(c)]));
    alice.group = added.group;
    bob = { device: b, group: await joinWelcome(b, added.welcome) };
    carol = { device: c, group: await joinWelcome(c, added.welcome) };
  });

  it('matches ts-mls processMessage and names the sender whose signature verified', async () => {
    const fromCarol = await send(carol, 'from carol');
    const fromAlice = await send(alice, 'from alice');
    const first = await openLikeTsMls(bob.group.state, fromCarol, cs);
    expect(read(first.plaintext)).toBe('from carol');
    expect(first.identity).toEqual(carol.device.identity);
    expect(first.leafIndex).toBe(leafOf(bob.group.state, carol.device));
    const second = await openLikeTsMls(first.state, fromAlice, cs);
    expect(second.identity).toEqual(alice.device.identity);
    expect(second.leafIndex).toBe(leafOf(bob.group.state, alice.device));
    bob.group = { ...bob.group, state: second.state };
  });

  it('matches ts-mls processMessage out of order, keeps 2 skipped keys and refuses a used or dropped one with mls-too-old', async () => {
    const burst = [await send(alice, 'm0'), await send(alice, 'm1'), await send(alice, 'm2'), await send(alice, 'm3')];
    const [m0, m1, m2, m3] = burst;
    if (m0 === undefined || m1 === undefined || m2 === undefined || m3 === undefined) throw new Error('burst');
    let state = bob.group.state;
    for (const m of [m3, m1, m2]) {
      const opened = await openLikeTsMls(state, m, cs);
      expect(opened.identity).toEqual(alice.device.identity);
      state = opened.state;
    }
    expect(codeOf(await openApplicationMessage(state, m0, cs))).toBe('mls-too-old');
    expect(codeOf(await openApplicationMessage(state, m2, cs))).toBe('mls-too-old');
    bob.group = { ...bob.group, state };
  });

  it('matches ts-mls processMessage for a message of a past epoch, and names its sender from that epoch', async () => {
    const late = await send(carol, 'sent before the commit');
    const later = await send(carol, 'also before the commit');
    const update = must(await alice.device.engine.selfUpdate(alice.group));
    alice.group = update.group;
    await applyCommit(bob, update.commit);
    await applyCommit(carol, update.commit);
    expect(late.epoch).toBe(bob.group.state.groupContext.epoch - 1n);
    const opened = await openLikeTsMls(bob.group.state, later, cs);
    expect(opened.identity).toEqual(carol.device.identity);
    const openedLate = await openLikeTsMls(opened.state, late, cs);
    expect(read(openedLate.plaintext)).toBe('sent before the commit');
    expect(openedLate.state.secretTree).toBe(bob.group.state.secretTree);
    expect(codeOf(await openApplicationMessage(openedLate.state, late, cs))).toBe('mls-too-old');
  });

  it('refuses a message of an epoch it no longer keeps with mls-stale-epoch, and one of a future epoch', async () => {
    const old = await send(carol, 'old');
    for (let i = 0; i < 4; i++) {
      const update = must(await alice.device.engine.selfUpdate(alice.group));
      alice.group = update.group;
      await applyCommit(bob, update.commit);
      await applyCommit(carol, update.commit);
    }
    expect(codeOf(await openApplicationMessage(bob.group.state, old, cs))).toBe('mls-stale-epoch');
    const current = await send(carol, 'current');
    const future = { ...current, epoch: current.epoch + 1n };
    expect(codeOf(await openApplicationMessage(bob.group.state, future, cs))).toBe('mls-future-epoch');
    expect(read(must(await openApplicationMessage(bob.group.state, current, cs)).plaintext)).toBe('current');
  });

  it('refuses tampered sender data or content with mls-undecryptable and leaves the state unchanged', async () => {
    const state = bob.group.state;
    const snapshot = bob.device.engine.encodeGroupState(bob.group);
    const message = await send(alice, 'tamper');
    const flip = (bytes: Uint8Array, at: number) => {
      const copy = bytes.slice();
      copy[at] = (copy[at] ?? 0) ^ 1;
      return copy;
    };
    const badSender = { ...message, encryptedSenderData: flip(message.encryptedSenderData, 3) };
    const badContent = { ...message, ciphertext: flip(message.ciphertext, message.ciphertext.length - 3) };
    const badAad = { ...message, authenticatedData: text('added by someone') };
    for (const bad of [badSender, badContent, badAad]) expect(codeOf(await openApplicationMessage(state, bad, cs))).toBe('mls-undecryptable');
    expect(bob.device.engine.encodeGroupState(bob.group)).toEqual(snapshot);
    expect(read(must(await openApplicationMessage(state, message, cs)).plaintext)).toBe('tamper');
  });
});
