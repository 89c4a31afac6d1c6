/**
 * Names for files the user saves: the name a sender chose is only a suggestion, and a hostile
 * sender chooses names that mislead or misbehave. `safeFileName` keeps the last path segment
 * and removes what browsers remove (Chromium's `net::GenerateSafeFileName` and
 * `base::i18n::ReplaceIllegalCharactersInPath`):
 *
 * - folders (`../../.bashrc` → `.bashrc`), and the characters Windows refuses in names
 *   (`<>:"|?*`, `:` also being how Windows addresses alternate data streams);
 * - control characters (become `_`) and invisible format characters: bidi overrides and
 *   isolates (U+202A–202E, U+2066–2069, the "right-to-left override" trick that shows
 *   `photo‮gpj.exe` as `photoexe.jpg`), zero-width characters, the BOM (removed);
 * - trailing dots and spaces (Windows drops them, so `run.exe.` would become `run.exe` on disk
 *   and the type the user saw is not the type that runs);
 * - reserved Windows device names with any extension (`CON`, `PRN`, `AUX`, `NUL`, `COM1`–`COM9`,
 *   `LPT1`–`LPT9`, `CONIN$`, `CONOUT$`; also with superscript digits): prefixed with `_`.
 *
 * Pure, and shared by the save dialog's suggestion and the "open" decision.
 */

/** Longest name most file systems accept (255 UTF-16 units on NTFS, 255 bytes on ext4 for ASCII). */
const MAX_NAME = 255;

/** Windows refuses these in names; `\` and `/` are folder separators everywhere. */
const WINDOWS_FORBIDDEN = /["*:<>?|]/g;
/** C0 and C1 controls, DEL, and line or paragraph separators. */
const CONTROL = /[\p{Cc}\u2028\u2029]/gu;
/** Format characters (Cf): bidi embeddings, overrides, isolates and marks, zero-width joiners, BOM… */
const INVISIBLE = /\p{Cf}/gu;
/** Device names Windows reserves whatever the extension (Microsoft, "Naming Files, Paths, and Namespaces"). */
const RESERVED = /^(con|prn|aux|nul|conin\$|conout\$|com[1-9¹²³]|lpt[1-9¹²³])$/i;

/** A safe file name from what the page or a sender suggests; `file` when nothing usable is left. */
export function safeFileName(raw: unknown): string {
  const text = typeof raw === 'string' ? raw.normalize('NFC') : '';
  const last = text.split(/[\\/]/).pop() ?? '';
  let name = last.replace(INVISIBLE, '').replace(CONTROL, '_').replace(WINDOWS_FORBIDDEN, '_');
  name = name.trim().replace(/[. ]+$/u, '');
  if (name === '') return 'file';
  if (isReservedDeviceName(name)) name = `_${name}`;
  return truncateKeepingExtension(name);
}

/** Whether Windows treats `name` as a device: the part before the first dot, spaces ignored. */
export function isReservedDeviceName(name: string): boolean {
  const stem = name.split('.')[0] ?? '';
  return RESERVED.test(stem.trimEnd());
}

function truncateKeepingExtension(name: string): string {
  if (name.length <= MAX_NAME) return name;
  const dot = name.lastIndexOf('.');
  const extension = dot > 0 && name.length - dot <= 16 ? name.slice(dot) : '';
  const stem = [...name.slice(0, name.length - extension.length)];
  while (stem.join('').length + extension.length > MAX_NAME) stem.pop();
  return stem.join('') + extension;
}
