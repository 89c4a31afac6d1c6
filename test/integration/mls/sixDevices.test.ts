import { beforeAll, describe, expect, it } from 'vitest';
import { FakeDeliveryService, Participant } from '../../fixtures/mls/fakeDeliveryService';
import { joinWelcome, keyPackageOf, must, newDevice, text, user } from '../../fixtures/mls/mlsTestDevices';

/*
 * Three users with two devices each, through an in-memory delivery service that reads only
 * what the real server reads: create, add, messages, a new device joining by external commit,
 * a commit race resolved like a 409, removal of a whole user. Two of the devices encode and
 * decode their state after every step.
 */
describe('three users with two devices each', () => {
  const groupId = text('conversation-6');
  const ds = new FakeDeliveryService(groupId);
  let a1: Participant, a2: Participant, b1: Participant, b2: Participant, c1: Participant, c2: Participant;
  let everyone: Participant[];

  const syncAll = async (participants: readonly Participant[]) => {
    for (const p of participants) await p.sync();
  };
  const textsFrom = (p: Participant, sender: Participant) => p.received.filter((r) => r.from === sender.name).map((r) => r.text);

  beforeAll(async () => {
    const make = async (u: number) => new Participant(await newDevice(user(100 + u)), ds);
    [a1, a2, b1, b2, c1, c2] = [await make(1), await make(1), await make(2), await make(2), await make(3), await make(3)];
    everyone = [a1, a2, b1, b2, c1, c2];
    // Two devices restore their state from bytes after every step, like a core restarting.
    a2.restartEachStep = true;
    c2.restartEachStep = true;
    a1.group = must(await a1.device.engine.createGroup(groupId));
  });

  it('adds four devices in one commit and all five read each other', async () => {
    const joiners = [a2, b1, b2, c1];
    const keyPackages = await Promise.all(joiners.map((p) => keyPackageOf(p.device)));
    expect(await a1.commit(async (g) => must(await a1.device.engine.addMembers(g, keyPackages)), joiners)).toBe('accepted');
    const five = [a1, ...joiners];
    for (const p of five) await p.send(`hello from ${p.name}`);
    await syncAll(five);
    for (const p of five) {
      for (const other of five.filter((o) => o !== p)) expect(textsFrom(p, other)).toEqual([`hello from ${other.name}`]);
      expect(p.failures).toEqual([]);
    }
  });

  it("lets a user's new device join by external commit and read and write from then on", async () => {
    expect(await c2.joinExternally()).toBe('accepted');
    await syncAll(everyone);
    for (const p of everyone) await p.send(`six of us, says ${p.name}`);
    await syncAll(everyone);
    for (const p of everyone) {
      const others = everyone.filter((o) => o !== p);
      for (const other of others) expect(textsFrom(p, other)).toContain(`six of us, says ${other.name}`);
      expect(p.failures).toEqual([]);
    }
    expect(textsFrom(c2, a1)).toEqual([`six of us, says ${a1.name}`]);
    expect(must(await c1.device.engine.exportSecret(c1.current(), 'x', new Uint8Array(), 16))).toEqual(
      must(await c2.device.engine.exportSecret(c2.current(), 'x', new Uint8Array(), 16)),
    );
  });

  it('resolves two devices committing at once: the loser is refused, catches up and retries', async () => {
    const winnerFirst = await b1.device.engine.selfUpdate(b1.current());
    const loserFirst = await c1.device.engine.selfUpdate(c1.current());
    expect(ds.postCommit(b1.device, must(winnerFirst))).toBe('accepted');
    b1.group = must(winnerFirst).group;
    b1.cursor = ds.pendingFor(b1.device, b1.cursor).next;
    expect(ds.postCommit(c1.device, must(loserFirst))).toBe('stale');
    await c1.sync();
    expect(c1.failures).toEqual([]);
    expect(await c1.commit(async (g) => must(await c1.device.engine.selfUpdate(g)))).toBe('accepted');
    await syncAll(everyone);
    await a2.send('after the race');
    await syncAll(everyone);
    for (const p of everyone.filter((o) => o !== a2)) expect(textsFrom(p, a2)).toContain('after the race');
    expect(everyone.map((p) => p.current().state.groupContext.epoch)).toEqual(everyone.map(() => 4n));
  });

  it('removes a user with both devices; neither reads anything sent afterwards', async () => {
    expect(await a2.commit(async (g) => must(await a2.device.engine.removeMembers(g, [b1.device.identity, b2.device.identity])))).toBe('accepted');
    await syncAll(everyone);
    for (const removed of [b1, b2]) expect(removed.current().state.groupActiveState.kind).toBe('removedFromGroup');
    const before = [b1, b2].map((p) => p.received.length);
    await a1.send('B is gone');
    await c2.send('really gone');
    await syncAll(everyone);
    expect([b1, b2].map((p) => p.received.length)).toEqual(before);
    for (const removed of [b1, b2]) expect(removed.failures).toEqual(['mls-not-member', 'mls-not-member']);
    for (const p of [a2, c1, c2]) expect(textsFrom(p, a1)).toContain('B is gone');
    expect(a1.device.engine.members(a1.current()).map((m) => m.identity.userId).sort()).toEqual([user(101), user(101), user(103), user(103)]);
  });
});

describe('maximum forward distance (seed 002: 1000)', () => {
  it('accepts a message 1000 generations ahead and refuses one 1001 ahead with mls-too-far-ahead', async () => {
    const [alice, bob, carol] = await Promise.all([newDevice(), newDevice(), newDevice()]);
    const added = must(await alice.engine.addMembers(must(await alice.engine.createGroup(text('far'))), [await keyPackageOf(bob), await keyPackageOf(carol)]));
    const [bobGroup, carolGroup] = [await joinWelcome(bob, added.welcome), await joinWelcome(carol, added.welcome)];
    let group = added.group;
    const messages: Uint8Array[] = [];
    for (let i = 0; i <= 1001; i++) {
      const sent = must(await alice.engine.encrypt(group, text(`#${i}`)));
      group = sent.group;
      messages.push(sent.message);
    }
    const at1000 = must(await bob.engine.processMessage(bobGroup, messages[1000] ?? new Uint8Array()));
    expect(at1000.kind === 'application' && new TextDecoder().decode(at1000.plaintext)).toBe('#1000');
    const at1001 = await carol.engine.processMessage(carolGroup, messages[1001] ?? new Uint8Array());
    expect(at1001).toMatchObject({ ok: false, error: { code: 'mls-too-far-ahead' } });
    const next = must(await carol.engine.processMessage(carolGroup, messages[1] ?? new Uint8Array()));
    expect(next.kind === 'application' && new TextDecoder().decode(next.plaintext)).toBe('#1');
  });
});
