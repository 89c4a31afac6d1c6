import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ObservedCore } from '../../support/cores';
import { serverQuery } from '../../support/serverDatabase';
import { databaseFor } from '../../support/testDatabase';
import { useTestServer } from '../../support/testServer';
import { eventsOf, registerThroughCore, settled, signInThroughCore, startCore } from '../../support/cores';

const env = useTestServer('messaging');
const cores: ObservedCore[] = [];

afterAll(async () => {
  await Promise.all(cores.map((c) => c.core.close()));
});

function track(o: ObservedCore): ObservedCore {
  cores.push(o);
  return o;
}

async function texts(o: ObservedCore, conversationId: string): Promise<string[]> {
  const result = await o.core.router.request('messages.list', { conversationId, limit: 100 });
  return result.ok ? result.value.messages.map((m) => `${m.kind}:${m.text ?? ''}`) : [`error:${result.error.code}`];
}

async function conversationIds(o: ObservedCore): Promise<string[]> {
  const result = await o.core.router.request('conversations.list', {});
  return result.ok ? result.value.conversations.map((c) => c.id) : [];
}

describe('group text messaging over MLS', () => {
  it('creates a group, brings every device of the members in, and delivers text both ways, end to end encrypted', async () => {
    const alice = track(startCore(env.root, 'alice'));
    const bob = track(startCore(env.root, 'bob'));
    const bobPhone = track(startCore(env.root, 'bob-phone'));
    await registerThroughCore(alice, env.server, env.root, 'alice@example.test', 'Alice');
    const bobUser = await registerThroughCore(bob, env.server, env.root, 'bob@example.test', 'Bob');
    await signInThroughCore(bobPhone, env.server, 'bob@example.test');

    const created = await alice.core.router.request('conversations.create', {
      name: 'Trailhead',
      members: [{ id: bobUser.id, domain: bobUser.domain }],
    });
    expect(created).toMatchObject({ ok: true, value: { name: 'Trailhead', memberCount: 2, kind: 'group' } });
    if (!created.ok) return;
    const conversationId = created.value.id;

    // Both of Bob's devices join through the Welcome.
    await expect.poll(() => conversationIds(bob), { timeout: 15_000 }).toEqual([conversationId]);
    await expect.poll(() => conversationIds(bobPhone), { timeout: 15_000 }).toEqual([conversationId]);

    const sent = await alice.core.router.request('messages.send', { conversationId, text: 'Meet at the cairn at nine?' });
    expect(sent).toMatchObject({ ok: true, value: { status: 'pending', kind: 'text', text: 'Meet at the cairn at nine?' } });
    if (sent.ok) expect(await settled(alice, sent.value.id)).toBe('sent');
    await expect.poll(() => texts(bob, conversationId), { timeout: 15_000 }).toEqual(['text:Meet at the cairn at nine?']);
    await expect.poll(() => texts(bobPhone, conversationId), { timeout: 15_000 }).toEqual(['text:Meet at the cairn at nine?']);
    // The receivers' shells are asked for a desktop notification; the sender's is not.
    expect(eventsOf(bob, 'notify')).toEqual([{ conversationId, title: 'Alice in Trailhead', body: 'Meet at the cairn at nine?' }]);
    expect(eventsOf(alice, 'notify')).toEqual([]);

    const reply = await bobPhone.core.router.request('messages.send', { conversationId, text: 'Yes — see you there' });
    expect(reply).toMatchObject({ ok: true, value: { status: 'pending' } });
    if (reply.ok) expect(await settled(bobPhone, reply.value.id)).toBe('sent');
    await expect
      .poll(() => texts(alice, conversationId), { timeout: 15_000 })
      .toEqual(['text:Meet at the cairn at nine?', 'text:Yes — see you there']);
    await expect.poll(() => texts(bob, conversationId), { timeout: 15_000 }).toHaveLength(2);

    // The server only ever saw ciphertext, and the devices keep the text only inside their
    // encrypted databases: the words are in none of these files.
    const { readFile } = await import('node:fs/promises');
    const filesOf = async (dir: string): Promise<Buffer> =>
      Buffer.concat([
        await readFile(path.join(dir, 'cairn.db')),
        await readFile(path.join(dir, 'cairn.db-wal')).catch(() => Buffer.alloc(0)),
      ]);
    // On PostgreSQL (CAIRN_TEST_DATABASE) the server's rows are read from its database instead.
    const serverBytes = async (): Promise<Buffer> =>
      (await databaseFor(path.join(env.root, 'server'))) === undefined
        ? filesOf(path.join(env.root, 'server'))
        : Buffer.from(JSON.stringify(await serverQuery(path.join(env.root, 'server'), 'SELECT payload FROM events')));
    for (const dir of ['server', 'alice', 'bob', 'bob-phone']) {
      const bytes = dir === 'server' ? await serverBytes() : await filesOf(path.join(env.root, dir));
      expect(bytes.length).toBeGreaterThan(0);
      expect(bytes.includes(Buffer.from('cairn at nine')), dir).toBe(false);
      expect(bytes.includes(Buffer.from('see you there')), dir).toBe(false);
    }

    // Search finds words in decrypted text (accents ignored), and treats input as words, not syntax.
    const found = await bob.core.router.request('messages.search', { text: 'CAIRN nin' });
    expect(found.ok && found.value.messages.map((m) => m.text)).toEqual(['Meet at the cairn at nine?']);
    expect(await bob.core.router.request('messages.search', { text: '"unbalanced OR NEAR(' })).toMatchObject({ ok: true, value: { messages: [] } });

    // A restarted core still has the history and keeps reading new messages.
    await bob.core.close();
    cores.splice(cores.indexOf(bob), 1);
    const bobAgain = track(startCore(env.root, 'bob'));
    expect(await texts(bobAgain, conversationId)).toHaveLength(2);
    await bobAgain.core.router.request('account.status', {});
    await alice.core.router.request('messages.send', { conversationId, text: 'Bring water' });
    await expect.poll(() => texts(bobAgain, conversationId), { timeout: 15_000 }).toContain('text:Bring water');
  });
});
