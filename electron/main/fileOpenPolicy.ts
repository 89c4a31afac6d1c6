/**
 * Which saved files "Open" hands to the OS, and which it shows in their folder instead.
 *
 * An ALLOW-list, not a block-list: the types that run code when opened (executables, scripts,
 * installers, shortcuts, disk images, help files, management consoles, add-ins, click-once and
 * Java launchers, macro-enabled documents…) are many, differ per system and keep growing; a
 * list of what is harmless is short and stays correct when a new dangerous type appears.
 * Everything not listed is shown in its folder, where the user sees the real name and decides.
 *
 * Opens directly (viewers that do not run what the file contains):
 * - images that browsers show: png jpg jpeg gif webp bmp avif heic heif tif tiff
 *   (not svg: it carries script, and opens in a browser with file:// rights);
 * - pdf (viewers sandbox or refuse its JavaScript; browsers open it directly too);
 * - plain text: txt md log (not csv: it opens in a spreadsheet, where formulas run);
 * - audio and video: mp3 m4a aac ogg oga opus wav flac mp4 m4v mov webm mkv avi;
 * - office documents without macros: docx xlsx pptx odt ods odp. Word, Excel and PowerPoint
 *   refuse macros in these formats (a renamed .docm does not open as .docx); the legacy
 *   formats (doc xls ppt) and rtf (embedded OLE objects) are left out; on Windows the
 *   download mark makes Office open them in Protected View.
 *
 * A name that `safeFileName` would change (trailing dot or space, bidi or control characters, a
 * reserved device name, a stream after `:`) is shown in its folder too: its type as displayed
 * is not what the OS will see.
 */
import { safeFileName } from './fileNames';

export const OPENS_DIRECTLY: ReadonlySet<string> = new Set(
  (
    'png jpg jpeg gif webp bmp avif heic heif tif tiff ' +
    'pdf ' +
    'txt md log ' +
    'mp3 m4a aac ogg oga opus wav flac mp4 m4v mov webm mkv avi ' +
    'docx xlsx pptx odt ods odp'
  ).split(' '),
);

export type OpenDecision = 'open' | 'show-in-folder';

/**
 * What "Open" does with a saved file called `fileName` (the last segment of its path).
 * `narrowedTo` is machine policy's `OpenAllowList` (lower-case extensions): it can only take types
 * off the list above, never add one, so a policy typo cannot make an executable open directly.
 */
export function decideOpen(fileName: string, narrowedTo?: readonly string[]): OpenDecision {
  if (fileName === '' || safeFileName(fileName) !== fileName.normalize('NFC')) return 'show-in-folder';
  const dot = fileName.lastIndexOf('.');
  if (dot <= 0) return 'show-in-folder';
  const extension = fileName.slice(dot + 1).toLowerCase();
  if (narrowedTo !== undefined && !narrowedTo.includes(extension)) return 'show-in-folder';
  return OPENS_DIRECTLY.has(extension) ? 'open' : 'show-in-folder';
}
