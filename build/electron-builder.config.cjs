// electron-builder configuration for Cairn installers (`npm run dist`, .github/workflows/release.yml).
// Needs a machine that can download Electron; it cannot run on the project's CI machines.
// CommonJS because electron-builder loads it with require().

/** Native modules cannot be loaded from inside app.asar; they ship unpacked beside it. */
const NATIVE_MODULES = ['better-sqlite3-multiple-ciphers', 'keytar'];

/** @type {import('electron-builder').Configuration} */
const config = {
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
    // Notarisation reads APPLE_ID, APPLE_APP_SPECIFIC_PASSWORD and APPLE_TEAM_ID.
    notarize: true,
    extendInfo: {
      NSCameraUsageDescription: 'Cairn uses the camera for video calls you start or accept.',
      NSMicrophoneUsageDescription: 'Cairn uses the microphone for calls you start or accept.',
    },
  },
  dmg: { sign: false },

  win: {
    target: [{ target: 'nsis', arch: ['x64', 'arm64'] }],
    // Signing reads WIN_CSC_LINK / WIN_CSC_KEY_PASSWORD (or CSC_LINK / CSC_KEY_PASSWORD).
    signtoolOptions: { signingHashAlgorithms: ['sha256'], rfc3161TimeStampServer: 'http://timestamp.digicert.com' },
  },
  nsis: {
    oneClick: false,
    perMachine: false,
    allowToChangeInstallationDirectory: true,
    differentialPackage: true,
    deleteAppDataOnUninstall: false,
  },

  linux: {
    target: ['AppImage', 'deb'],
    category: 'Network;InstantMessaging;Chat',
    maintainer: 'Cairn contributors <maintainers@cairn.invalid>',
    synopsis: 'End-to-end encrypted messaging and calling',
    executableName: 'cairn',
  },
  // keytar talks to the Secret Service through libsecret.
  deb: { depends: ['libsecret-1-0', 'libnotify4', 'libxtst6', 'libnss3'] },

  // electron-updater reads this to find updates; the release workflow publishes there.
  publish: [{ provider: 'github', owner: 'cairn-im', repo: 'cairn', releaseType: 'draft' }],
};

module.exports = config;
