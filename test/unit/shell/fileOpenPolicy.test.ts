import { describe, expect, it } from 'vitest';
import { isReservedDeviceName, safeFileName } from '../../../electron/main/fileNames';
import { OPENS_DIRECTLY, decideOpen } from '../../../electron/main/fileOpenPolicy';

/** The types the security review found missing from the old block-list (issue 11, item 6). */
const MISSED_BY_THE_BLOCK_LIST = [
  'chm', 'msc', 'iso', 'img', 'vhdx', 'xll', 'appref-ms', 'application', 'jnlp', 'wsc', 'sct',
  'settingcontent-ms', 'search-ms', 'docm', 'xlsm', 'scpt', 'webloc',
];
/** And those the old list had, which must stay shut. */
const RUN_CODE = ['exe', 'com', 'bat', 'cmd', 'msi', 'scr', 'ps1', 'vbs', 'js', 'jar', 'hta', 'lnk', 'url', 'reg', 'sh', 'desktop', 'app', 'command', 'dmg', 'pkg', 'py', 'appimage', 'deb'];
/** Types that are harmless to view but risky in their default app, left out on purpose. */
const LEFT_OUT = ['svg', 'html', 'htm', 'csv', 'rtf', 'doc', 'xls', 'ppt', 'pptm', 'xml', 'zip', 'xhtml'];

describe('opening saved files', () => {
  it.each(MISSED_BY_THE_BLOCK_LIST)('shows a .%s file in its folder instead of opening it', (extension) => {
    expect(decideOpen(`invoice.${extension}`)).toBe('show-in-folder');
    expect(decideOpen(`invoice.${extension.toUpperCase()}`)).toBe('show-in-folder');
  });

  it('shows code, installers and risky documents in their folder', () => {
    for (const extension of [...RUN_CODE, ...LEFT_OUT]) expect(decideOpen(`file.${extension}`), extension).toBe('show-in-folder');
  });

  it('opens images, pdf, plain text, audio, video and office documents without macros', () => {
    for (const name of ['photo.png', 'Photo.JPG', 'scan.pdf', 'notes.txt', 'talk.mp3', 'clip.mp4', 'report.docx', 'budget.xlsx', 'slides.pptx', 'paper.odt']) {
      expect(decideOpen(name), name).toBe('open');
    }
    expect([...OPENS_DIRECTLY].every((extension) => /^[a-z0-9]+$/.test(extension))).toBe(true);
  });

  it('shows names whose type as seen is not what the OS sees in their folder', () => {
    for (const name of [
      'photo.png.', // Windows drops the dot: fine here, but trailing dots hide types (run.exe.)
      'photo.png ',
      'run.exe.',
      'photo\u202Egnp.exe', // right-to-left override: displays as photoexe.png
      'photo\u2066.png',
      'report\u200B.pdf',
      'CON.txt',
      'nul.png',
      'notes.txt:payload.exe', // an alternate data stream on NTFS
      'README', // no type at all
      '.png',
      '',
    ]) {
      expect(decideOpen(name), JSON.stringify(name)).toBe('show-in-folder');
    }
  });
});

describe('safe file names', () => {
  it('drops trailing dots and spaces, which Windows drops too', () => {
    expect(safeFileName('setup.exe.')).toBe('setup.exe');
    expect(safeFileName('setup.exe . . ')).toBe('setup.exe');
    expect(safeFileName('  map.pdf  ')).toBe('map.pdf');
    expect(safeFileName('...')).toBe('file');
  });

  it('removes bidi overrides, isolates, marks and zero-width characters, and replaces controls', () => {
    expect(safeFileName('photo\u202Egnp.exe')).toBe('photognp.exe');
    expect(safeFileName('\u202Aa\u202Bb\u202Cc\u202Dd\u2066e\u2067f\u2068g\u2069h\u200Ei\u200Fj\u061Ck.txt')).toBe('abcdefghijk.txt');
    expect(safeFileName('zero\u200Bwidth\u200D\uFEFF.pdf')).toBe('zerowidth.pdf');
    expect(safeFileName('line\nbreak\u0085\u2028.txt')).toBe('line_break__.txt');
    expect(safeFileName('a<b>:"c|?*\u0001.txt')).toBe('a_b___c____.txt');
  });

  it('prefixes reserved Windows device names, whatever the extension or case', () => {
    const reserved = ['CON', 'PRN', 'AUX', 'NUL', 'CONIN$', 'CONOUT$', ...[1, 2, 3, 4, 5, 6, 7, 8, 9].flatMap((n) => [`COM${n}`, `LPT${n}`]), 'COM¹', 'LPT³'];
    for (const name of reserved) {
      for (const variant of [name, name.toLowerCase(), `${name}.txt`, `${name}.tar.gz`, `${name} .png`]) {
        expect(isReservedDeviceName(variant), variant).toBe(true);
        expect(safeFileName(variant), variant).toBe(`_${variant}`);
      }
    }
    for (const name of ['CONSOLE.txt', 'COM0.txt', 'COM10', 'LPT', 'nullable.pdf', 'aux-notes.md']) {
      expect(isReservedDeviceName(name), name).toBe(false);
      expect(safeFileName(name)).toBe(name);
    }
  });

  it('keeps only the name, and its extension when a long name is shortened', () => {
    expect(safeFileName('../../.bashrc')).toBe('.bashrc');
    expect(safeFileName('C:\\Windows\\system32\\evil.dll')).toBe('evil.dll');
    const long = safeFileName(`${'x'.repeat(400)}.pdf`);
    expect(long).toHaveLength(255);
    expect(long.endsWith('.pdf')).toBe(true);
    expect(safeFileName(`${'😀'.repeat(200)}.png`).length).toBeLessThanOrEqual(255);
    expect(safeFileName(`${'😀'.repeat(200)}.png`)).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
    expect(safeFileName(undefined)).toBe('file');
  });

  it('opens only the types machine policy keeps on the list, and never adds one', () => {
    expect(decideOpen('report.pdf', ['pdf'])).toBe('open');
    expect(decideOpen('photo.png', ['pdf'])).toBe('show-in-folder');
    expect(decideOpen('setup.exe', ['exe', 'pdf'])).toBe('show-in-folder');
    expect(decideOpen('report.pdf', [])).toBe('show-in-folder');
  });
});
