/**
 * The colour of a person's or conversation's avatar, derived from its id so it is the same on
 * every screen and every device (as Signal and Element do): the name may change, the colour does
 * not. The palette's colours all carry white initials at a contrast of at least 4.5:1 (WCAG AA),
 * in the light and the dark theme alike.
 */
export const AVATAR_COLOURS: readonly string[] = [
  '#b3261e', // red
  '#a34700', // orange
  '#7a5a00', // ochre
  '#1a7336', // green
  '#0b6e64', // teal
  '#1f5fbf', // blue
  '#5b45b8', // violet
  '#a02c77', // magenta
];

/** FNV-1a over the UTF-16 code units: small, stable and spreads near-identical ids apart. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** Which of the palette's colours belongs to `key` (a qualified user id, or a conversation id). */
export function avatarHue(key: string): number {
  return hash(key) % AVATAR_COLOURS.length;
}

/** The avatar colour for `key`; sender names use the same index (`--name-N`, readable per theme). */
export function avatarColour(key: string): string {
  return AVATAR_COLOURS[avatarHue(key)] ?? '#0b6e64';
}

/**
 * Up to two initials of a display name, one per word that starts with a letter or digit ("Moss &
 * Lichen" is "ML", not "M&"); whole characters, never half of a surrogate pair.
 */
export function initialsOf(name: string): string {
  const words = name.split(/\s+/).filter((part) => part !== '');
  const named = words.filter((part) => /^[\p{L}\p{N}]/u.test(part));
  return (named.length > 0 ? named : words)
    .slice(0, 2)
    .map((part) => [...part][0]?.toUpperCase() ?? '')
    .join('');
}
