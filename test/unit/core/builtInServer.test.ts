import { describe, expect, it } from 'vitest';
import { serverToUse } from '../../../electron/core/net/builtInServer';

const A = `sha256/${'A'.repeat(43)}=`;
const B = `sha256/${'B'.repeat(43)}=`;
const C = `sha256/${'C'.repeat(43)}=`;
const BUILT_IN = { url: 'https://chat.example.org', pins: [A, B] };

describe('which server a request from the page may use', () => {
  it('uses what the page asks for in a build without a built-in server', () => {
    const requested = { url: 'https://other.example', pins: [C] };
    expect(serverToUse(null, requested)).toEqual({ ok: true, server: requested });
  });

  it('uses the built-in server when the page names it with exactly its pins', () => {
    expect(serverToUse(BUILT_IN, { url: 'https://chat.example.org', pins: [A, B] })).toEqual({ ok: true, server: BUILT_IN });
    expect(serverToUse(BUILT_IN, { url: 'https://CHAT.example.org/', pins: [B, A] })).toEqual({ ok: true, server: BUILT_IN });
  });

  it('refuses another server, other pins, fewer pins or more pins', () => {
    for (const requested of [
      { url: 'https://evil.example', pins: [A, B] },
      { url: 'https://chat.example.org:8443', pins: [A, B] },
      { url: 'https://chat.example.org/other', pins: [A, B] },
      { url: 'https://chat.example.org', pins: [C] },
      { url: 'https://chat.example.org', pins: [A] },
      { url: 'https://chat.example.org', pins: [A, B, C] },
    ]) {
      expect(serverToUse(BUILT_IN, requested), JSON.stringify(requested)).toEqual({ ok: false, code: 'server-built-in' });
    }
  });
});
