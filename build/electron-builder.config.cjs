// electron-builder configuration for Cairn installers (`npm run dist`, .github/workflows/release.yml).
// Needs a machine that can download Electron; it cannot run on the project's CI machines.
// CommonJS because electron-builder loads it with require(). It exports a function, which
// electron-builder calls: the build stops there unless every platform being built can be signed
// (and notarised), or CAIRN_UNSIGNED_DEV_BUILD=1 asks for a marked development build
// (releaseSigning.cjs; docs/DISTRIBUTION.md).

// eslint-disable-next-line @typescript-eslint/no-require-imports -- electron-builder loads this file with require()
const { decideSigning, platformsFromArgv, withSigning } = require('./releaseSigning.cjs');

/** Native modules cannot be loaded from inside app.asar; they ship unpacked beside it. */
const NATIVE_MODULES = ['better-sqlite3-multiple-ciphers', 'keytar'];

/** @type {import('electron-builder').Configuration} */
const baseConfig = {
  appId: 'im.cairn.desktop',
  productName: 'Cairn',
  copyright: 'Copyright © Cairn contributors',
  directories: { output: 'dist/installers', buildResources: 'build' },
  // main, preload and core are bundled by build/bundle.ts; only native modules are loaded from
  // node_modules at run time. Source maps stay out of the installer.
  files: ['package.json', 'dist/electron/**/*', 'dist/renderer/**/*', '!**/*.map', '!**/*.LEGAL.txt'],
  extraResources: [{ from: 'resources', to: 'resources', filter: ['**/*', '!icon.svg'] }],
  asar: true,
  asarUnpack: [...NATIVE_MODULES.map((name) => `**/node_modules/${name}/**`), '**/*.node'],
  // Rebuild native modules against Electron's ABI (PLATFORM-NOTES.md: never on the CI machines).
  npmRebuild: true,
  icon: 'resources/icon.png',

  // Fuses are flipped in the Electron binary itself, so a user cannot undo them with flags or
  // environment variables: no `ELECTRON_RUN_AS_NODE` (the core runs in a utilityProcess, which
  // does not need it), no NODE_OPTIONS, no --inspect, and only the integrity-checked app.asar.
  electronFuses: {
    runAsNode: false,
    enableCookieEncryption: true,
    enableNodeOptionsEnvironmentVariable: false,
    enableNodeCliInspectArguments: false,
    enableEmbeddedAsarIntegrityValidation: true,
    onlyLoadAppFromAsar: true,
    // The renderer is served from app://, never file://.
    grantFileProtocolExtraPrivileges: false,
  },

  mac: {
    category: 'public.app-category.social-networking',
    target: [
      { target: 'dmg', arch: ['arm64', 'x64'] },
      // electron-updater on macOS updates from the zip.
      { target: 'zip', arch: ['arm64', 'x64'] },
    ],
    hardenedRuntime: true,
    gatekeeperAssess: false,
    entitlements: 'build/entitlements.mac.plist',
    entitlementsInherit: 'build/entitlements.mac.plist',
    // Notarisation (set by releaseSigning.cjs) reads APPLE_ID, APPLE_APP_SPECIFIC_PASSWORD and
    // APPLE_TEAM_ID, or an App Store Connect API key.
    extendInfo: {
      NSCameraUsageDescription: 'Cairn uses the camera for video calls you start or accept.',
      NSMicrophoneUsageDescription: 'Cairn uses the microphone for calls you start or accept.',
    },
  },
  dmg: { sign: false },

  win: {
    // The MSI is for Group Policy and Intune (per-machine, silent: `msiexec /i Cairn.msi /qn`);
    // the NSIS installer for people installing by hand. WiX builds x64 only.
    target: [
      { target: 'nsis', arch: ['x64', 'arm64'] },
      { target: 'msi', arch: ['x64'] },
    ],
    // Signing reads WIN_CSC_LINK / WIN_CSC_KEY_PASSWORD (or CSC_LINK / CSC_KEY_PASSWORD), unless
    // releaseSigning.cjs replaces this with Azure Trusted Signing.
    signtoolOptions: { signingHashAlgorithms: ['sha256'], rfc3161TimeStampServer: 'http://timestamp.digicert.com' },
  },
  nsis: {
    oneClick: false,
    perMachine: false,
    allowToChangeInstallationDirectory: true,
    differentialPackage: true,
    deleteAppDataOnUninstall: false,
  },
  msi: {
    // Installed for every user of the machine, with no questions: what deployment tools expect.
    oneClick: true,
    perMachine: true,
    runAfterFinish: false,
    createDesktopShortcut: false,
    createStartMenuShortcut: true,
    // Fixed for the life of the product: Windows Installer recognises later versions by it and
    // upgrades in place instead of installing a second copy. Never change it.
    upgradeCode: '8B59866C-1D40-481F-BA0B-612481DBB2C9',
    warningsAsErrors: true,
  },

  linux: {
    target: ['AppImage', 'deb'],
    category: 'Network;InstantMessaging;Chat',
    maintainer: 'Cairn contributors <maintainers@cairn.invalid>',
    synopsis: 'End-to-end encrypted messaging and calling',
    executableName: 'cairn',
  },
  // No `deb.depends`: it would replace electron-builder's default list (GTK, NSS, libnotify,
  // libsecret for keytar's Secret Service, xdg-utils…) instead of adding to it.

  // electron-updater reads this to find updates; the release workflow publishes there.
  publish: [{ provider: 'github', owner: 'cairn-im', repo: 'cairn', releaseType: 'draft' }],
};

/**
 * electron-builder calls this with its own request; what is built comes from its command line
 * (`--mac`, `--win`, `--linux`, or the host's platform).
 * @returns {Record<string, unknown>}
 */
function cairnBuilderConfig() {
  return withSigning(baseConfig, decideSigning(process.env, platformsFromArgv(process.argv.slice(2), process.platform)));
}

module.exports = cairnBuilderConfig;
module.exports.baseConfig = baseConfig;
