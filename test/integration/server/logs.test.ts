import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AssetSchema } from '../../../protocol';
import { lastCode } from './support/mail';
import { startTestServer } from './support/server';
import { openPushSocket } from './support/socket';
import { addClient, registerUser, uniqueEmail } from './support/users';

describe('structured logs', () => {
  it('are JSON lines that never contain passwords, codes, tokens, cookies or asset tokens', async () => {
    const stream = new PassThrough();
    let text = '';
    stream.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
    });
    const t = await startTestServer({ logLevel: 'debug', logStream: stream });
    try {
      const email = uniqueEmail();
      const user = await registerUser(t.api, t.dataDir, 'Logged', email);
      const code = await lastCode(t.dataDir, email, 'activation');
      const client = await addClient(t.api, user);
      const socket = await openPushSocket(t.api, client.clientToken);
      socket.close();
      const viaQuery = await t.api.get(`/await?access_token=${encodeURIComponent(client.clientToken)}`);
      expect(viaQuery.status).toBeLessThan(500);
      const asset = AssetSchema.parse((await t.api.post('/assets', { token: user.token, rawBody: randomBytes(10), contentType: 'application/octet-stream' })).body);
      await t.api.post('/login', { body: { email, password: 'Wrong-guess-1' } });
      const secrets = [user.password, 'Wrong-guess-1', code, user.token, client.clientToken, user.cookie.split('=')[1] ?? '', client.cookie.split('=')[1] ?? '', asset.token];
      const lines = text.trim().split('\n');
      expect(lines.length).toBeGreaterThan(10);
      for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
      for (const secret of secrets) {
        expect(secret.length).toBeGreaterThan(5);
        expect(text.includes(secret), `log leaks ${secret.slice(0, 6)}…`).toBe(false);
      }
      expect(text).toContain('"event":"client-added"');
    } finally {
      await t.stop();
    }
  });
});
