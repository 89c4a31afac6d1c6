/**
 * `npm start`'s local server sends no real e-mail: its development mailer writes each mail as a
 * JSON file into `<server data>/outbox/` (server/mail/outboxMailer.ts). Registering in the app
 * asks for the code from that mail, so `npm start` watches the folder and shows each new mail
 * (and so its code) in the terminal, as an inbox would. Only mails that arrive while watching
 * are shown: older codes are stale.
 */
import { type FSWatcher, watch } from 'node:fs';
import { mkdir, readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';

const OutboxMailSchema = z.object({
  to: z.string(),
  subject: z.string(),
  text: z.string(),
});

/** The part of a development mail a person needs to carry on. */
export type OutboxMail = z.infer<typeof OutboxMailSchema>;

/** For the terminal: who it was for and the subject, then the body (which holds the code) indented. */
export function describeMail(mail: OutboxMail): string {
  const body = mail.text.split('\n').map((line) => `       ${line}`);
  return [`[mail] to ${mail.to}: ${mail.subject}`, ...body].join('\n');
}

export interface OutboxWatch {
  close(): void;
}

/**
 * Calls `onMail` once for each mail file that appears in `directory` after this call (in the
 * order the mailer wrote them). Files written under a temporary dot-name and renamed, as the
 * mailer does, are seen only once complete. Unreadable files are skipped, not fatal.
 */
export async function watchOutbox(directory: string, onMail: (mail: OutboxMail) => void): Promise<OutboxWatch> {
  await mkdir(directory, { recursive: true });
  const seen = new Set(await mailFiles(directory));
  let scanning = Promise.resolve();
  // Any change rescans the folder: fs.watch may coalesce events or omit the file name.
  const rescan = (): void => {
    scanning = scanning.then(async () => {
      for (const file of await mailFiles(directory)) {
        if (seen.has(file)) continue;
        seen.add(file);
        const mail = await readMail(path.join(directory, file));
        if (mail) onMail(mail);
      }
    });
  };
  const watcher: FSWatcher = watch(directory, rescan);
  watcher.on('error', () => watcher.close());
  return { close: () => watcher.close() };
}

async function mailFiles(directory: string): Promise<readonly string[]> {
  const names = await readdir(directory).catch(() => []);
  // The mailer's names start with the time and a sequence number, so sorting keeps the order.
  return names.filter((name) => name.endsWith('.json') && !name.startsWith('.')).sort();
}

async function readMail(file: string): Promise<OutboxMail | undefined> {
  try {
    const parsed = OutboxMailSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
