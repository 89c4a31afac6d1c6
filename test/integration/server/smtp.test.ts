import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { startTestServer } from './support/server';
import { uniqueEmail } from './support/users';

/** A minimal SMTP receiver on loopback: enough of RFC 5321 for one client to deliver mail. */
function fakeSmtp(): Promise<{ port: number; mails: string[]; next: () => Promise<string>; close: () => void }> {
  const mails: string[] = [];
  const waiting: Array<(mail: string) => void> = [];
  const server = net.createServer((socket) => {
    let buffer = '';
    let inData = false;
    socket.write('220 fake ESMTP\r\n');
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      for (let guard = 0; guard < 1000; guard += 1) {
        if (inData) {
          const end = buffer.indexOf('\r\n.\r\n');
          if (end < 0) return;
          const mail = buffer.slice(0, end);
          buffer = buffer.slice(end + 5);
          inData = false;
          mails.push(mail);
          waiting.shift()?.(mail);
          socket.write('250 queued\r\n');
          continue;
        }
        const lineEnd = buffer.indexOf('\r\n');
        if (lineEnd < 0) return;
        const line = buffer.slice(0, lineEnd).toUpperCase();
        buffer = buffer.slice(lineEnd + 2);
        if (line.startsWith('EHLO') || line.startsWith('HELO')) socket.write('250 fake\r\n');
        else if (line.startsWith('DATA')) {
          inData = true;
          socket.write('354 go ahead\r\n');
        } else if (line.startsWith('QUIT')) {
          socket.end('221 bye\r\n');
          return;
        } else socket.write('250 ok\r\n');
      }
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      resolve({
        port,
        mails,
        next: () => new Promise((done) => (mails.length > waiting.length ? done(mails[waiting.length] ?? '') : waiting.push(done))),
        close: () => server.close(),
      });
    });
  });
}

describe('SMTP mailer', () => {
  it('sends registration codes over SMTP when configured, instead of the outbox', async () => {
    const smtp = await fakeSmtp();
    const t = await startTestServer({ smtp: { url: `smtp://127.0.0.1:${smtp.port}`, from: 'cairn@example.org' } });
    try {
      const email = uniqueEmail();
      expect((await t.api.post('/activate/send', { body: { email } })).status).toBe(202);
      const mail = await smtp.next();
      expect(mail).toContain(`To: ${email}`);
      expect(mail).toContain('From: cairn@example.org');
      expect(mail).toMatch(/verification code is [0-9]{6}/);
    } finally {
      await t.stop();
      smtp.close();
    }
  });
});
