import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { OutboxMailer } from '../../../server/mail/outboxMailer';
import type { OutboxMail, OutboxWatch } from '../../../scripts/outboxWatch';
import { describeMail, watchOutbox } from '../../../scripts/outboxWatch';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function outboxDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'cairn-outbox-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  return path.join(dir, 'outbox');
}

/** Watches `dir` and resolves with the first `count` mails seen. */
async function collect(dir: string, count: number): Promise<Readonly<{ mails: Promise<OutboxMail[]>; watch: OutboxWatch }>> {
  const seen: OutboxMail[] = [];
  let done: (mails: OutboxMail[]) => void = () => undefined;
  const mails = new Promise<OutboxMail[]>((resolve) => (done = resolve));
  const watch = await watchOutbox(dir, (mail) => {
    seen.push(mail);
    if (seen.length === count) done(seen);
  });
  cleanup.push(async () => watch.close());
  return { mails, watch };
}

describe('npm start shows the local server’s e-mailed codes', () => {
  it('reports each mail the server’s development mailer writes, in order, once', async () => {
    const dir = await outboxDir();
    const { mails } = await collect(dir, 2);
    const mailer = new OutboxMailer(dir);
    await mailer.send({ to: 'erin@example.test', kind: 'activation', code: '314159', subject: 'Your Cairn verification code', text: 'Your Cairn verification code is 314159.' });
    await mailer.send({ to: 'finn@example.test', kind: 'activation', code: '271828', subject: 'Your Cairn verification code', text: 'Your Cairn verification code is 271828.' });
    const got = await mails;
    expect(got.map((mail) => mail.to)).toEqual(['erin@example.test', 'finn@example.test']);
    expect(got.map(describeMail)[0]).toBe('[mail] to erin@example.test: Your Cairn verification code\n       Your Cairn verification code is 314159.');
  });

  it('leaves out mails that were already in the outbox: their codes are stale', async () => {
    const dir = await outboxDir();
    const mailer = new OutboxMailer(dir);
    await mailer.send({ to: 'old@example.test', kind: 'activation', code: '111111', subject: 'Old', text: 'old code 111111' });
    const { mails } = await collect(dir, 1);
    await mailer.send({ to: 'new@example.test', kind: 'activation', code: '222222', subject: 'New', text: 'new code 222222' });
    expect((await mails).map((mail) => mail.to)).toEqual(['new@example.test']);
  });

  it('shows every line of a mail whose code has several parts (a password reset’s key and code)', () => {
    const text = 'If it was you, enter this key and code within one hour:\nkey: k1\ncode: 123456';
    expect(describeMail({ to: 'a@example.test', subject: 'Reset your Cairn password', text }).split('\n')).toEqual([
      '[mail] to a@example.test: Reset your Cairn password',
      '       If it was you, enter this key and code within one hour:',
      '       key: k1',
      '       code: 123456',
    ]);
  });
});
