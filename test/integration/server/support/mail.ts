import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';

const MailSchema = z.object({ to: z.string(), kind: z.string(), code: z.string().optional(), subject: z.string(), text: z.string() });
export type OutboxMail = z.infer<typeof MailSchema>;

/** All mails in `DIR/outbox/`, oldest first. */
export async function readOutbox(dataDir: string): Promise<OutboxMail[]> {
  const directory = path.join(dataDir, 'outbox');
  let names: string[];
  try {
    names = (await readdir(directory)).filter((name) => name.endsWith('.json')).sort();
  } catch {
    return [];
  }
  return Promise.all(names.map(async (name) => MailSchema.parse(JSON.parse(await readFile(path.join(directory, name), 'utf8')))));
}

/** The newest code mailed to `to` of `kind`; the server writes mail before it answers, so no wait is needed. */
export async function lastCode(dataDir: string, to: string, kind: string): Promise<string> {
  const mails = (await readOutbox(dataDir)).filter((mail) => mail.to === to && mail.kind === kind);
  const code = mails.at(-1)?.code;
  if (code === undefined) throw new Error(`no ${kind} mail to ${to}`);
  return code;
}
