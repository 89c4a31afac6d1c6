import { describe, expect, it } from 'vitest';
import { createLogger } from '../../electron/core/log';

describe('core logger', () => {
  it('never writes values under secret-looking keys, at any depth', () => {
    const lines: string[] = [];
    const log = createLogger('test', (line) => lines.push(line), 'debug');
    log.info('login', {
      email: 'a@example.test',
      password: 'hunter2-Secret!',
      nested: { accessToken: 'tok-123', cookie: 'zuid=abc', dbKey: 'deadbeef', passphrase: 'pp' },
      list: [{ secret: 's3' }],
      verificationCode: '123456',
      code: 'mls-duplicate',
    });
    const text = lines.join('\n');
    for (const secret of ['hunter2-Secret!', 'tok-123', 'zuid=abc', 'deadbeef', 'pp"', 's3', '123456']) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain('a@example.test');
    // Error codes are not secrets and stay readable.
    expect(text).toContain('mls-duplicate');
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ level: 'info', scope: 'test', message: 'login' });
  });

  it('logs errors by name and message only, without stack traces', () => {
    const lines: string[] = [];
    createLogger('test', (line) => lines.push(line)).error('failed', { error: new TypeError('bad thing') });
    expect(JSON.parse(lines[0] ?? '{}').error).toEqual({ name: 'TypeError', message: 'bad thing' });
    expect(lines[0]).not.toContain('    at ');
  });

  it('drops messages below the chosen level', () => {
    const lines: string[] = [];
    const log = createLogger('test', (line) => lines.push(line), 'warn');
    log.info('quiet');
    log.warn('loud');
    expect(lines).toHaveLength(1);
  });
});
