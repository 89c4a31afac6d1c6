import { describe, expect, it } from 'vitest';
import type { Handlers } from '../../electron/core/ipc/router';
import { createRouter } from '../../electron/core/ipc/router';
import { CoreError } from '../../electron/core/ipc/errors';
import { testHandlers } from '../support/handlers';

const PIN = `sha256/${'A'.repeat(43)}=`;

function handlers(overrides: Partial<Handlers> = {}): Handlers {
  return testHandlers({
    'app.info': () => ({
      name: 'Cairn',
      version: '0.0.0-test',
      apiVersion: 1,
      platform: 'linux',
      arch: 'x64',
      runtime: 'node',
      defaultServer: null,
      builtInServer: null,
      managed: { alwaysRelay: false },
    }),
    'app.ping': ({ nonce }) => ({ nonce, receivedAt: 1 }),
    'server.probe': () => ({ domain: 'example.test', apiVersion: 1, latencyMs: 3 }),
    ...overrides,
  });
}

describe('IPC router', () => {
  it('answers a valid request with a typed value', async () => {
    const router = createRouter(handlers());
    expect(await router.handle('app.ping', { nonce: 'n1' })).toEqual({ ok: true, value: { nonce: 'n1', receivedAt: 1 } });
  });

  it.each([['no.such.channel'], [''], [42], [null], [undefined], [{}], ['__proto__'], ['constructor'], ['toString']])(
    'returns ipc-unknown-channel for channel %j',
    async (channel) => {
      const result = await createRouter(handlers()).handle(channel, {});
      expect(result).toMatchObject({ ok: false, error: { code: 'ipc-unknown-channel' } });
    },
  );

  it.each([
    ['missing field', {}],
    ['wrong type', { nonce: 7 }],
    ['extra field', { nonce: 'x', admin: true }],
    ['not an object', 'ping'],
    ['null', null],
    ['oversized string', { nonce: 'x'.repeat(10_000) }],
  ])('returns ipc-invalid-request for a malformed payload (%s) and never calls the handler', async (_name, payload) => {
    let called = false;
    const router = createRouter(
      handlers({
        'app.ping': ({ nonce }) => {
          called = true;
          return { nonce, receivedAt: 1 };
        },
      }),
    );
    const result = await router.handle('app.ping', payload);
    expect(result).toMatchObject({ ok: false, error: { code: 'ipc-invalid-request' } });
    expect(called).toBe(false);
  });

  it('names the offending field in the error message', async () => {
    const result = await createRouter(handlers()).handle('server.probe', { url: 'http://plain.example', pins: [PIN] });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toContain('url');
  });

  it('turns a CoreError into its code and sentence', async () => {
    const router = createRouter(
      handlers({
        'server.probe': () => {
          throw new CoreError('tls-pin-mismatch');
        },
      }),
    );
    const result = await router.handle('server.probe', { url: 'https://server.example', pins: [PIN] });
    expect(result).toMatchObject({ ok: false, error: { code: 'tls-pin-mismatch' } });
    if (!result.ok) expect(result.error.message).toMatch(/Nothing was sent/);
  });

  it('hides unexpected failures behind code internal, with no stack trace, and reports them', async () => {
    const reported: string[] = [];
    const router = createRouter(
      handlers({
        'app.info': () => {
          throw new TypeError('secret detail at /home/user/file.ts:12');
        },
      }),
      { onInternalError: (channel) => reported.push(channel) },
    );
    const result = await router.handle('app.info', {});
    expect(result).toMatchObject({ ok: false, error: { code: 'internal' } });
    if (!result.ok) expect(result.error.message).not.toMatch(/secret detail|file\.ts/);
    expect(reported).toEqual(['app.info']);
  });

  it('refuses to pass on a handler response that breaks the contract', async () => {
    const router = createRouter(
      handlers({
        // The contract says latencyMs is non-negative.
        'server.probe': () => ({ domain: 'x', apiVersion: 1, latencyMs: -1 }),
      }),
    );
    const result = await router.handle('server.probe', { url: 'https://server.example', pins: [PIN] });
    expect(result).toMatchObject({ ok: false, error: { code: 'internal' } });
  });
});
