import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../../server/server';
import { startServer } from '../../support/testDatabase';
import type { BundledCli, CliRun } from '../../support/cliProcess';
import { bundleCli } from '../../support/cliProcess';
import { mailedCode } from '../../support/outbox';
import { TEST_PASSWORD } from '../../support/serverAccounts';

let root: string;
let server: RunningServer;
let bundled: BundledCli;

function cli(profile: string, args: readonly string[], stdin = ''): Promise<CliRun> {
  return bundled.run(['--profile', path.join(root, profile), '--server', server.url, '--pin', server.pin, ...args], {
    stdin,
    env: { CAIRN_DB_PASSPHRASE: 'cli-profile-passphrase' },
  });
}

async function json(profile: string, args: readonly string[], stdin = ''): Promise<unknown> {
  const run = await cli(profile, [...args, '--json'], stdin);
  if (run.code !== 0) throw new Error(`${args[0]} failed: ${run.stderr}`);
  return JSON.parse(run.stdout);
}

/** Registers and activates a profile; `activate` prints the signed-in account (whoami itself: cliAccount.test.ts). */
async function account(profile: string, email: string, name: string): Promise<string> {
  await json(profile, ['register', '--email', email, '--name', name, '--password-stdin'], TEST_PASSWORD);
  const activated = (await json(profile, ['activate', '--email', email, '--code', await mailedCode(path.join(root, 'server'), email), '--password-stdin'], TEST_PASSWORD)) as {
    user: { id: string; domain: string };
  };
  return `${activated.user.id}@${activated.user.domain}`;
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'cairn-cli-msg-'));
  const [started, cliBundle] = await Promise.all([
    startServer({ dataDir: path.join(root, 'server'), port: 0, logLevel: 'silent' }),
    bundleCli(),
  ]);
  bundled = cliBundle;
  if (!started.ok) throw new Error(started.error.message);
  server = started.value;
});

afterAll(async () => {
  await server?.close();
  await bundled?.remove();
  await rm(root, { recursive: true, force: true });
});

describe('CLI messaging', () => {
  it('creates a conversation, sends, and the other side reads it after a sync', async () => {
    // Each profile is its own process and database, so the two people's steps run side by side
    // wherever neither waits for the other; one profile's commands always run one at a time.
    const [, dave] = await Promise.all([account('carol', 'carol@example.test', 'Carol'), account('dave', 'dave@example.test', 'Dave')]);

    // An address finds only people one knows: Carol reaches Dave with a chat request first.
    const unknown = (await json('carol', ['find-user', 'dave@example.test'])) as { users: Array<{ id: string }> };
    expect(unknown.users).toEqual([]);
    expect(await json('carol', ['chat-request', 'send', 'dave@example.test'])).toEqual({});
    let requests: Array<{ id: string; requester: { name: string } }> = [];
    await expect
      .poll(async () => {
        requests = ((await json('dave', ['chat-request', 'list'])) as { requests: typeof requests }).requests;
        return requests.map((r) => r.requester.name);
      }, { timeout: 20_000 })
      .toEqual(['Carol']);
    const accepted = (await json('dave', ['chat-request', 'accept', requests[0]?.id ?? ''])) as { kind: string; name: string };
    expect(accepted).toMatchObject({ kind: 'one-to-one', name: 'Carol' });
    const found = (await json('carol', ['find-user', 'dave@example.test'])) as { users: Array<{ id: string }> };
    expect(found.users.map((u) => u.id)).toEqual([dave.split('@')[0]]);

    const conversation = (await json('carol', ['create-conversation', '--name', 'Ridge', '--members', dave])) as { id: string };
    const synced = (await json('dave', ['sync'])) as { newConversations: Array<{ id: string; name: string }> };
    expect(synced.newConversations).toEqual([expect.objectContaining({ id: conversation.id, name: 'Ridge' })]);

    await json('carol', ['send', conversation.id, 'Summit', 'by', 'noon']);
    const history = (await json('dave', ['history', conversation.id])) as { messages: Array<{ text: string; kind: string }> };
    expect(history.messages).toEqual([expect.objectContaining({ kind: 'text', text: 'Summit by noon' })]);

    const human = await cli('dave', ['conversations']);
    expect(human.stdout).toContain('Ridge  2 members  — Summit by noon');

    // Files: send from one CLI, download byte-identical from the other.
    const file = path.join(root, 'notes.txt');
    await writeFile(file, 'route notes: left at the cairn, then north');
    const sentFile = (await json('carol', ['send-file', conversation.id, file])) as { asset: { id: string } };
    const afterFile = (await json('dave', ['history', conversation.id])) as { messages: Array<{ kind: string; asset: { id: string } | null }> };
    expect(afterFile.messages.at(-1)).toMatchObject({ kind: 'asset', asset: { id: sentFile.asset.id } });
    const saved = path.join(root, 'dave-notes.txt');
    await json('dave', ['download', sentFile.asset.id, '--out', saved]);
    expect(await readFile(saved, 'utf8')).toBe('route notes: left at the cairn, then north');

    const backup = path.join(root, 'carol.cairnbackup');
    // Receipts depend on when Dave's CLI sent them before exiting; the file record does not.
    expect(await json('carol', ['backup-export', '--out', backup], 'Backup-Pass-1')).toMatchObject({
      encrypted: true,
      messages: 2,
      reactions: 0,
      receipts: expect.any(Number),
      assets: 1,
    });
    const [imported, refused] = await Promise.all([
      json('carol', ['backup-import', backup], 'Backup-Pass-1'),
      cli('dave', ['backup-import', backup, '--json'], 'Backup-Pass-1'),
    ]);
    expect(imported).toMatchObject({
      messagesAdded: 0,
      conversationsAdded: 0,
      reactionsAdded: 0,
      receiptsAdded: 0,
      assetsAdded: 0,
    });
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stderr)).toMatchObject({ error: { code: 'backup-other-user' } });

    // A reply, a knock, and delete for me.
    const summit = history.messages[0] as unknown as { id: string };
    const reply = (await json('dave', ['send', conversation.id, 'on', 'my', 'way', '--reply-to', summit.id])) as { id: string; quote: unknown };
    expect(reply.quote).toMatchObject({ messageId: summit.id, text: 'Summit by noon', edited: false });
    await json('dave', ['knock', conversation.id]);
    // Retry takes only a message of this user that was not sent (the sending itself: resend.test.ts).
    const [notFailed] = await Promise.all([
      cli('dave', ['retry', conversation.id, reply.id, '--json']),
      (async () => {
        const carolSees = await cli('carol', ['history', conversation.id]);
        expect(carolSees.stdout).toContain(`${reply.id}  `);
        expect(carolSees.stdout).toContain('[re: Summit by noon] on my way');
        expect(carolSees.stdout).toContain('[knock]');
        expect(await json('carol', ['hide', conversation.id, summit.id])).toEqual({ hidden: summit.id, synced: true });
        const afterHide = (await json('carol', ['history', conversation.id])) as { messages: Array<{ id: string }> };
        expect(afterHide.messages.map((m) => m.id)).not.toContain(summit.id);
        const noSuch = await cli('carol', ['send', conversation.id, 'hm', '--reply-to', summit.id, '--json']);
        expect(JSON.parse(noSuch.stderr)).toMatchObject({ error: { code: 'message-not-found' } });
        const notMine = await cli('carol', ['retry', conversation.id, reply.id]);
        expect(notMine.stderr).toMatch(/^error message-not-yours: /);
        expect((await cli('carol', ['retry', conversation.id])).stderr).toBe('error usage: retry needs CONV and MESSAGE.\n');
      })(),
    ]);
    expect(notFailed.code).toBe(1);
    expect(JSON.parse(notFailed.stderr)).toMatchObject({ error: { code: 'message-not-failed' } });
  });
});
