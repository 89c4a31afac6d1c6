import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Preferences } from '../../../electron/core/ipc/contract';
import type { ObservedCore, SignedInUser } from '../../support/cores';
import { eventsOf, registerThroughCore, startCore, startCores } from '../../support/cores';
import { useTestServer } from '../../support/testServer';

const env = useTestServer('preferences');
const cores: ObservedCore[] = [];
let alice: ObservedCore;
let bob: ObservedCore;
let bobUser: SignedInUser;
let aliceId: string;
let bobId: string;

afterAll(async () => {
  await Promise.all(cores.map((c) => c.core.close()));
});

beforeAll(async () => {
  [alice, bob] = startCores(env.root, cores, 'alice', 'bob');
  const aliceUser = await registerThroughCore(alice, env.server, env.root, 'alice@example.test', 'Alice');
  bobUser = await registerThroughCore(bob, env.server, env.root, 'bob@example.test', 'Bob');
  aliceId = `${aliceUser.id}@${aliceUser.domain}`;
  bobId = `${bobUser.id}@${bobUser.domain}`;
});

async function value<T>(result: Promise<{ ok: true; value: T } | { ok: false; error: { code: string; message: string } }>): Promise<T> {
  const settled = await result;
  if (!settled.ok) throw new Error(`${settled.error.code}: ${settled.error.message}`);
  return settled.value;
}

/** A group of Alice and Bob that Bob has joined. */
async function group(name: string): Promise<string> {
  const created = await value(alice.core.router.request('conversations.create', { name, members: [{ id: bobUser.id, domain: bobUser.domain }] }));
  await expect.poll(() => summary(bob, created.id), { timeout: 15_000 }).toBeDefined();
  return created.id;
}

async function summary(o: ObservedCore, id: string) {
  const list = await o.core.router.request('conversations.list', {});
  return list.ok ? list.value.conversations.find((c) => c.id === id) : undefined;
}

async function texts(o: ObservedCore, conversationId: string): Promise<string[]> {
  const result = await o.core.router.request('messages.list', { conversationId, limit: 100 });
  return result.ok ? result.value.messages.map((m) => m.text ?? '') : [];
}

/** Alice sends `text` and waits until Bob has it; returns Bob's notify events for that conversation since `before`. */
async function deliver(conversationId: string, text: string): Promise<unknown[]> {
  const before = eventsOf(bob, 'notify').length;
  await value(alice.core.router.request('messages.send', { conversationId, text }));
  await expect.poll(() => texts(bob, conversationId), { timeout: 15_000 }).toContain(text);
  return eventsOf(bob, 'notify').slice(before);
}

async function setPreferences(o: ObservedCore, patch: Partial<Preferences>): Promise<Preferences> {
  return value(o.core.router.request('preferences.set', patch));
}

describe('preferences', () => {
  it('start at the defaults, keep what is set in the encrypted store across a restart, and refuse unknown keys and bad values', async () => {
    const carol = startCore(env.root, 'carol');
    const signedOut = await value(carol.core.router.request('preferences.get', {}));
    expect(signedOut).toEqual({
      desktopNotifications: true,
      notificationContent: 'name-and-message',
      theme: 'system',
      sendReadReceipts: true,
      sendTypingIndicators: true,
      'calls.alwaysRelay': false,
      'calls.constantBitRate': false,
      'calls.microphone': null,
      'calls.camera': null,
      'calls.speaker': null,
    });
    // Before the profile exists there is nowhere to keep them: a clear error, nothing made.
    expect(await carol.core.router.request('preferences.set', { theme: 'dark' })).toMatchObject({ ok: false, error: { code: 'preferences-no-profile' } });

    await registerThroughCore(carol, env.server, env.root, 'carol@example.test', 'Carol');
    const changed = await setPreferences(carol, { theme: 'dark', notificationContent: 'name-only' });
    expect(changed).toMatchObject({ theme: 'dark', notificationContent: 'name-only', desktopNotifications: true });
    expect(eventsOf(carol, 'preferences.changed')).toEqual([changed]);

    expect(await carol.core.router.handle('preferences.set', { colour: 'red' })).toMatchObject({ ok: false, error: { code: 'ipc-invalid-request' } });
    expect(await carol.core.router.handle('preferences.set', { theme: 'purple' })).toMatchObject({ ok: false, error: { code: 'ipc-invalid-request' } });
    expect(await value(carol.core.router.request('preferences.get', {}))).toEqual(changed);

    await carol.core.close();
    const again = startCore(env.root, 'carol');
    cores.push(again);
    expect(await value(again.core.router.request('preferences.get', {}))).toEqual(changed);
  });

  it('shape what a desktop notification shows, or turn notifications off', async () => {
    const id = await group('Summit');
    expect(await deliver(id, 'full text please')).toEqual([{ conversationId: id, title: 'Alice in Summit', body: 'full text please' }]);

    await setPreferences(bob, { notificationContent: 'name-only' });
    expect(await deliver(id, 'only the name')).toEqual([{ conversationId: id, title: 'Alice in Summit', body: 'New message' }]);

    await setPreferences(bob, { notificationContent: 'nothing' });
    expect(await deliver(id, 'not even the name')).toEqual([{ conversationId: id, title: 'Cairn', body: 'New message' }]);

    await setPreferences(bob, { desktopNotifications: false, notificationContent: 'name-and-message' });
    expect(await deliver(id, 'no notification at all')).toEqual([]);

    await setPreferences(bob, { desktopNotifications: true });
    expect(await deliver(id, 'back on')).toEqual([{ conversationId: id, title: 'Alice in Summit', body: 'back on' }]);
    // The notify events never carried a hidden message's text.
    expect(JSON.stringify(eventsOf(bob, 'notify'))).not.toContain('only the name');
    expect(JSON.stringify(eventsOf(bob, 'notify'))).not.toContain('not even the name');
  });

  it('with read receipts off, sends none and keeps none of the others', async () => {
    const id = await group('Receipts');
    await deliver(id, 'read me');
    await setPreferences(bob, { sendReadReceipts: false });
    await value(bob.core.router.request('messages.markRead', { conversationId: id }));
    expect((await summary(bob, id))?.unread).toBe(0);
    // A later message from Bob reaches Alice after any receipt he would have sent before it.
    await value(bob.core.router.request('messages.send', { conversationId: id, text: 'marker one' }));
    await expect.poll(() => texts(alice, id), { timeout: 15_000 }).toContain('marker one');
    const aliceView = await value(alice.core.router.request('messages.list', { conversationId: id, limit: 10 }));
    expect(aliceView.messages.find((m) => m.text === 'read me')?.readBy).toEqual([]);

    // Mutual: Bob, with receipts off, does not see that Alice (receipts on) read his message.
    await value(alice.core.router.request('messages.markRead', { conversationId: id }));
    await value(alice.core.router.request('messages.send', { conversationId: id, text: 'marker two' }));
    await expect.poll(() => texts(bob, id), { timeout: 15_000 }).toContain('marker two');
    const bobView = await value(bob.core.router.request('messages.list', { conversationId: id, limit: 10 }));
    expect(bobView.messages.find((m) => m.text === 'marker one')?.readBy).toEqual([]);

    // Turned on again, receipts flow once more (for messages read from then on).
    await setPreferences(bob, { sendReadReceipts: true });
    await deliver(id, 'read me too');
    await value(bob.core.router.request('messages.markRead', { conversationId: id }));
    await expect
      .poll(async () => {
        const list = await value(alice.core.router.request('messages.list', { conversationId: id, limit: 10 }));
        return list.messages.filter((m) => m.sender === aliceId).map((m) => [m.text, m.readBy]);
      }, { timeout: 15_000 })
      .toEqual([
        ['read me', []],
        ['marker two', [bobId]],
        ['read me too', [bobId]],
      ]);
  });

  it('with typing indicators off, sends none and shows none of the others', async () => {
    const id = await group('Typing');
    const typingAt = (o: ObservedCore) => eventsOf(o, 'typing').filter((e) => typeof e === 'object' && e !== null && 'conversationId' in e && e.conversationId === id);

    // On: Alice sees Bob typing.
    await value(bob.core.router.request('messages.typing', { conversationId: id, state: 'started' }));
    await expect.poll(() => typingAt(alice), { timeout: 15_000 }).toEqual([{ conversationId: id, user: bobId, state: 'started' }]);

    await setPreferences(bob, { sendTypingIndicators: false });
    await value(bob.core.router.request('messages.typing', { conversationId: id, state: 'stopped' }));
    await value(bob.core.router.request('messages.send', { conversationId: id, text: 'typed quietly' }));
    await expect.poll(() => texts(alice, id), { timeout: 15_000 }).toContain('typed quietly');
    expect(typingAt(alice)).toHaveLength(1);

    // Bob does not see Alice typing either.
    await value(alice.core.router.request('messages.typing', { conversationId: id, state: 'started' }));
    await deliver(id, 'after typing');
    expect(typingAt(bob)).toEqual([]);
    await setPreferences(bob, { sendTypingIndicators: true });
  });
});

describe('notifications and the app lock', () => {
  it('while locked nothing is received, so nothing notifies; after unlocking, the waiting message notifies as the preferences say', async () => {
    const [dana] = startCores(env.root, cores, 'dana');
    const danaUser = await registerThroughCore(dana, env.server, env.root, 'dana@example.test', 'Dana');
    const created = await value(alice.core.router.request('conversations.create', { name: 'Vault', members: [{ id: danaUser.id, domain: danaUser.domain }] }));
    await expect.poll(() => summary(dana, created.id), { timeout: 15_000 }).toBeDefined();
    await setPreferences(dana, { notificationContent: 'name-only' });
    const passcode = 'Quiet-Stone-42';
    await value(dana.core.router.request('appLock.enable', { passcode }));
    expect(await value(dana.core.router.request('appLock.lock', {}))).toMatchObject({ locked: true });
    // Locked: the store is closed, yet the theme and the rest can still be read (the lock screen needs the theme).
    expect(await value(dana.core.router.request('preferences.get', {}))).toMatchObject({ notificationContent: 'name-only' });
    expect(await dana.core.router.request('preferences.set', { theme: 'dark' })).toMatchObject({ ok: false, error: { code: 'app-locked' } });

    await value(alice.core.router.request('messages.send', { conversationId: created.id, text: 'secret while locked' }));
    const lockedAt = dana.events.length;
    await value(dana.core.router.request('appLock.unlock', { passcode }));
    await expect.poll(() => texts(dana, created.id), { timeout: 15_000 }).toContain('secret while locked');
    const after = dana.events.slice(lockedAt).map((e) => e.event);
    expect(after.indexOf('notify')).toBeGreaterThan(after.indexOf('appLock.state'));
    expect(eventsOf(dana, 'notify')).toEqual([{ conversationId: created.id, title: 'Alice in Vault', body: 'New message' }]);
  });
});

describe('mute and archive', () => {
  it('a muted conversation asks for no notification until the mute ends or is lifted', async () => {
    const id = await group('Quiet');
    const until = Date.now() + 3600_000;
    const muted = await value(bob.core.router.request('conversations.setMuted', { conversationId: id, until }));
    expect(muted).toMatchObject({ id, mutedUntil: until, archived: false });
    expect(await deliver(id, 'shh')).toEqual([]);
    expect((await summary(bob, id))?.unread).toBe(1);

    expect(await bob.core.router.request('conversations.setMuted', { conversationId: id, until: Date.now() - 1000 })).toMatchObject({
      ok: false,
      error: { code: 'ipc-invalid-request' },
    });
    expect(
      await bob.core.router.request('conversations.setMuted', { conversationId: '00000000-0000-4000-8000-000000000000', until: null }),
    ).toMatchObject({ ok: false, error: { code: 'conversation-not-found' } });
    expect((await summary(bob, id))?.mutedUntil).toBe(until);

    expect(await value(bob.core.router.request('conversations.setMuted', { conversationId: id, until: null }))).toMatchObject({ mutedUntil: null });
    expect(await deliver(id, 'loud again')).toEqual([{ conversationId: id, title: 'Alice in Quiet', body: 'loud again' }]);
  });

  it('an archived conversation comes back with a new message unless it is muted', async () => {
    const id = await group('Attic');
    expect(await value(bob.core.router.request('conversations.setArchived', { conversationId: id, archived: true }))).toMatchObject({ archived: true });
    await deliver(id, 'come back');
    expect((await summary(bob, id))?.archived).toBe(false);

    await value(bob.core.router.request('conversations.setArchived', { conversationId: id, archived: true }));
    await value(bob.core.router.request('conversations.setMuted', { conversationId: id, until: Number.MAX_SAFE_INTEGER }));
    expect(await deliver(id, 'stay archived')).toEqual([]);
    expect(await summary(bob, id)).toMatchObject({ archived: true, mutedUntil: Number.MAX_SAFE_INTEGER, unread: 2 });

    // The sender's own messages never archive or unarchive anything on her side.
    expect((await summary(alice, id))?.archived).toBe(false);
    expect(await value(bob.core.router.request('conversations.setArchived', { conversationId: id, archived: false }))).toMatchObject({ archived: false });
  });
});
