import { afterAll, describe, expect, it } from 'vitest';
import type { ObservedCore, SignedInUser } from '../../support/cores';
import { useTestServer } from '../../support/testServer';
import { registerThroughCore, signInThroughCore, startCore, startCores } from '../../support/cores';

const env = useTestServer('verification');
const cores: ObservedCore[] = [];

afterAll(async () => {
  await Promise.all(cores.map((c) => c.core.close()));
});

async function texts(o: ObservedCore, conversationId: string): Promise<string[]> {
  const result = await o.core.router.request('messages.list', { conversationId, limit: 100 });
  return result.ok ? result.value.messages.filter((m) => m.kind === 'text').map((m) => m.text ?? '') : [];
}

async function systemTexts(o: ObservedCore, conversationId: string): Promise<string[]> {
  const result = await o.core.router.request('messages.list', { conversationId, limit: 100 });
  // Verification lines only; membership lines ("You added Carol.") are tested in membership.test.ts.
  return result.ok ? result.value.messages.filter((m) => m.kind === 'system' && m.id.startsWith('system-verification-')).map((m) => m.text ?? '') : [];
}

async function verification(o: ObservedCore, id: string): Promise<string | undefined> {
  const result = await o.core.router.request('conversations.list', {});
  return result.ok ? result.value.conversations.find((c) => c.id === id)?.verification : undefined;
}

/** The MLS fingerprint a device shows for itself: what its owner reads out to the other person. */
async function ownFingerprint(o: ObservedCore): Promise<string> {
  const result = await o.core.router.request('account.devices', {});
  if (!result.ok) throw new Error(result.error.message);
  const fingerprint = result.value.devices.find((d) => d.current)?.mlsFingerprint;
  if (!fingerprint) throw new Error(`${o.profile} shows no MLS fingerprint for itself`);
  return fingerprint;
}

async function verify(o: ObservedCore, device: SignedInUser, fingerprint: string) {
  return o.core.router.request('devices.verify', {
    user: { id: device.id, domain: device.domain },
    clientId: device.clientId,
    fingerprint,
    verified: true,
  });
}

async function joined(o: ObservedCore, id: string): Promise<void> {
  await expect
    .poll(async () => {
      const list = await o.core.router.request('conversations.list', {});
      return list.ok && list.value.conversations.some((c) => c.id === id && c.epoch !== null);
    }, { timeout: 20_000 })
    .toBe(true);
}

describe('conversation verification (seed 002)', () => {
  it('is verified once every device is, degrades when a device or member joins, and blocks sending until verified or accepted', async () => {
    const [alice, bob, carol] = startCores(env.root, cores, 'alice', 'bob', 'carol');
    await registerThroughCore(alice, env.server, env.root, 'alice@example.test', 'Alice');
    const bobUser = await registerThroughCore(bob, env.server, env.root, 'bob@example.test', 'Bob');
    const carolUser = await registerThroughCore(carol, env.server, env.root, 'carol@example.test', 'Carol');
    const aliceLaptop = startCore(env.root, 'alice-laptop');
    cores.push(aliceLaptop);
    const aliceLaptopUser = await signInThroughCore(aliceLaptop, env.server, 'alice@example.test');

    const created = await alice.core.router.request('conversations.create', { name: 'Summit', members: [{ id: bobUser.id, domain: bobUser.domain }] });
    if (!created.ok) throw new Error(created.error.message);
    const id = created.value.id;
    expect(created.value.verification).toBe('non-verified');
    await joined(bob, id);
    await joined(aliceLaptop, id);

    // Alice sees every device in the group, with the key each one really uses: the fingerprint
    // she sees for Bob's device is the one Bob's device shows for itself.
    const bobFingerprint = await ownFingerprint(bob);
    const laptopFingerprint = await ownFingerprint(aliceLaptop);
    const listed = await alice.core.router.request('conversations.devices', { conversationId: id });
    if (!listed.ok) throw new Error(listed.error.message);
    expect(listed.value.devices.map((d) => ({ client: d.clientId, fingerprint: d.fingerprint, verified: d.verified, current: d.current }))).toEqual([
      { client: expect.any(String), fingerprint: await ownFingerprint(alice), verified: true, current: true },
      { client: aliceLaptopUser.clientId, fingerprint: laptopFingerprint, verified: false, current: false },
      { client: bobUser.clientId, fingerprint: bobFingerprint, verified: false, current: false },
    ]);
    expect(bobFingerprint).toMatch(/^([0-9a-f]{4} ){15}[0-9a-f]{4}$/);

    // A fingerprint that does not match the device's key is refused and changes nothing.
    const wrong = await verify(alice, bobUser, laptopFingerprint);
    expect(wrong).toMatchObject({ ok: false, error: { code: 'device-fingerprint-mismatch' } });

    // Alice verifies Bob's device and her own laptop: the conversation is verified.
    expect(await verify(alice, bobUser, bobFingerprint.toUpperCase())).toMatchObject({ ok: true, value: { device: { verified: true } } });
    expect(await verification(alice, id)).toBe('non-verified');
    expect(await verify(alice, aliceLaptopUser, laptopFingerprint)).toMatchObject({ ok: true });
    expect(await verification(alice, id)).toBe('verified');
    expect(await systemTexts(alice, id)).toEqual(['All devices in this conversation are verified.']);
    const accountDevices = await alice.core.router.request('account.devices', {});
    expect(accountDevices.ok && accountDevices.value.devices.find((d) => d.id === aliceLaptopUser.clientId)).toMatchObject({
      mlsFingerprint: laptopFingerprint,
      verified: true,
    });
    expect(await alice.core.router.request('messages.send', { conversationId: id, text: 'all verified' })).toMatchObject({ ok: true });
    await expect.poll(() => texts(bob, id), { timeout: 15_000 }).toContain('all verified');

    // Bob adds a phone: it joins by external commit, and Alice's conversation degrades.
    const bobPhone = startCore(env.root, 'bob-phone');
    cores.push(bobPhone);
    const bobPhoneUser = await signInThroughCore(bobPhone, env.server, 'bob@example.test');
    await expect.poll(() => verification(alice, id), { timeout: 20_000 }).toBe('degraded');
    expect((await systemTexts(alice, id)).at(-1)).toBe(
      'This conversation is no longer verified: Bob uses a device that you have not verified. Nothing can be sent until you verify them or choose to send anyway.',
    );
    const refused = await alice.core.router.request('messages.send', { conversationId: id, text: 'to the unknown phone' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'conversation-degraded' } });
    if (!refused.ok) expect(refused.error.message).toMatch(/Nothing was sent/);
    expect(await texts(alice, id)).not.toContain('to the unknown phone');
    // Bob never verified anything: his side is simply non-verified and he can send.
    expect(await verification(bob, id)).toBe('non-verified');

    // Bob's devices as Alice sees them: both, the phone with the key from the group, not verified.
    const bobDevices = await alice.core.router.request('users.devices', { user: { id: bobUser.id, domain: bobUser.domain } });
    if (!bobDevices.ok) throw new Error(bobDevices.error.message);
    const phoneFingerprint = await ownFingerprint(bobPhone);
    expect(bobDevices.value.devices).toEqual(
      expect.arrayContaining([
        { clientId: bobUser.clientId, class: 'desktop', fingerprint: bobFingerprint, verified: true, current: false },
        { clientId: bobPhoneUser.clientId, class: 'desktop', fingerprint: phoneFingerprint, verified: false, current: false },
      ]),
    );

    // She verifies the phone: verified again, and her message reaches it.
    expect(await verify(alice, bobPhoneUser, phoneFingerprint)).toMatchObject({ ok: true });
    expect(await verification(alice, id)).toBe('verified');
    const hello = await alice.core.router.request('messages.send', { conversationId: id, text: 'hello phone' });
    if (!hello.ok) throw new Error(hello.error.message);
    await expect.poll(() => texts(bobPhone, id), { timeout: 15_000 }).toContain('hello phone');

    // Carol shares no conversation with Alice yet: her device is listed without a fingerprint
    // (the server's word alone is not shown), and cannot be verified.
    const carolBefore = await alice.core.router.request('users.devices', { user: { id: carolUser.id, domain: carolUser.domain } });
    expect(carolBefore).toMatchObject({ ok: true, value: { devices: [{ clientId: carolUser.clientId, fingerprint: null, verified: false }] } });
    expect(await verify(alice, carolUser, await ownFingerprint(carol))).toMatchObject({ ok: false, error: { code: 'device-unknown' } });

    // A new member in the verified conversation degrades it too; "send anyway" makes it
    // non-verified and sending works again.
    const added = await alice.core.router.request('conversations.addMembers', { conversationId: id, members: [{ id: carolUser.id, domain: carolUser.domain }] });
    expect(added).toMatchObject({ ok: true, value: { verification: 'degraded' } });
    // Nothing that carries content leaves: no text, no reaction, no edit.
    const reaction = await alice.core.router.request('messages.react', { conversationId: id, messageId: hello.value.id, emoji: '👍' });
    expect(reaction).toMatchObject({ ok: false, error: { code: 'conversation-degraded' } });
    const edit = await alice.core.router.request('messages.edit', { conversationId: id, messageId: hello.value.id, text: 'hello, phone' });
    expect(edit).toMatchObject({ ok: false, error: { code: 'conversation-degraded' } });
    const blocked = await alice.core.router.request('messages.send', { conversationId: id, text: 'hi carol' });
    expect(blocked).toMatchObject({ ok: false, error: { code: 'conversation-degraded' } });
    const accepted = await alice.core.router.request('conversations.acceptDegraded', { conversationId: id });
    expect(accepted).toMatchObject({ ok: true, value: { verification: 'non-verified' } });
    expect((await systemTexts(alice, id)).at(-1)).toMatch(/^You chose to send anyway/);
    expect(await alice.core.router.request('messages.send', { conversationId: id, text: 'hi carol' })).toMatchObject({ ok: true });
    await joined(carol, id);
    await expect.poll(() => texts(carol, id), { timeout: 15_000 }).toContain('hi carol');

    // Verifying Carol's device afterwards makes the conversation verified once more.
    expect(await verify(alice, carolUser, await ownFingerprint(carol))).toMatchObject({ ok: true });
    expect(await verification(alice, id)).toBe('verified');
    // Each change left one line in the history, in order.
    expect((await systemTexts(alice, id)).map((text) => text.split(/[.:]/)[0])).toEqual([
      'All devices in this conversation are verified',
      'This conversation is no longer verified',
      'All devices in this conversation are verified',
      'This conversation is no longer verified',
      'You chose to send anyway',
      'All devices in this conversation are verified',
    ]);

    // The state survives a restart, and a device that joins afterwards still degrades it.
    await alice.core.close();
    cores.splice(cores.indexOf(alice), 1);
    const aliceAgain = startCore(env.root, 'alice');
    cores.push(aliceAgain);
    expect(await verification(aliceAgain, id)).toBe('verified');
    const carolTablet = startCore(env.root, 'carol-tablet');
    cores.push(carolTablet);
    await signInThroughCore(carolTablet, env.server, 'carol@example.test');
    await expect.poll(() => verification(aliceAgain, id), { timeout: 20_000 }).toBe('degraded');
    expect(await aliceAgain.core.router.request('messages.send', { conversationId: id, text: 'to the tablet' })).toMatchObject({
      ok: false,
      error: { code: 'conversation-degraded' },
    });
  });
});
