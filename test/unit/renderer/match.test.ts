import { describe, expect, it } from 'vitest';
import { fold, highlight, rankByName } from '../../../renderer/lib/match';

describe('matching for the switcher and search', () => {
  it('folds case and accents without changing the length', () => {
    expect(fold('Zoë ÅSA')).toBe('zoe asa');
    expect(fold('Zoë ÅSA')).toHaveLength('Zoë ÅSA'.length);
  });

  it('ranks a name that starts with the query first, then a word start, then any substring', () => {
    const names = ['Lichen club', 'Summit party', 'Party planning', 'Moss', 'The parTY'];
    expect(rankByName(names, 'par', (n) => n)).toEqual(['Party planning', 'Summit party', 'The parTY']);
    expect(rankByName(names, '', (n) => n)).toEqual(names);
    expect(rankByName(names, 'xyz', (n) => n)).toEqual([]);
  });

  it('marks every word of the query and shortens long text before the first match', () => {
    expect(highlight('Meet at the Summit café', 'summit cafe')).toEqual([
      { text: 'Meet at the ', match: false },
      { text: 'Summit', match: true },
      { text: ' ', match: false },
      { text: 'café', match: true },
    ]);
    const long = `${'x'.repeat(100)} granite`;
    const parts = highlight(long, 'granite', 10);
    expect(parts[0]).toEqual({ text: '…', match: false });
    expect(parts.at(-1)).toEqual({ text: 'granite', match: true });
    expect(parts.map((p) => p.text).join('')).toHaveLength(1 + 10 + 'granite'.length);
  });
});
