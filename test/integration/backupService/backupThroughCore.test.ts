import { randomBytes } from 'node:crypto';
import { writeFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { StoredMessage } from '../../../electron/core/ipc/contract';
import type { ObservedCore } from '../../support/cores';
import { useTestServer } from '../../support/testServer';
import { eventsOf, registerThroughCore, signInThroughCore, startCore } from '../../support/cores';

const env = useTestServer('backup-core');
const cores: ObservedCore[] = [];

afterAll(async () => {
  await Promise.all(cores.map((c) => c.core.close()));
});

function track(o: ObservedCore): ObservedCore {
  cores.push(o);
  return o;
}

async function messages(o: ObservedCore, conversationId: string): Promise<StoredMessage[]> {
  const result = await o.core.router.request('messages.list', { conversationId, limit: 100 });
  return result.ok ? result.value.messages : [];
}

/** What a user sees of a message, without the ids and times a restore may not keep. */
function seen(m: StoredMessage) {
  return { text: m.text, sender: m.sender, kind: m.kind, reactions: m.reactions, readBy: m.readBy, deliveredTo: m.deliveredTo, asset: m.asset };
}

describe('backups through the core', () => {
  it('exports the history encrypted, restores it on a new device of the same user, and refuses everyone else', async () => {
    const alice = track(startCore(env.root, 'alice'));
    const bob = track(startCore(env.root, 'bob'));
    await registerThroughCore(alice, env.server, env.root, 'alice@example.test', 'Alice');
    const bobUser = await registerThroughCore(bob, env.server, env.root, 'bob@example.test', 'Bob');
    const bobId = `${bobUser.id}@${bobUser.domain}`;
    const created = await alice.core.router.request('conversations.create', { name: 'Archive', members: [{ id: bobUser.id, domain: bobUser.domain }] });
    if (!created.ok) throw new Error(created.error.message);
    const conversationId = created.value.id;
    for (const text of ['first', 'second', 'third']) await alice.core.router.request('messages.send', { conversationId, text });
    // A file, a reaction and read receipts from Bob: what format version 2 carries besides messages.
    const original = randomBytes(200_000);
    const source = path.join(env.root, 'route.gpx');
    await writeFile(source, original);
    expect(await alice.core.router.request('files.send', { conversationId, grant: alice.core.grantFile('read', source) })).toMatchObject({ ok: true });
    await expect.poll(async () => (await messages(bob, conversationId)).length, { timeout: 15_000 }).toBe(4);
    const second = (await messages(bob, conversationId)).find((m) => m.text === 'second');
    if (second === undefined) throw new Error('bob has no second message');
    await bob.core.router.request('messages.react', { conversationId, messageId: second.id, emoji: '👍' });
    await bob.core.router.request('messages.markRead', { conversationId });
    await expect
      .poll(async () => (await messages(alice, conversationId)).map((m) => [m.reactions.length, m.readBy, m.deliveredTo]), { timeout: 15_000 })
      .toEqual([0, 1, 0, 0].map((reactions) => [reactions, [bobId], [bobId]]));
    const aliceHistory = (await messages(alice, conversationId)).map(seen);
    // Alice's copy of the file is the one she sent; the path on her computer stays there.
    expect(aliceHistory[3]?.asset).toMatchObject({ name: 'route.gpx', size: original.length, savedAt: source });
    const restoredHistory = aliceHistory.map((m) => (m.asset === null ? m : { ...m, asset: { ...m.asset, savedAt: null } }));

    const file = path.join(env.root, 'alice.cairnbackup');
    const exported = await alice.core.router.request('backup.export', { grant: alice.core.grantFile('write', file), password: 'Backup-Pass-1' });
    // Bob's reaction, his delivery and read receipt for each of the four messages, the file.
    expect(exported).toMatchObject({ ok: true, value: { encrypted: true, conversations: 1, messages: 4, reactions: 1, receipts: 8, assets: 1 } });
    expect(eventsOf(alice, 'backup.progress').length).toBeGreaterThan(0);
    const bytes = await readFile(file);
    expect(bytes.includes(Buffer.from('second'))).toBe(false);

    expect(await alice.core.router.request('backup.inspect', { grant: alice.core.grantFile('read', file) })).toMatchObject({ ok: true, value: { encrypted: true } });

    // A new computer of Alice's: nothing there until the backup is imported.
    const laptop = track(startCore(env.root, 'alice-laptop'));
    await signInThroughCore(laptop, env.server, 'alice@example.test');
    expect(await laptop.core.router.request('backup.import', { grant: laptop.core.grantFile('read', file), password: 'Wrong-Pass-9' })).toMatchObject({
      ok: false,
      error: { code: 'backup-wrong-password' },
    });
    // The laptop has joined the conversation itself (external commit) but holds none of its history.
    const imported = await laptop.core.router.request('backup.import', { grant: laptop.core.grantFile('read', file), password: 'Backup-Pass-1' });
    expect(imported).toMatchObject({ ok: true, value: { messagesAdded: 4, reactionsAdded: 1, receiptsAdded: 8, assetsAdded: 1 } });
    // The same history as on Alice's first computer: texts, Bob's reaction and read receipts, the file.
    expect((await messages(laptop, conversationId)).map(seen)).toEqual(restoredHistory);
    // The file's key and hash came with the backup: the laptop fetches and checks it from the server.
    const assetId = aliceHistory[3]?.asset?.id ?? '';
    const saved = path.join(env.root, 'laptop-route.gpx');
    expect(await laptop.core.router.request('files.download', { assetId, grant: laptop.core.grantFile('write', saved) })).toMatchObject({ ok: true, value: { size: original.length } });
    expect((await readFile(saved)).equals(original)).toBe(true);
    const again = await laptop.core.router.request('backup.import', { grant: laptop.core.grantFile('read', file), password: 'Backup-Pass-1' });
    expect(again).toMatchObject({ ok: true, value: { conversationsAdded: 0, messagesAdded: 0, reactionsAdded: 0, receiptsAdded: 0, assetsAdded: 0 } });
    expect((await messages(laptop, conversationId)).map(seen)).toEqual(restoredHistory.map((m) => (m.asset === null ? m : { ...m, asset: { ...m.asset, savedAt: saved } })));

    // Bob cannot import Alice's backup; a damaged file is refused and changes nothing.
    expect(await bob.core.router.request('backup.import', { grant: bob.core.grantFile('read', file), password: 'Backup-Pass-1' })).toMatchObject({
      ok: false,
      error: { code: 'backup-other-user' },
    });
    const damaged = Buffer.from(bytes);
    damaged[damaged.length - 40] = (damaged[damaged.length - 40] ?? 0) ^ 0xff;
    await writeFile(path.join(env.root, 'damaged.cairnbackup'), damaged);
    const bobBefore = await bob.core.router.request('messages.list', { conversationId, limit: 10 });
    expect(await bob.core.router.request('backup.import', { grant: bob.core.grantFile('read', path.join(env.root, 'damaged.cairnbackup')), password: 'Backup-Pass-1' })).toMatchObject({
      ok: false,
    });
    expect(await bob.core.router.request('messages.list', { conversationId, limit: 10 })).toEqual(bobBefore);

    // The notification stream runs again after an import.
    await alice.core.router.request('messages.send', { conversationId, text: 'after the import' });
    await expect
      .poll(async () => {
        const list = await laptop.core.router.request('connection.status', {});
        return list.ok ? list.value.state : 'error';
      }, { timeout: 10_000 })
      .toBe('online');
  });
});
