import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredMessage } from '../../../electron/core/ipc/contract';
import type { ObservedCore, SignedInUser } from '../../support/cores';
import { registerThroughCore, startCores } from '../../support/cores';
import { useTestServer } from '../../support/testServer';

const env = useTestServer('edit-mentions');
const cores: ObservedCore[] = [];
let alice: ObservedCore;
let bob: ObservedCore;
let carol: ObservedCore;
let bobUser: SignedInUser;
let carolUser: SignedInUser;
let id: string;

afterAll(async () => {
  await Promise.all(cores.map((c) => c.core.close()));
});

async function value<T>(result: Promise<{ ok: true; value: T } | { ok: false; error: { code: string; message: string } }>): Promise<T> {
  const settled = await result;
  if (!settled.ok) throw new Error(`${settled.error.code}: ${settled.error.message}`);
  return settled.value;
}

const qualified = (u: SignedInUser): string => `${u.id}@${u.domain}`;

async function find(o: ObservedCore, messageId: string): Promise<StoredMessage | undefined> {
  const result = await o.core.router.request('messages.list', { conversationId: id, limit: 100 });
  return result.ok ? result.value.messages.find((m) => m.id === messageId) : undefined;
}

/** What `o` stored of the message: its text, mentions and whether it mentions `o`'s user. */
async function seen(o: ObservedCore, messageId: string): Promise<Pick<StoredMessage, 'text' | 'mentions' | 'mentionsMe'> | undefined> {
  const message = await find(o, messageId);
  return message ? { text: message.text, mentions: message.mentions, mentionsMe: message.mentionsMe } : undefined;
}

beforeAll(async () => {
  [alice, bob, carol] = startCores(env.root, cores, 'alice', 'bob', 'carol');
  await registerThroughCore(alice, env.server, env.root, 'alice@example.test', 'Alice');
  bobUser = await registerThroughCore(bob, env.server, env.root, 'bob@example.test', 'Bob');
  carolUser = await registerThroughCore(carol, env.server, env.root, 'carol@example.test', 'Carol');
  const created = await value(
    alice.core.router.request('conversations.create', {
      name: 'Ridge',
      members: [
        { id: bobUser.id, domain: bobUser.domain },
        { id: carolUser.id, domain: carolUser.domain },
      ],
    }),
  );
  id = created.id;
  const deadline = Date.now() + 15_000;
  for (const o of [bob, carol]) {
    for (;;) {
      const list = await o.core.router.request('conversations.list', {});
      if (list.ok && list.value.conversations.some((c) => c.id === id && c.epoch !== null)) break;
      if (Date.now() > deadline) throw new Error(`${o.profile} did not join the group`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
});

describe('edits carry mentions', () => {
  it('mentions a user through an edit, keeps the mention through a second edit, and clears it when an edit drops it', async () => {
    const sent = await value(alice.core.router.request('messages.send', { conversationId: id, text: 'Who brings the rope?' }));
    await expect.poll(() => seen(bob, sent.id), { timeout: 15_000 }).toEqual({ text: 'Who brings the rope?', mentions: [], mentionsMe: false });

    // An edit adds a mention of Bob: stored so on Alice's device and on Bob's, which it names.
    const bobSpan = { start: 0, length: 4, user: qualified(bobUser) };
    const added = await value(
      alice.core.router.request('messages.edit', {
        conversationId: id,
        messageId: sent.id,
        text: '@Bob brings the rope?',
        mentions: [{ start: 0, length: 4, user: { id: bobUser.id, domain: bobUser.domain } }],
      }),
    );
    expect(added).toMatchObject({ text: '@Bob brings the rope?', mentions: [bobSpan], mentionsMe: false });
    expect(added.editedAt).not.toBeNull();
    await expect.poll(() => seen(bob, sent.id), { timeout: 15_000 }).toEqual({ text: '@Bob brings the rope?', mentions: [bobSpan], mentionsMe: true });
    await expect.poll(() => seen(carol, sent.id), { timeout: 15_000 }).toEqual({ text: '@Bob brings the rope?', mentions: [bobSpan], mentionsMe: false });
    expect(await seen(alice, sent.id)).toEqual({ text: '@Bob brings the rope?', mentions: [bobSpan], mentionsMe: false });

    // A further edit that keeps the mention (moved by the new text) keeps it highlighted for Bob.
    const moved = { start: 5, length: 4, user: qualified(bobUser) };
    await value(
      alice.core.router.request('messages.edit', {
        conversationId: id,
        messageId: sent.id,
        text: 'Can @Bob bring the rope?',
        mentions: [{ start: 5, length: 4, user: { id: bobUser.id, domain: bobUser.domain } }],
      }),
    );
    await expect.poll(() => seen(bob, sent.id), { timeout: 15_000 }).toEqual({ text: 'Can @Bob bring the rope?', mentions: [moved], mentionsMe: true });

    // An edit without the mention clears it everywhere.
    const cleared = await value(alice.core.router.request('messages.edit', { conversationId: id, messageId: sent.id, text: 'Carol brings the rope.' }));
    expect(cleared).toMatchObject({ text: 'Carol brings the rope.', mentions: [], mentionsMe: false });
    await expect.poll(() => seen(bob, sent.id), { timeout: 15_000 }).toEqual({ text: 'Carol brings the rope.', mentions: [], mentionsMe: false });
    await expect.poll(() => seen(carol, sent.id), { timeout: 15_000 }).toEqual({ text: 'Carol brings the rope.', mentions: [], mentionsMe: false });
    expect(await seen(alice, sent.id)).toEqual({ text: 'Carol brings the rope.', mentions: [], mentionsMe: false });
  });

  it('refuses an edit that mentions a non-member or a mention outside the text, changing nothing anywhere', async () => {
    const sent = await value(alice.core.router.request('messages.send', { conversationId: id, text: 'Camp at the lake' }));
    await expect.poll(async () => (await find(bob, sent.id))?.text, { timeout: 15_000 }).toBe('Camp at the lake');

    const stranger = await alice.core.router.request('messages.edit', {
      conversationId: id,
      messageId: sent.id,
      text: '@Zed camp at the lake',
      mentions: [{ start: 0, length: 4, user: { id: '00000000-0000-4000-8000-000000000000', domain: bobUser.domain } }],
    });
    expect(stranger).toMatchObject({ ok: false, error: { code: 'mention-not-member' } });
    const outside = await alice.core.router.request('messages.edit', {
      conversationId: id,
      messageId: sent.id,
      text: 'camp',
      mentions: [{ start: 2, length: 4, user: { id: bobUser.id, domain: bobUser.domain } }],
    });
    expect(outside).toMatchObject({ ok: false, error: { code: 'ipc-invalid-request' } });

    // Nothing was sent: once a later message from Alice arrived, Bob's copy is still unedited.
    const marker = await value(alice.core.router.request('messages.send', { conversationId: id, text: 'marker after refusals' }));
    await expect.poll(async () => (await find(bob, marker.id))?.text, { timeout: 15_000 }).toBe('marker after refusals');
    expect(await find(bob, sent.id)).toMatchObject({ text: 'Camp at the lake', editedAt: null, mentions: [], mentionsMe: false });
    expect(await find(alice, sent.id)).toMatchObject({ text: 'Camp at the lake', editedAt: null, mentions: [] });
  });
});
