import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { beforeAll, describe, expect, it } from 'vitest';
import type { StoredMessage } from '../../electron/core/ipc/contract';
import { seriousA11yViolations } from '../host/axe';
import { RENDERER_HEADERS } from '../host/headers';
import type { TestClient } from '../host/testHost';
import { useTestHost } from '../host/testHost';
import { useTestServer } from '../support/testServer';
import { bridgeRequest, launchSignedUp } from './support/signUp';

const env = useTestServer('e2e-long-message');
const hostEnv = useTestHost({ headers: RENDERER_HEADERS });
let ada: TestClient;
let conversationId: string;

/** Requests of `channel` the page has sent to the core so far. */
function requestsOf(client: TestClient, channel: string): number {
  return client.sent.filter((m) => typeof m === 'object' && m !== null && Reflect.get(m, 'channel') === channel).length;
}

/** Text of `length` UTF-16 code units that reads like prose. */
function prose(length: number): string {
  const sentence = 'The ridge route climbs past the old hut, then along the scree. ';
  return sentence.repeat(Math.ceil(length / sentence.length)).slice(0, length - 1) + '.';
}

beforeAll(async () => {
  ada = await launchSignedUp(hostEnv.host, env.server, env.root, { profile: 'ada', email: 'ada@example.test', name: 'Ada Fern' });
  const created = await bridgeRequest(ada.page, 'conversations.create', { name: 'Base camp', members: [] });
  if (!created.ok) throw new Error(created.error?.message);
  conversationId = (created.value as { id: string }).id;
  await ada.page.getByTestId('conversation-item').click();
});

describe('a message over the length limit (issue 17, defect 3)', () => {
  it('counts down near the limit, refuses plainly over it without asking the core, and sends the text as a file instead', async () => {
    const a = ada.page;
    const composer = a.getByLabel('Message Base camp');
    await composer.fill(prose(7_800));
    await expect.poll(() => a.getByTestId('length-counter').textContent()).toBe('200 characters left');
    await ada.screenshots('composer-length-counter');

    const long = prose(8_012);
    await composer.fill(long);
    const notice = a.getByTestId('too-long');
    await expect.poll(() => notice.textContent()).toContain('This message is 12 characters too long to send as text (at most 8,000)');
    expect(await a.getByRole('button', { name: 'Send', exact: true }).isDisabled()).toBe(true);
    const sendsBefore = requestsOf(ada, 'messages.send');
    await composer.press('Enter');
    // Nothing was sent and no error from the core appears; the text stays to be shortened or sent as a file.
    expect(requestsOf(ada, 'messages.send')).toBe(sendsBefore);
    expect(await a.getByRole('alert').count()).toBe(0);
    expect(await composer.inputValue()).toBe(long);
    expect(await seriousA11yViolations(a)).toEqual([]);
    await ada.screenshots('composer-too-long');

    await notice.getByRole('button', { name: 'Send as a file' }).click();
    await expect.poll(() => composer.inputValue()).toBe('');
    await expect.poll(() => a.getByTestId('message').last().textContent(), { timeout: 15_000 }).toContain('Message.txt');
    const listed = await bridgeRequest(a, 'messages.list', { conversationId, limit: 10 });
    const last = (listed.value as { messages: StoredMessage[] }).messages.at(-1);
    expect(last).toMatchObject({ kind: 'asset', asset: { name: 'Message.txt', size: Buffer.byteLength(long, 'utf8') } });
    // The plaintext file the core wrote to send is gone again.
    expect((await readdir(tmpdir())).filter((name) => name.startsWith('cairn-text-'))).toEqual([]);
    await ada.screenshots('composer-sent-as-file');
  });
});
