import { describe, expect, it } from 'vitest';
import { isLoopbackHost, janusExchange } from '../../../electron/core/net/janusTransport';

describe('which SFU addresses the core accepts', () => {
  it('accepts plain http only on loopback', () => {
    expect(['127.0.0.1', '127.0.0.2', '[::1]', 'localhost'].every(isLoopbackHost)).toBe(true);
    expect(['10.0.0.1', '128.0.0.1', 'sfu.example', '127.0.0.1.example'].some(isLoopbackHost)).toBe(false);
    expect(janusExchange('http://127.0.0.1:8088/janus', []).ok).toBe(true);
    expect(janusExchange('http://sfu.example:8088/janus', [])).toMatchObject({ ok: false, error: { code: 'sfu-bad-url' } });
  });

  it('accepts https only with a pin to check the key against', () => {
    expect(janusExchange('https://sfu.example/janus', [])).toMatchObject({ ok: false, error: { code: 'sfu-bad-url' } });
    const pinned = janusExchange('https://sfu.example/janus', ['sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=']);
    expect(pinned.ok).toBe(true);
    if (pinned.ok) pinned.value.close();
  });

  it('refuses other schemes', () => {
    expect(janusExchange('ws://127.0.0.1:8188/', [])).toMatchObject({ ok: false, error: { code: 'sfu-bad-url' } });
  });
});
