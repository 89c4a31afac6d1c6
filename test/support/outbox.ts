import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/** The newest code the server's development mailer sent to `email` (polls up to 10 s). */
export async function mailedCode(serverDataDir: string, email: string): Promise<string> {
  const outbox = path.join(serverDataDir, 'outbox');
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const files = (await readdir(outbox).catch(() => [])).filter((f) => f.endsWith('.json')).sort().reverse();
    for (const file of files) {
      const mail: unknown = JSON.parse(await readFile(path.join(outbox, file), 'utf8'));
      if (typeof mail === 'object' && mail !== null && 'to' in mail && mail.to === email && 'code' in mail) {
        return String(mail.code);
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no code mailed to ${email}`);
}
