import { beforeAll, describe, expect, it } from 'vitest';
import type { MlsGroup } from '../../../electron/core/crypto/mls/mlsGroup';
import type { TestDevice } from '../../fixtures/mls/mlsTestDevices';
import { codeOf, joinWelcome, keyPackageOf, must, newDevice, read, text } from '../../fixtures/mls/mlsTestDevices';

type Member = { device: TestDevice; group: MlsGroup };

async function send(from: Member, plaintext: string): Promise<Uint8Array> {
  const sent = must(await from.device.engine.encrypt(from.group, text(plaintext)));
  from.group = sent.group;
  return sent.message;
}

async function receive(to: Member, message: Uint8Array): Promise<string> {
  const inbound = must(await to.device.engine.processMessage(to.group, message));
  to.group = inbound.group;
  if (inbound.kind !== 'application') throw new Error(`expected an application message, got ${inbound.kind}`);
  return read(inbound.plaintext);
}

async function applyCommit(to: Member, commit: Uint8Array): Promise<void> {
  const inbound = must(await to.device.engine.processMessage(to.group, commit));
  to.group = inbound.group;
}

/** Alice creates a group and adds Bob and Carol in one commit. */
async function threeMembers(): Promise<[Member, Member, Member]> {
  const [a, b, c] = await Promise.all([newDevice(), newDevice(), newDevice()]);
  const alice: Member = { device: a, group: must(await a.engine.createGroup(text('group-1'))) };
  const added = must(await a.engine.addMembers(alice.group, [await keyPackageOf(b), await keyPackageOf(c)]));
  alice.group = added.group;
  return [alice, { device: b, group: await joinWelcome(b, added.welcome) }, { device: c, group: await joinWelcome(c, added.welcome) }];
}

describe('MLS engine', () => {
  let alice: Member;
  let bob: Member;
  let carol: Member;
  beforeAll(async () => {
    [alice, bob, carol] = await threeMembers();
  });

  it('lets every member read what another sends', async () => {
    const message = await send(alice, 'hello group');
    expect(await receive(bob, message)).toBe('hello group');
    expect(await receive(carol, message)).toBe('hello group');
    const reply = await send(bob, 'hi alice');
    expect(await receive(alice, reply)).toBe('hi alice');
  });

  it('names the sender of an application message', async () => {
    const message = await send(carol, 'who am I');
    const inbound = must(await alice.device.engine.processMessage(alice.group, message));
    expect(inbound.kind === 'application' && inbound.sender).toEqual(carol.device.identity);
    alice.group = inbound.group;
    await receive(bob, message);
  });

  it('refuses a replayed message with mls-duplicate and keeps working', async () => {
    const message = await send(alice, 'once');
    expect(await receive(bob, message)).toBe('once');
    expect(codeOf(await bob.device.engine.processMessage(bob.group, message))).toBe('mls-duplicate');
    await receive(carol, message);
    expect(await receive(bob, await send(alice, 'twice'))).toBe('twice');
  });

  it('hides message lengths: 1 and 30 bytes of text give ciphertexts of the same length', async () => {
    const short = await send(alice, 'a');
    const longer = await send(alice, 'this text is thirty bytes long');
    expect(text('this text is thirty bytes long')).toHaveLength(30);
    expect(short.length).toBe(longer.length);
    const much = await send(alice, 'x'.repeat(2000));
    expect(much.length).toBeGreaterThan(2000);
    for (const m of [short, longer, much]) {
      await receive(bob, m);
      await receive(carol, m);
    }
  });

  it('refuses a message of another group with mls-wrong-group', async () => {
    const other = await newDevice();
    const otherGroup = must(await other.engine.createGroup(text('group-2')));
    const foreign = must(await other.engine.encrypt(otherGroup, text('elsewhere'))).message;
    expect(codeOf(await bob.device.engine.processMessage(bob.group, foreign))).toBe('mls-wrong-group');
  });

  it('refuses garbage with mls-invalid-message, never throwing', async () => {
    const result = await bob.device.engine.processMessage(bob.group, Uint8Array.of(0, 1, 0, 2, 9, 9));
    expect(codeOf(result)).toBe('mls-invalid-message');
  });

  it('reads messages from the 3 previous epochs and refuses older ones with mls-stale-epoch', async () => {
    const late: Uint8Array[] = [];
    for (let i = 0; i < 4; i++) {
      late.push(await send(carol, `late from epoch ${alice.group.state.groupContext.epoch}`));
      const update = must(await alice.device.engine.selfUpdate(alice.group));
      alice.group = update.group;
      await applyCommit(bob, update.commit);
      await applyCommit(carol, update.commit);
    }
    const [tooOld, ...kept] = late;
    if (tooOld === undefined) throw new Error('no message');
    expect(codeOf(await bob.device.engine.processMessage(bob.group, tooOld))).toBe('mls-stale-epoch');
    for (const message of kept) expect(await receive(bob, message)).toMatch(/^late from epoch/);
  });

  it('refuses a commit from a past epoch with mls-stale-epoch and one from the future with mls-future-epoch', async () => {
    const first = must(await alice.device.engine.selfUpdate(alice.group));
    const second = must(await alice.device.engine.selfUpdate(first.group));
    expect(codeOf(await bob.device.engine.processMessage(bob.group, second.commit))).toBe('mls-future-epoch');
    await applyCommit(bob, first.commit);
    await applyCommit(carol, first.commit);
    alice.group = first.group;
    const rival = must(await carol.device.engine.selfUpdate(carol.group));
    const winner = must(await bob.device.engine.selfUpdate(bob.group));
    bob.group = winner.group;
    await applyCommit(alice, winner.commit);
    expect(codeOf(await carol.device.engine.processMessage(rival.group, winner.commit))).toBe('mls-stale-epoch');
    await applyCommit(carol, winner.commit);
    expect(await receive(carol, await send(bob, 'after the race'))).toBe('after the race');
  });

  it('tolerates out-of-order delivery within 2 messages and refuses beyond with mls-too-old', async () => {
    const burst = [await send(alice, 'm0'), await send(alice, 'm1'), await send(alice, 'm2'), await send(alice, 'm3')];
    const [m0, m1, m2, m3] = burst;
    if (m0 === undefined || m1 === undefined || m2 === undefined || m3 === undefined) throw new Error('burst');
    expect(await receive(bob, m3)).toBe('m3');
    expect(await receive(bob, m1)).toBe('m1');
    expect(await receive(bob, m2)).toBe('m2');
    expect(codeOf(await bob.device.engine.processMessage(bob.group, m0))).toBe('mls-too-old');
    for (const m of burst) await receive(carol, m);
  });

  it('refuses a commit processed twice with mls-duplicate', async () => {
    const update = must(await bob.device.engine.selfUpdate(bob.group));
    bob.group = update.group;
    await applyCommit(alice, update.commit);
    expect(codeOf(await alice.device.engine.processMessage(alice.group, update.commit))).toBe('mls-duplicate');
    await applyCommit(carol, update.commit);
  });

  it('names what is wrong with a removal of a stranger or a Welcome meant for another key package', async () => {
    const [stranger, late] = [await newDevice(), await newDevice()];
    expect(codeOf(await alice.device.engine.removeMembers(alice.group, [stranger.identity]))).toBe('mls-unknown-member');
    const invite = must(await alice.device.engine.addMembers(alice.group, [await keyPackageOf(late)]));
    const [unrelated] = must(await late.engine.generateKeyPackages(1));
    expect(codeOf(await late.engine.joinFromWelcome(invite.welcome ?? new Uint8Array(), unrelated?.stored ?? new Uint8Array()))).toBe('mls-welcome-not-for-us');
    expect(codeOf(await alice.device.engine.addMembers(alice.group, [await keyPackageOf(bob.device)]))).toBe('mls-invalid-key-package');
  });

  it('leaves the previous state usable when an operation fails', async () => {
    const before = bob.group;
    const encodedBefore = bob.device.engine.encodeGroupState(before);
    const bad = await bob.device.engine.addMembers(before, [Uint8Array.of(1, 2, 3)]);
    expect(codeOf(bad)).toBe('mls-invalid-key-package');
    const tampered = await send(alice, 'tamper');
    const flipped = tampered.slice();
    flipped[flipped.length - 5] = (flipped[flipped.length - 5] ?? 0) ^ 1;
    expect(codeOf(await bob.device.engine.processMessage(before, flipped))).toBe('mls-undecryptable');
    expect(bob.device.engine.encodeGroupState(before)).toEqual(encodedBefore);
    expect(await receive(bob, tampered)).toBe('tamper');
    await receive(carol, tampered);
  });

  it('never changes the state it was given, also when an operation succeeds', async () => {
    const engine = alice.device.engine;
    const before = alice.group;
    const snapshot = engine.encodeGroupState(before);
    const sent = must(await engine.encrypt(before, text('x')));
    const update = must(await engine.selfUpdate(before));
    must(await engine.exportSecret(before, 'l', new Uint8Array(), 16));
    expect(engine.encodeGroupState(before)).toEqual(snapshot);
    const bobBefore = bob.group;
    const bobSnapshot = bob.device.engine.encodeGroupState(bobBefore);
    must(await bob.device.engine.processMessage(bobBefore, sent.message));
    expect(bob.device.engine.encodeGroupState(bobBefore)).toEqual(bobSnapshot);
    expect(engine.status(update.group).epoch).toBe(engine.status(before).epoch + 1n);
    alice.group = sent.group;
    await receive(bob, sent.message);
    await receive(carol, sent.message);
  });

  it('keeps working after its state is encoded and decoded', async () => {
    const seenBefore = await send(alice, 'before restore');
    await receive(bob, seenBefore);
    await receive(carol, seenBefore);
    const bytes = bob.device.engine.encodeGroupState(bob.group);
    const restored = must(bob.device.engine.decodeGroupState(bytes));
    const message = await send(alice, 'after restore');
    expect(await receive({ device: bob.device, group: restored }, message)).toBe('after restore');
    expect(codeOf(await bob.device.engine.processMessage(restored, seenBefore))).toBe('mls-duplicate');
    expect(codeOf(bob.device.engine.decodeGroupState(bytes.subarray(0, bytes.length - 1)))).toBe('mls-invalid-state');
    await receive(bob, message);
    await receive(carol, message);
  });

  it('gives every member the same exported secret, and a new one after a commit', async () => {
    const secret = async (m: Member) => must(await m.device.engine.exportSecret(m.group, 'cairn call', text('conv'), 32));
    const [a, b, c] = [await secret(alice), await secret(bob), await secret(carol)];
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    const update = must(await bob.device.engine.selfUpdate(bob.group));
    expect(must(await bob.device.engine.exportSecret(update.group, 'cairn call', text('conv'), 32))).not.toEqual(a);
  });

  it('lets a member that missed commits rejoin by external commit, replacing its own leaf', async () => {
    const [a, b, c] = await threeMembers();
    // Bob misses two commits: his state can no longer read what is sent now.
    for (let i = 0; i < 2; i++) {
      const update = must(await a.device.engine.selfUpdate(a.group));
      a.group = update.group;
      await applyCommit(c, update.commit);
    }
    expect(codeOf(await b.device.engine.processMessage(b.group, await send(a, 'unreadable for bob')))).toBe('mls-future-epoch');
    await receive(c, await send(a, 'carol reads this'));
    const info = must(await a.device.engine.groupInfo(a.group));
    const rejoin = must(await b.device.engine.joinByExternalCommit(info));
    expect(rejoin.added).toEqual([b.device.identity]);
    expect(rejoin.removed).toEqual([b.device.identity]);
    await applyCommit(a, rejoin.commit);
    await applyCommit(c, rejoin.commit);
    b.group = rejoin.group;
    const identities = a.device.engine.members(a.group).map((m) => m.identity);
    expect(identities.filter((i) => i.clientId === b.device.identity.clientId && i.userId === b.device.identity.userId)).toHaveLength(1);
    expect(identities).toHaveLength(3);
    expect(await receive(b, await send(a, 'bob is back'))).toBe('bob is back');
    const reply = await send(b, 'thanks');
    expect(await receive(a, reply)).toBe('thanks');
    expect(await receive(c, reply)).toBe('thanks');
  });

  it('adds a new device by external commit without removing anyone', async () => {
    const [a] = await threeMembers();
    const laptop = await newDevice();
    const joined = must(await laptop.engine.joinByExternalCommit(must(await a.device.engine.groupInfo(a.group))));
    expect(joined.added).toEqual([laptop.identity]);
    expect(joined.removed).toEqual([]);
  });

  it('removes a member, who then reads nothing sent after its removal', async () => {
    const carolBefore = carol.group;
    const removal = must(await alice.device.engine.removeMembers(alice.group, [carol.device.identity]));
    expect(removal.removed).toEqual([carol.device.identity]);
    alice.group = removal.group;
    await applyCommit(bob, removal.commit);
    const inbound = must(await carol.device.engine.processMessage(carol.group, removal.commit));
    expect(inbound.kind === 'commit' && inbound.selfRemoved).toBe(true);
    carol.group = inbound.group;
    const secret = await send(alice, 'carol must not read this');
    expect(await receive(bob, secret)).toBe('carol must not read this');
    expect(codeOf(await carol.device.engine.processMessage(carol.group, secret))).toBe('mls-not-member');
    expect(codeOf(await carol.device.engine.processMessage(carolBefore, secret))).toBe('mls-future-epoch');
    expect(codeOf(await carol.device.engine.encrypt(carol.group, text('still here?')))).toBe('mls-not-member');
    expect(alice.device.engine.members(alice.group).map((m) => m.identity)).not.toContainEqual(carol.device.identity);
    expect(carol.device.engine.status(carol.group).membership).toBe('removed');
  });
});
