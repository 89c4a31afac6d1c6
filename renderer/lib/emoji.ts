/**
 * Emoji for the picker, from Emojibase's English dataset (loaded on first use, as its own
 * chunk): grouped as Unicode groups them, searchable by name and tags.
 */

export interface Emoji {
  readonly char: string;
  readonly label: string;
  readonly tags: readonly string[];
  readonly group: number;
}

/** Unicode emoji groups in picker order (group 2, skin-tone components, is left out). */
export const EMOJI_GROUPS = [
  { id: 0, key: 'emoji.smileys', icon: '😀' },
  { id: 1, key: 'emoji.people', icon: '👋' },
  { id: 3, key: 'emoji.nature', icon: '🌿' },
  { id: 4, key: 'emoji.food', icon: '🍎' },
  { id: 5, key: 'emoji.travel', icon: '⛰️' },
  { id: 6, key: 'emoji.activities', icon: '⚽' },
  { id: 7, key: 'emoji.objects', icon: '💡' },
  { id: 8, key: 'emoji.symbols', icon: '❤️' },
  { id: 9, key: 'emoji.flags', icon: '🏳️' },
] as const;

interface CompactEmoji {
  readonly unicode: string;
  readonly label: string;
  readonly tags?: readonly string[];
  readonly group?: number;
  readonly order?: number;
}

let loading: Promise<readonly Emoji[]> | undefined;

export function loadEmoji(): Promise<readonly Emoji[]> {
  loading ??= import('emojibase-data/en/compact.json').then((module) =>
    (module.default as readonly CompactEmoji[])
      .filter((e): e is CompactEmoji & { group: number; order: number } => e.group !== undefined && e.group !== 2 && e.order !== undefined)
      .sort((a, b) => a.order - b.order)
      .map((e) => ({ char: canonical(e.unicode), label: e.label, tags: e.tags ?? [], group: e.group })),
  );
  return loading;
}

/**
 * Drops a variation selector-16 that changes nothing (the character shows as emoji anyway), so
 * a reaction picked here equals the same reaction typed or sent by another client: 👍 not 👍\uFE0F.
 */
export function canonical(char: string): string {
  const bare = char.replace(/\uFE0F$/u, '');
  return bare !== char && /^\p{Emoji_Presentation}$/u.test(bare) ? bare : char;
}

/**
 * Emoji matching every word of `query`: the name equal to it first, then names starting with it,
 * then names with words starting with each query word, then matches by tag; Unicode order within.
 */
export function searchEmoji(all: readonly Emoji[], query: string, limit = 120): Emoji[] {
  const q = query.trim().toLowerCase();
  const words = q.split(/\s+/).filter((w) => w !== '');
  if (words.length === 0) return [];
  const ranked: Array<{ emoji: Emoji; rank: number }> = [];
  for (const emoji of all) {
    const label = emoji.label.toLowerCase();
    const nameWords = label.split(/[\s:,-]+/);
    const inName = words.every((w) => nameWords.some((n) => n.startsWith(w)));
    const rank =
      label === q ? 0
      : label.startsWith(q) ? 1
      : inName ? 2
      : words.every((w) => nameWords.some((n) => n.startsWith(w)) || emoji.tags.some((t) => t.startsWith(w))) ? 3
      : -1;
    if (rank >= 0) ranked.push({ emoji, rank });
  }
  return ranked
    .sort((a, b) => a.rank - b.rank)
    .slice(0, limit)
    .map((r) => r.emoji);
}
