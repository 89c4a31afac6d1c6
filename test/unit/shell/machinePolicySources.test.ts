import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../build/bundle';
import type { PolicyRead } from '../../../electron/main/machinePolicySources';
import { parseManagedPreferencesPlist, parsePolicyJson, parseRegQuery } from '../../../electron/main/machinePolicySources';

const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'policy');
const PIN_A = 'sha256/ngdTF627lq9UPUI1ZU3HRg2L5invzAF38+3oR+fHlVU=';
const PIN_B = 'sha256/fyj+KICYkyj+3oWWl30HqEC3CfevAVXs3ncouIizAQc=';

const fixture = (name: string): Promise<string> => readFile(path.join(FIXTURES, name), 'utf8');

function reason(read: PolicyRead): string {
  if (read.kind !== 'invalid') throw new Error(`expected an invalid policy, got ${read.kind}`);
  return read.reason;
}

function policyOf(read: PolicyRead) {
  if (read.kind !== 'policy') throw new Error(`expected a policy, got ${read.kind}${read.kind === 'invalid' ? `: ${read.reason}` : ''}`);
  return read.policy;
}

const EXPECTED = {
  server: { url: 'https://chat.example.org', pins: [PIN_A, PIN_B] },
  appLock: { required: true, maxAutoLockSeconds: 300 },
  updates: { enabled: true, feedUrl: 'https://updates.example.org/cairn' },
  calls: { alwaysRelay: true },
  files: { openAllowList: ['pdf', 'png', 'txt'] },
};

describe('machine policy sources', () => {
  it('maps the Windows registry, macOS managed preferences and Linux policy file to the same policy', async () => {
    const windows = parseRegQuery(await fixture('windows-reg-query.txt'));
    const mac = parseManagedPreferencesPlist(await fixture('macos-managed-preferences.plist'));
    const linux = parsePolicyJson(await fixture('linux-policy.json'));
    expect(policyOf(windows)).toEqual(EXPECTED);
    expect(policyOf(mac)).toEqual(EXPECTED);
    expect(policyOf(linux)).toEqual(EXPECTED);
  });

  it('names the values it does not know and ignores them (a newer template, MDM bookkeeping)', async () => {
    const mac = parseManagedPreferencesPlist(await fixture('macos-managed-preferences.plist'));
    expect(mac.kind === 'policy' && mac.ignored).toEqual(['PayloadUUID']);
    const linux = parsePolicyJson(JSON.stringify({ AlwaysRelayCalls: true, FutureSetting: 'x' }));
    expect(linux).toEqual({ kind: 'policy', source: 'linux-policy-file', policy: { calls: { alwaysRelay: true } }, ignored: ['FutureSetting'] });
  });

  it('reads no policy when the key, the preferences or the file do not exist', () => {
    expect(parseRegQuery(null)).toEqual({ kind: 'none' });
    expect(parseManagedPreferencesPlist(null)).toEqual({ kind: 'none' });
    expect(parsePolicyJson(null)).toEqual({ kind: 'none' });
  });

  it('refuses a server without https, naming the value', () => {
    const read = parsePolicyJson(JSON.stringify({ ServerUrl: 'http://chat.example.org', ServerPins: [PIN_A] }));
    expect(reason(read)).toMatch(/^ServerUrl: must be an https:\/\/ address/);
  });

  it('refuses a server without pins, and pins without a server', () => {
    expect(reason(parsePolicyJson(JSON.stringify({ ServerUrl: 'https://chat.example.org' })))).toContain('ServerUrl and ServerPins must be set together');
    expect(reason(parsePolicyJson(JSON.stringify({ ServerPins: [PIN_A] })))).toContain('ServerUrl and ServerPins must be set together');
  });

  it('refuses a pin that is not a pin', () => {
    const read = parseRegQuery(`\r\nHKEY_LOCAL_MACHINE\\Software\\Policies\\Cairn\r\n    ServerUrl    REG_SZ    https://chat.example.org\r\n    ServerPins    REG_SZ    sha256/short\r\n`);
    expect(reason(read)).toMatch(/^ServerPins: a pin looks like/);
  });

  it('refuses a registry DWORD other than 0 or 1 for a switch, and a text where a number belongs', () => {
    const dword = parseRegQuery(`HKEY_LOCAL_MACHINE\\Software\\Policies\\Cairn\r\n    AppLockRequired    REG_DWORD    0x2\r\n`);
    expect(reason(dword)).toBe('AppLockRequired must be true or false (1 or 0).');
    expect(reason(parsePolicyJson(JSON.stringify({ MaxAutoLockSeconds: '300' })))).toBe('MaxAutoLockSeconds must be a whole number.');
  });

  it('refuses an auto-lock limit of zero or over a day', () => {
    expect(reason(parsePolicyJson(JSON.stringify({ MaxAutoLockSeconds: 0 })))).toMatch(/^MaxAutoLockSeconds:/);
    expect(reason(parsePolicyJson(JSON.stringify({ MaxAutoLockSeconds: 86_401 })))).toMatch(/^MaxAutoLockSeconds:/);
  });

  it('refuses an update feed that is not https', () => {
    expect(reason(parsePolicyJson(JSON.stringify({ UpdateFeedUrl: 'http://mirror.example.org/' })))).toMatch(/^UpdateFeedUrl:/);
  });

  it('refuses a file that is not one JSON object', () => {
    expect(reason(parsePolicyJson('{'))).toBe('policy.json is not JSON.');
    expect(reason(parsePolicyJson('[]'))).toBe('policy.json must hold one object of named values.');
  });

  it('refuses a plist value of a type Cairn does not read', () => {
    const xml = '<plist version="1.0"><dict><key>AlwaysRelayCalls</key><date>2026-01-01T00:00:00Z</date></dict></plist>';
    expect(reason(parseManagedPreferencesPlist(xml))).toBe('AlwaysRelayCalls has a value of type date, which Cairn does not read.');
  });

  it('decodes XML entities in plist text', () => {
    const xml = `<plist version="1.0"><dict><key>ServerUrl</key><string>https://chat.example.org/a&amp;b</string><key>ServerPins</key><string>${PIN_A}</string></dict></plist>`;
    expect(policyOf(parseManagedPreferencesPlist(xml)).server?.url).toBe('https://chat.example.org/a&b');
  });

  it('takes a list as one comma-separated string too (REG_SZ, a plist string)', () => {
    const read = parseRegQuery(`HKEY_LOCAL_MACHINE\\Software\\Policies\\Cairn\n    OpenAllowList    REG_SZ    pdf, jpg;txt\n`);
    expect(policyOf(read)).toEqual({ files: { openAllowList: ['pdf', 'jpg', 'txt'] } });
  });
});
