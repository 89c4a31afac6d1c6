import { describe, expect, it } from 'vitest';
import type { SigningDecision } from '../../../build/releaseSigning.cjs';
import { UNSIGNED_DEV_BUILD_ENV, decideSigning, platformsFromArgv, withSigning } from '../../../build/releaseSigning.cjs';

const MAC_CERT = { CSC_LINK: 'base64-p12', CSC_KEY_PASSWORD: 'secret' };
const MAC_NOTARY = { APPLE_ID: 'release@example.org', APPLE_APP_SPECIFIC_PASSWORD: 'abcd-efgh', APPLE_TEAM_ID: 'TEAM123456' };
const WIN_CERT = { WIN_CSC_LINK: 'base64-pfx', WIN_CSC_KEY_PASSWORD: 'secret' };
const AZURE = {
  CAIRN_AZURE_SIGN_ENDPOINT: 'https://weu.codesigning.azure.net',
  CAIRN_AZURE_SIGN_ACCOUNT: 'cairn-signing',
  CAIRN_AZURE_SIGN_PROFILE: 'cairn-public',
  CAIRN_AZURE_SIGN_PUBLISHER: 'Cairn contributors',
  AZURE_TENANT_ID: 'tenant',
  AZURE_CLIENT_ID: 'client',
  AZURE_CLIENT_SECRET: 'client-secret',
};

function refusal(decision: SigningDecision): string {
  if (decision.kind !== 'refused') throw new Error(`expected a refusal, got ${decision.kind}`);
  return decision.reason;
}

describe('release signing decision', () => {
  it('refuses a macOS build without a Developer ID certificate or notarisation credentials, naming both', () => {
    const reason = refusal(decideSigning({}, ['mac']));
    expect(reason).toContain('macOS: CSC_LINK or CSC_NAME');
    expect(reason).toContain('notarisation');
    expect(reason).toContain(`${UNSIGNED_DEV_BUILD_ENV}=1`);
  });

  it('refuses a signed but un-notarised macOS build', () => {
    const reason = refusal(decideSigning(MAC_CERT, ['mac']));
    expect(reason).toContain('notarisation');
    expect(reason).not.toContain('CSC_LINK or CSC_NAME');
  });

  it('treats an empty secret (a fork without the secret) as missing', () => {
    expect(decideSigning({ ...MAC_CERT, CSC_LINK: '', ...MAC_NOTARY }, ['mac']).kind).toBe('refused');
  });

  it('accepts each of the three notarisation credential forms', () => {
    for (const notary of [
      MAC_NOTARY,
      { APPLE_API_KEY: '/keys/AuthKey.p8', APPLE_API_KEY_ID: 'KEYID', APPLE_API_ISSUER: 'issuer' },
      { APPLE_KEYCHAIN_PROFILE: 'cairn-notary' },
    ]) {
      expect(decideSigning({ ...MAC_CERT, ...notary }, ['mac'])).toEqual({ kind: 'signed', azureSignOptions: null });
    }
  });

  it('refuses a Windows build without a certificate or a complete Azure Trusted Signing account', () => {
    expect(refusal(decideSigning({}, ['win']))).toContain('Windows: WIN_CSC_LINK');
    const partial = refusal(decideSigning({ CAIRN_AZURE_SIGN_ENDPOINT: AZURE.CAIRN_AZURE_SIGN_ENDPOINT }, ['win']));
    expect(partial).toContain('AZURE_CLIENT_SECRET');
    expect(partial).toContain('CAIRN_AZURE_SIGN_ACCOUNT');
  });

  it('signs Windows with a certificate file or with Azure Trusted Signing', () => {
    expect(decideSigning(WIN_CERT, ['win'])).toEqual({ kind: 'signed', azureSignOptions: null });
    expect(decideSigning(AZURE, ['win'])).toEqual({
      kind: 'signed',
      azureSignOptions: {
        endpoint: AZURE.CAIRN_AZURE_SIGN_ENDPOINT,
        codeSigningAccountName: AZURE.CAIRN_AZURE_SIGN_ACCOUNT,
        certificateProfileName: AZURE.CAIRN_AZURE_SIGN_PROFILE,
        publisherName: AZURE.CAIRN_AZURE_SIGN_PUBLISHER,
      },
    });
  });

  it('checks every platform being built, not only the first', () => {
    const reason = refusal(decideSigning({ ...MAC_CERT, ...MAC_NOTARY }, ['mac', 'win', 'linux']));
    expect(reason).toContain('Windows:');
    expect(reason).not.toContain('macOS:');
  });

  it('does not take the Apple certificate in CSC_LINK for Windows when both are built at once', () => {
    expect(decideSigning({ CSC_LINK: 'base64-pfx' }, ['win'])).toEqual({ kind: 'signed', azureSignOptions: null });
    expect(decideSigning({ ...MAC_CERT, ...MAC_NOTARY, ...WIN_CERT }, ['mac', 'win'])).toEqual({ kind: 'signed', azureSignOptions: null });
  });

  it('needs no OS credentials for Linux packages, which the release key signs afterwards', () => {
    expect(decideSigning({}, ['linux'])).toEqual({ kind: 'signed', azureSignOptions: null });
  });

  it('builds unsigned only when the opt-out is exactly "1", and never from a release tag', () => {
    expect(decideSigning({ [UNSIGNED_DEV_BUILD_ENV]: '1' }, ['mac', 'win'])).toEqual({ kind: 'unsigned-dev' });
    expect(refusal(decideSigning({ [UNSIGNED_DEV_BUILD_ENV]: 'true' }, ['win']))).toContain('exactly "1"');
    expect(refusal(decideSigning({ [UNSIGNED_DEV_BUILD_ENV]: '' }, ['win']))).toContain('Windows: WIN_CSC_LINK');
    expect(refusal(decideSigning({ [UNSIGNED_DEV_BUILD_ENV]: '1', GITHUB_REF: 'refs/tags/v1.2.3' }, ['linux']))).toContain('release tag');
    expect(refusal(decideSigning({ [UNSIGNED_DEV_BUILD_ENV]: '1', GITHUB_REF_TYPE: 'tag' }, ['linux']))).toContain('release tag');
  });
});

describe('platforms on the electron-builder command line', () => {
  it('reads long, short and combined flags, and falls back to the host platform', () => {
    expect(platformsFromArgv(['--mac', '--publish', 'never'], 'linux')).toEqual(['mac']);
    expect(platformsFromArgv(['--win', '--linux'], 'darwin')).toEqual(['win', 'linux']);
    expect(platformsFromArgv(['-mwl'], 'linux').sort()).toEqual(['linux', 'mac', 'win']);
    expect(platformsFromArgv(['--config', 'build/electron-builder.config.cjs'], 'win32')).toEqual(['win']);
    expect(platformsFromArgv([], 'darwin')).toEqual(['mac']);
  });
});

describe('builder config for a signing decision', () => {
  const base = {
    appId: 'im.cairn.desktop',
    productName: 'Cairn',
    mac: { hardenedRuntime: true },
    dmg: { sign: false },
    win: { target: ['nsis'], signtoolOptions: { signingHashAlgorithms: ['sha256'] } },
    publish: [{ provider: 'github' }],
  };

  it('forces signing, notarises and signs the DMG for a release', () => {
    const config = withSigning(base, { kind: 'signed', azureSignOptions: null });
    expect(config).toMatchObject({
      appId: 'im.cairn.desktop',
      forceCodeSigning: true,
      mac: { hardenedRuntime: true, notarize: true },
      dmg: { sign: true },
      win: { signtoolOptions: { signingHashAlgorithms: ['sha256'] } },
      extraMetadata: { cairnBuild: 'release' },
      publish: [{ provider: 'github' }],
    });
  });

  it('uses Azure Trusted Signing instead of signtool options when chosen (electron-builder takes one or the other)', () => {
    const azure = { endpoint: 'https://e', codeSigningAccountName: 'a', certificateProfileName: 'p', publisherName: 'n' };
    const config = withSigning(base, { kind: 'signed', azureSignOptions: azure });
    expect(config.win).toEqual({ target: ['nsis'], azureSignOptions: azure });
  });

  it('marks an unsigned build in its id, name, files and metadata, and gives it nowhere to publish', () => {
    const config = withSigning(base, { kind: 'unsigned-dev' });
    expect(config).toMatchObject({
      appId: 'im.cairn.desktop.unsigned-dev',
      productName: 'Cairn Unsigned Dev',
      forceCodeSigning: false,
      mac: { identity: null, notarize: false },
      extraMetadata: { cairnBuild: 'unsigned-dev' },
      publish: null,
    });
    expect(String(config.artifactName)).toContain('UNSIGNED-DEV');
  });

  it('throws the refusal, so electron-builder stops before packaging anything', () => {
    expect(() => withSigning(base, { kind: 'refused', reason: 'Missing: Windows: WIN_CSC_LINK' })).toThrow('Missing: Windows: WIN_CSC_LINK');
  });
});
