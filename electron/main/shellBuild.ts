/**
 * What differs between a packaged build and a development run, decided in one place: developer
 * tools, and the OS spell-checker. Pure, so the unit tests check every case without Electron.
 *
 * Developer tools: a packaged build has none (`devTools: false`, and no menu item or shortcut
 * that opens them). Someone at the computer, or a page script that tricks a user into pasting
 * into the console, would otherwise get a JavaScript console in the page that holds decrypted
 * messages. Development runs keep them.
 *
 * Spell-checking never fetches anything (issue 11, item 12). Electron downloads Hunspell
 * dictionaries from Google's CDN on Linux (and on Windows for languages the OS checker lacks);
 * that would tell a third party that Cairn runs here, and in which languages. So:
 * - macOS: the OS spell-checker (NSSpellChecker); Electron never downloads there.
 * - Windows: the OS spell-checker (Windows Spell Checking API, Electron's default since 8);
 *   its Hunspell fallback is cut off by the network lock (networkPolicy.ts), which cancels every
 *   request of the app's session.
 * - Linux and others: Cairn ships no Hunspell dictionaries, and Chromium has no OS checker
 *   there, so spell-checking is off. Shipping dictionaries and pointing
 *   `session.setSpellCheckerDictionaryDownloadURL` at the app's own files is the way to turn it
 *   on later.
 */
export interface ShellBuild {
  /** `app.isPackaged`: an installed build, not `electron .` from a checkout. */
  readonly packaged: boolean;
  readonly platform: NodeJS.Platform;
}

export type SpellCheck = Readonly<{ enabled: boolean; checker: 'os' | 'none'; reason: string }>;

export function spellCheckFor(platform: NodeJS.Platform): SpellCheck {
  switch (platform) {
    case 'darwin':
      return { enabled: true, checker: 'os', reason: 'macOS spell-checker; nothing is downloaded' };
    case 'win32':
      return { enabled: true, checker: 'os', reason: 'Windows spell-checker; Hunspell downloads are blocked by the network lock' };
    default:
      return { enabled: false, checker: 'none', reason: `no OS spell-checker on ${platform} and no dictionaries ship with Cairn` };
  }
}

/** Whether the window's developer tools may open at all. */
export function devToolsAllowed(build: ShellBuild): boolean {
  return !build.packaged;
}
