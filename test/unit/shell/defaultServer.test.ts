import { describe, expect, it } from 'vitest';
import { defaultServerFromEnv } from '../../../electron/main/defaultServer';

describe('default server from the environment', () => {
  it('pre-fills the server when both address and pins are given', () => {
    expect(
      defaultServerFromEnv({ CAIRN_SERVER_URL: ' https://127.0.0.1:8443 ', CAIRN_SERVER_PINS: 'sha256/a=, sha256/b=,' }),
    ).toEqual({ url: 'https://127.0.0.1:8443', pins: ['sha256/a=', 'sha256/b='] });
  });

  it('pre-fills nothing when either is missing: a server without pins is never trusted', () => {
    expect(defaultServerFromEnv({ CAIRN_SERVER_URL: 'https://x.example' })).toBeNull();
    expect(defaultServerFromEnv({ CAIRN_SERVER_PINS: 'sha256/a=' })).toBeNull();
    expect(defaultServerFromEnv({})).toBeNull();
  });
});
