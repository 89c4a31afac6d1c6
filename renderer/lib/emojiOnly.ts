/**
 * A message of one to three emoji and nothing else is shown large, as in Signal, WhatsApp and
 * Element. Counted in graphemes (what a reader sees as one emoji: ❤️‍🔥 or a flag is one), and
 * only pictographs count: digits and '#' are emoji components but read as text.
 */
const MAX_LARGE_EMOJI = 3;
const PICTOGRAPH = /\p{Extended_Pictographic}|\p{Regional_Indicator}/u;
const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

export function isEmojiOnly(text: string | null): boolean {
  if (text === null) return false;
  const graphemes = [...segmenter.segment(text.trim())].map((s) => s.segment).filter((g) => g.trim() !== '');
  return graphemes.length > 0 && graphemes.length <= MAX_LARGE_EMOJI && graphemes.every((g) => PICTOGRAPH.test(g));
}
