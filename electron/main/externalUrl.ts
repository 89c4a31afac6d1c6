/**
 * Decides whether a link may be handed to the operating system's browser. Messages carry
 * links typed by other people, so only plain web links pass: anything that would make the OS
 * open a file, run an app through a custom scheme, or carry a password in the URL stops here.
 */
export type ExternalUrlCheck =
  | Readonly<{ ok: true; url: string }>
  | Readonly<{ ok: false; reason: string }>;

export const MAX_EXTERNAL_URL_LENGTH = 2048;

export function checkExternalUrl(raw: string): ExternalUrlCheck {
  if (raw.length === 0 || raw.length > MAX_EXTERNAL_URL_LENGTH) return no('empty or too long');
  // Control characters and spaces make the string mean different things to different parsers.
  if (hasControlOrSpace(raw)) return no('control character or space');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return no('not a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return no(`scheme ${url.protocol} is not opened`);
  if (url.username !== '' || url.password !== '') return no('credentials in the URL');
  if (url.hostname === '') return no('no host');
  if (url.href.length > MAX_EXTERNAL_URL_LENGTH) return no('too long once normalised');
  return { ok: true, url: url.href };
}

function hasControlOrSpace(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code <= 0x20 || (code >= 0x7f && code <= 0x9f)) return true;
  }
  return false;
}

function no(reason: string): ExternalUrlCheck {
  return { ok: false, reason };
}
