/**
 * Matching for the quick switcher and the search results: case- and accent-insensitive
 * substring matches, and the parts of a text around a match for highlighting.
 */

/** Lower case without diacritics, so "Zoë" matches "zoe". Keeps one character per character. */
export function fold(text: string): string {
  return [...text].map((c) => c.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase() || c).join('');
}

/**
 * Ranks `items` by how well `query` matches their names: a name starting with it first, then a
 * word starting with it, then any substring; equal ranks keep their order. Empty query: all.
 */
export function rankByName<T>(items: readonly T[], query: string, name: (item: T) => string): T[] {
  const q = fold(query.trim());
  if (q === '') return [...items];
  const ranked: Array<{ item: T; rank: number; index: number }> = [];
  items.forEach((item, index) => {
    const n = fold(name(item));
    const at = n.indexOf(q);
    if (at < 0) return;
    const rank = at === 0 ? 0 : /[\s\-_.(@]/.test(n[at - 1] ?? '') ? 1 : 2;
    ranked.push({ item, rank, index });
  });
  return ranked.sort((a, b) => a.rank - b.rank || a.index - b.index).map((r) => r.item);
}

export interface TextPart {
  readonly text: string;
  readonly match: boolean;
}

/**
 * `text` split into matching and non-matching parts for every word of `query`, shortened to
 * about `context` characters before the first match (with an ellipsis) so the match is visible.
 */
export function highlight(text: string, query: string, context = 40): TextPart[] {
  const words = fold(query)
    .split(/\s+/)
    .filter((w) => w !== '');
  const folded = fold(text);
  const marks = new Array<boolean>(text.length).fill(false);
  for (const word of words) {
    for (let at = folded.indexOf(word); at >= 0; at = folded.indexOf(word, at + word.length)) {
      for (let i = at; i < at + word.length; i++) marks[i] = true;
    }
  }
  const first = marks.indexOf(true);
  const start = first > context ? first - context : 0;
  const parts: TextPart[] = start > 0 ? [{ text: '…', match: false }] : [];
  for (let i = start; i < text.length; ) {
    let j = i;
    while (j < text.length && marks[j] === marks[i]) j++;
    parts.push({ text: text.slice(i, j), match: marks[i] === true });
    i = j;
  }
  return parts;
}
