// Whether `electron-builder` may build, and how the result is signed: signed and notarised, or an
// unsigned development build that says so in its name. Fail closed: without credentials for every
// platform being built, and without the named opt-out, the build stops (issue 16, "signed or
// nothing"). Pure functions over the environment and the command line; types in
// releaseSigning.d.cts, tests in test/unit/shell/releaseSigning.test.ts. CommonJS because
// electron-builder loads its config (and so this file) with require().

/** The one switch that allows an unsigned build; it names what it makes. */
const UNSIGNED_DEV_BUILD_ENV = 'CAIRN_UNSIGNED_DEV_BUILD';

/** Our names for the Azure Trusted Signing account (the service reads AZURE_* credentials itself). */
const AZURE_SIGN_ENV = {
  endpoint: 'CAIRN_AZURE_SIGN_ENDPOINT',
  codeSigningAccountName: 'CAIRN_AZURE_SIGN_ACCOUNT',
  certificateProfileName: 'CAIRN_AZURE_SIGN_PROFILE',
  publisherName: 'CAIRN_AZURE_SIGN_PUBLISHER',
};

/** @param {Readonly<Record<string, string | undefined>>} env @param {string} name */
function has(env, name) {
  const value = env[name];
  return typeof value === 'string' && value.trim() !== '';
}

/** @param {Readonly<Record<string, string | undefined>>} env @param {readonly string[]} names */
function missingOf(env, names) {
  return names.filter((name) => !has(env, name));
}

/**
 * The platforms an electron-builder command line builds: its `--mac`/`--win`/`--linux` flags
 * (and the short forms, also combined as in `-mwl`), or the host's own platform when none is given,
 * as electron-builder does.
 * @param {readonly string[]} argv
 * @param {string} hostPlatform process.platform
 * @returns {Array<'mac' | 'win' | 'linux'>}
 */
function platformsFromArgv(argv, hostPlatform) {
  /** @type {Set<'mac' | 'win' | 'linux'>} */
  const found = new Set();
  for (const arg of argv) {
    if (arg === '--mac' || arg === '--macos') found.add('mac');
    else if (arg === '--win' || arg === '--windows') found.add('win');
    else if (arg === '--linux') found.add('linux');
    else if (/^-[a-z]+$/.test(arg)) {
      if (arg.includes('m') || arg.includes('o')) found.add('mac');
      if (arg.includes('w')) found.add('win');
      if (arg.includes('l')) found.add('linux');
    }
  }
  if (found.size > 0) return [...found];
  if (hostPlatform === 'darwin') return ['mac'];
  if (hostPlatform === 'win32') return ['win'];
  return ['linux'];
}

/**
 * macOS: a Developer ID identity (a .p12 in CSC_LINK, or one named in the keychain by CSC_NAME)
 * and notarisation credentials in one of the three forms electron-builder reads.
 * @param {Readonly<Record<string, string | undefined>>} env
 */
function macMissing(env) {
  const missing = [];
  if (!has(env, 'CSC_LINK') && !has(env, 'CSC_NAME')) missing.push('CSC_LINK or CSC_NAME (Developer ID Application certificate)');
  const notarisation = [
    ['APPLE_ID', 'APPLE_APP_SPECIFIC_PASSWORD', 'APPLE_TEAM_ID'],
    ['APPLE_API_KEY', 'APPLE_API_KEY_ID', 'APPLE_API_ISSUER'],
    ['APPLE_KEYCHAIN_PROFILE'],
  ];
  if (!notarisation.some((names) => missingOf(env, names).length === 0)) {
    missing.push('APPLE_ID + APPLE_APP_SPECIFIC_PASSWORD + APPLE_TEAM_ID, or APPLE_API_KEY + APPLE_API_KEY_ID + APPLE_API_ISSUER, or APPLE_KEYCHAIN_PROFILE (notarisation)');
  }
  return missing;
}

/**
 * Windows: Azure Trusted Signing (a cloud HSM; the certificate never leaves it) when its account is
 * named, otherwise an Authenticode certificate file: WIN_CSC_LINK, or CSC_LINK when macOS is not
 * built in the same run (electron-builder falls back to CSC_LINK, which then holds the Apple one).
 * @param {Readonly<Record<string, string | undefined>>} env
 * @param {boolean} alsoMac
 * @returns {{ kind: 'azure', options: Record<string, string> } | { kind: 'certificate' } | { kind: 'missing', missing: string[] }}
 */
function windowsSigning(env, alsoMac) {
  const azureNames = Object.values(AZURE_SIGN_ENV);
  if (azureNames.some((name) => has(env, name))) {
    const missing = missingOf(env, [...azureNames, 'AZURE_TENANT_ID', 'AZURE_CLIENT_ID', 'AZURE_CLIENT_SECRET']);
    if (missing.length > 0) return { kind: 'missing', missing };
    /** @type {Record<string, string>} */
    const options = {};
    for (const [option, name] of Object.entries(AZURE_SIGN_ENV)) options[option] = String(env[name]).trim();
    return { kind: 'azure', options };
  }
  if (has(env, 'WIN_CSC_LINK') || (!alsoMac && has(env, 'CSC_LINK'))) return { kind: 'certificate' };
  return { kind: 'missing', missing: [`WIN_CSC_LINK (Authenticode certificate) or ${azureNames.join(' + ')} with AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET (Azure Trusted Signing)`] };
}

/**
 * What this build may be. Linux packages carry no OS signature; they are signed after the build
 * with the release key (scripts/signRelease.ts: detached Ed25519 signatures and SHA256SUMS), which
 * refuses to run without that key.
 * @param {Readonly<Record<string, string | undefined>>} env
 * @param {ReadonlyArray<'mac' | 'win' | 'linux'>} platforms
 * @returns {import('./releaseSigning.cjs').SigningDecision}
 */
function decideSigning(env, platforms) {
  const fromTag = env.GITHUB_REF_TYPE === 'tag' || (env.GITHUB_REF ?? '').startsWith('refs/tags/');
  // Empty counts as unset (a workflow expression that chose not to opt out).
  const optOut = env[UNSIGNED_DEV_BUILD_ENV] ?? '';
  if (optOut !== '') {
    if (optOut !== '1') return { kind: 'refused', reason: `${UNSIGNED_DEV_BUILD_ENV} must be exactly "1" to build unsigned; it is "${optOut}".` };
    if (fromTag) return { kind: 'refused', reason: `A release tag is never built unsigned: unset ${UNSIGNED_DEV_BUILD_ENV}.` };
    return { kind: 'unsigned-dev' };
  }
  /** @type {string[]} */
  const missing = [];
  /** @type {Record<string, string> | null} */
  let azure = null;
  for (const platform of platforms) {
    if (platform === 'mac') missing.push(...macMissing(env).map((name) => `macOS: ${name}`));
    if (platform === 'win') {
      const win = windowsSigning(env, platforms.includes('mac'));
      if (win.kind === 'missing') missing.push(...win.missing.map((name) => `Windows: ${name}`));
      if (win.kind === 'azure') azure = win.options;
    }
  }
  if (missing.length > 0) {
    return {
      kind: 'refused',
      reason:
        `Cairn is not built unsigned. Missing: ${missing.join('; ')}. ` +
        `For a local test build that must never be shipped, set ${UNSIGNED_DEV_BUILD_ENV}=1.`,
    };
  }
  return { kind: 'signed', azureSignOptions: azure };
}

/** How an unsigned build's files are named, so no one mistakes one for a release. */
const UNSIGNED_ARTIFACT_NAME = 'Cairn-UNSIGNED-DEV-${version}-${os}-${arch}.${ext}';

/**
 * The builder config for a decision that is not a refusal. A signed build forces signing (the
 * packager fails if a file ends up unsigned), notarises and signs the DMG; an unsigned one gets another app id and
 * name (it never replaces or shares data with a real install), "UNSIGNED-DEV" in every file name,
 * `cairnBuild: "unsigned-dev"` in its package.json and nowhere to publish to.
 * @template {Record<string, unknown>} C
 * @param {C} base
 * @param {import('./releaseSigning.cjs').SigningDecision} decision
 */
function withSigning(base, decision) {
  const mac = /** @type {Record<string, unknown>} */ (base.mac ?? {});
  const win = /** @type {Record<string, unknown>} */ (base.win ?? {});
  const dmg = /** @type {Record<string, unknown>} */ (base.dmg ?? {});
  switch (decision.kind) {
    case 'signed': {
      const { signtoolOptions, ...winRest } = win;
      return {
        ...base,
        forceCodeSigning: true,
        mac: { ...mac, notarize: true },
        // The disk image itself is signed too, so Gatekeeper checks it before it is opened.
        dmg: { ...dmg, sign: true },
        win: decision.azureSignOptions ? { ...winRest, azureSignOptions: decision.azureSignOptions } : { ...winRest, signtoolOptions },
        extraMetadata: { cairnBuild: 'release' },
      };
    }
    case 'unsigned-dev': {
      const { signtoolOptions: _unused, ...winRest } = win;
      return {
        ...base,
        appId: `${String(base.appId)}.unsigned-dev`,
        productName: `${String(base.productName)} Unsigned Dev`,
        artifactName: UNSIGNED_ARTIFACT_NAME,
        forceCodeSigning: false,
        mac: { ...mac, identity: null, notarize: false },
        dmg: { ...dmg, sign: false },
        win: winRest,
        extraMetadata: { cairnBuild: 'unsigned-dev' },
        publish: null,
      };
    }
    case 'refused':
      throw new Error(decision.reason);
    default:
      throw new Error(`unknown signing decision ${JSON.stringify(decision)}`);
  }
}

module.exports = { UNSIGNED_DEV_BUILD_ENV, UNSIGNED_ARTIFACT_NAME, platformsFromArgv, decideSigning, withSigning };
