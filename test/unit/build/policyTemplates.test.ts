import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../build/bundle';
import { POLICY_KEYS, parseManagedPreferencesPlist, parsePolicyJson } from '../../../electron/main/machinePolicySources';

const POLICY_DIR = path.join(REPO_ROOT, 'build', 'policy');
const read = (name: string): Promise<string> => readFile(path.join(POLICY_DIR, name), 'utf8');
const KNOWN = Object.keys(POLICY_KEYS).sort();

describe('Group Policy template (ADMX/ADML)', () => {
  it('writes exactly the value names Cairn reads, under HKLM\\Software\\Policies\\Cairn, as machine policies', async () => {
    const admx = await read('cairn.admx');
    const valueNames = [...admx.matchAll(/valueName="([^"]+)"/g)].map((match) => match[1]);
    expect([...new Set(valueNames)].sort()).toEqual(KNOWN);
    expect([...new Set([...admx.matchAll(/key="([^"]+)"/g)].map((match) => match[1]))]).toEqual(['Software\\Policies\\Cairn']);
    expect([...new Set([...admx.matchAll(/class="([^"]+)"/g)].map((match) => match[1]))]).toEqual(['Machine']);
  });

  it('has every string and presentation the ADMX refers to in the en-US ADML', async () => {
    const admx = await read('cairn.admx');
    const adml = await read(path.join('en-US', 'cairn.adml'));
    for (const [, id] of admx.matchAll(/\$\(string\.([^)]+)\)/g)) expect(adml).toContain(`<string id="${id}">`);
    for (const [, id] of admx.matchAll(/\$\(presentation\.([^)]+)\)/g)) expect(adml).toContain(`<presentation id="${id}">`);
    for (const [, id] of adml.matchAll(/refId="([^"]+)"/g)) expect(admx).toContain(`id="${id}"`);
  });
});

describe('example macOS profile and Linux policy file', () => {
  it('carries a settings payload for im.cairn.desktop that reads as a valid policy with every key', async () => {
    const profile = await read('cairn.mobileconfig');
    const inner = /<key>PayloadContent<\/key>\s*<array>\s*<dict>([\s\S]*?)<\/dict>\s*<\/array>/.exec(profile)?.[1] ?? '';
    expect(inner).toContain('<string>im.cairn.desktop</string>');
    const managed = parseManagedPreferencesPlist(`<plist version="1.0"><dict>${inner}</dict></plist>`);
    if (managed.kind !== 'policy') throw new Error(managed.kind === 'invalid' ? managed.reason : 'no policy');
    expect(managed.ignored.every((name) => name.startsWith('Payload'))).toBe(true);
    expect(Object.keys(managed.policy).sort()).toEqual(['appLock', 'calls', 'files', 'server', 'updates']);
  });

  it('has an example /etc/cairn/policy.json that reads as a valid policy', async () => {
    expect(parsePolicyJson(await read('policy.example.json'))).toMatchObject({ kind: 'policy', ignored: [] });
  });
});
