import { randomBytes } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Mail, Mailer } from './mailer';

/**
 * Development/test mailer: one JSON file per mail in `DIR/outbox/`. Files are written under a
 * temporary name and renamed so a reader never sees half a mail.
 */
export class OutboxMailer implements Mailer {
  private sequence = 0;

  constructor(private readonly directory: string) {}

  async send(mail: Mail): Promise<void> {
    await mkdir(this.directory, { recursive: true });
    this.sequence += 1;
    const name = `${Date.now()}-${String(this.sequence).padStart(6, '0')}-${randomBytes(4).toString('hex')}.json`;
    const temporary = path.join(this.directory, `.${name}.tmp`);
    await writeFile(temporary, JSON.stringify({ ...mail, date: new Date().toISOString() }, null, 2));
    await rename(temporary, path.join(this.directory, name));
  }

  async close(): Promise<void> {}
}
