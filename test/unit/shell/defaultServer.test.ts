import { describe, expect, it } from 'vitest';
import { defaultServerFromEnv } from '../../../electron/main/defaultServer';

const A = `sha256/${'A'.repeat(43)}=`;
const B = `sha256/${'B'.repeat(43)}=`;

describe('default server from the environment', () => {
  it('pre-fills the server with its current and backup pins', () => {
    expect(defaultServerFromEnv({ CAIRN_SERVER_URL: ' https://127.0.0.1:8443 ', CAIRN_SERVER_PINS: `${A}, ${B},` })).toEqual({
      url: 'https://127.0.0.1:8443',
      pins: [A, B],
    });
  });

  it('reads the pins as every list of pins is read: spaces and new lines separate, repeats drop', () => {
    expect(defaultServerFromEnv({ CAIRN_SERVER_URL: 'https://x.example', CAIRN_SERVER_PINS: `${A}\n${B} ${A}` })?.pins).toEqual([A, B]);
  });

  it('pre-fills nothing when either is missing or the pins are not pins: a server without pins is never trusted', () => {
    expect(defaultServerFromEnv({ CAIRN_SERVER_URL: 'https://x.example' })).toBeNull();
    expect(defaultServerFromEnv({ CAIRN_SERVER_PINS: A })).toBeNull();
    expect(defaultServerFromEnv({ CAIRN_SERVER_URL: 'https://x.example', CAIRN_SERVER_PINS: `${A},sha256/a=` })).toBeNull();
    expect(defaultServerFromEnv({})).toBeNull();
  });
});
