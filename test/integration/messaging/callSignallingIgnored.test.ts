import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Content } from '../../../protocol/content/schema';
import { chromiumOffer, randomFingerprint } from '../../fixtures/calls/chromiumSdp';
import { must } from '../../fixtures/mls/mlsTestDevices';
import type { ObservedCore } from '../../support/cores';
import { eventsOf, registerThroughCore, startCores } from '../../support/cores';
import type { RawMember } from '../../support/rawMember';
import { encryptContent, joinExternally, postAsMember, registerRawMember } from '../../support/rawMember';
import { useTestServer } from '../../support/testServer';

/*
 * Issue 13: call signalling travels as ordinary content messages of the conversation and goes to
 * the call service, never into the history. A group conversation has no calls yet (issue 14), so
 * there a core that gets one drops it quietly: no "could not decrypt" or "needs a newer version"
 * line, no notification, no crash — and the chat that follows arrives as usual. (Before the call
 * types existed, each became an unreadable line.) 1:1 calls: test/integration/calls/.
 */

const env = useTestServer('call-signalling-ignored');
const cores: ObservedCore[] = [];
let alice: ObservedCore;
let bob: RawMember;

beforeAll(async () => {
  [alice] = startCores(env.root, cores, 'alice');
  await registerThroughCore(alice, env.server, env.root, 'alice@example.test', 'Alice');
  bob = await registerRawMember(env.server, env.serverDir, 'bob@example.test', 'Bob');
}, 60_000);

afterAll(async () => {
  await Promise.all(cores.map((c) => c.core.close()));
});

describe('call messages in a group conversation, which has no calls yet', () => {
  it('are dropped without a line in the history, and the chat after them is shown', async () => {
    const created = await alice.core.router.request('conversations.create', { name: 'Bob and Alice', members: [bob.user] });
    if (!created.ok) throw new Error(created.error.message);
    const id = created.value.id;
    await joinExternally(bob, id);

    const callId = randomUUID();
    const fingerprint = randomFingerprint();
    const calls: Content[] = [
      { type: 'call-setup', callId, sdp: chromiumOffer(fingerprint), fingerprint, media: 'video', cbr: false },
      { type: 'call-media', callId, muted: true, cameraOff: false, sharing: false },
      { type: 'call-ice-restart', callId, kind: 'offer', sdp: chromiumOffer(fingerprint), fingerprint },
      { type: 'call-hangup', callId },
      { type: 'call-cancel', callId },
    ];
    for (const content of calls) await postAsMember(bob, id, await encryptContent(bob, id, content));
    await postAsMember(bob, id, await encryptContent(bob, id, { type: 'text', text: 'did my call reach you?', mentions: [] }));

    const listed = async () => {
      const result = must(await alice.core.router.request('messages.list', { conversationId: id, limit: 100 }));
      return result.messages.filter((m) => m.kind !== 'system').map((m) => ({ kind: m.kind, text: m.text }));
    };
    await expect.poll(listed, { timeout: 20_000 }).toContainEqual({ kind: 'text', text: 'did my call reach you?' });
    expect(await listed()).toEqual([{ kind: 'text', text: 'did my call reach you?' }]);
    const added = eventsOf(alice, 'message.added') as Array<{ kind: string; conversationId: string }>;
    expect(added.filter((m) => m.conversationId === id && m.kind !== 'system').map((m) => m.kind)).toEqual(['text']);
    const notified = eventsOf(alice, 'notify') as Array<{ conversationId: string; body: string }>;
    expect(notified.filter((n) => n.conversationId === id)).toHaveLength(1);
  });
});
