import { writeFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
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

describe('backups through the core', () => {
  it('exports the history encrypted, restores it on a new device of the same user, and refuses everyone else', async () => {
    const alice = track(startCore(env.root, 'alice'));
    const bob = track(startCore(env.root, 'bob'));
    await registerThroughCore(alice, env.server, env.root, 'alice@example.test', 'Alice');
    const bobUser = await registerThroughCore(bob, env.server, env.root, 'bob@example.test', 'Bob');
    const created = await alice.core.router.request('conversations.create', { name: 'Archive', members: [{ id: bobUser.id, domain: bobUser.domain }] });
    if (!created.ok) throw new Error(created.error.message);
    const conversationId = created.value.id;
    for (const text of ['first', 'second', 'third']) await alice.core.router.request('messages.send', { conversationId, text });

    const file = path.join(env.root, 'alice.cairnbackup');
    const exported = await alice.core.router.request('backup.export', { file, password: 'Backup-Pass-1' });
    expect(exported).toMatchObject({ ok: true, value: { encrypted: true, conversations: 1, messages: 3 } });
    expect(eventsOf(alice, 'backup.progress').length).toBeGreaterThan(0);
    const bytes = await readFile(file);
    expect(bytes.includes(Buffer.from('second'))).toBe(false);

    expect(await alice.core.router.request('backup.inspect', { file })).toMatchObject({ ok: true, value: { encrypted: true } });

    // A new computer of Alice's: nothing there until the backup is imported.
    const laptop = track(startCore(env.root, 'alice-laptop'));
    await signInThroughCore(laptop, env.server, 'alice@example.test');
    expect(await laptop.core.router.request('backup.import', { file, password: 'Wrong-Pass-9' })).toMatchObject({
      ok: false,
      error: { code: 'backup-wrong-password' },
    });
    // The laptop has joined the conversation itself (external commit) but holds none of its history.
    const imported = await laptop.core.router.request('backup.import', { file, password: 'Backup-Pass-1' });
    expect(imported).toMatchObject({ ok: true, value: { messagesAdded: 3 } });
    const history = await laptop.core.router.request('messages.list', { conversationId, limit: 10 });
    expect(history.ok && history.value.messages.map((m) => m.text)).toEqual(['first', 'second', 'third']);
    const again = await laptop.core.router.request('backup.import', { file, password: 'Backup-Pass-1' });
    expect(again).toMatchObject({ ok: true, value: { conversationsAdded: 0, messagesAdded: 0 } });

    // Bob cannot import Alice's backup; a damaged file is refused and changes nothing.
    expect(await bob.core.router.request('backup.import', { file, password: 'Backup-Pass-1' })).toMatchObject({
      ok: false,
      error: { code: 'backup-other-user' },
    });
    const damaged = Buffer.from(bytes);
    damaged[damaged.length - 40] = (damaged[damaged.length - 40] ?? 0) ^ 0xff;
    await writeFile(path.join(env.root, 'damaged.cairnbackup'), damaged);
    const bobBefore = await bob.core.router.request('messages.list', { conversationId, limit: 10 });
    expect(await bob.core.router.request('backup.import', { file: path.join(env.root, 'damaged.cairnbackup'), password: 'Backup-Pass-1' })).toMatchObject({
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
