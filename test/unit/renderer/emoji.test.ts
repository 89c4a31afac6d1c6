import { describe, expect, it } from 'vitest';
import { loadEmoji, searchEmoji } from '../../../renderer/lib/emoji';

describe('emoji for the picker', () => {
  it('loads every group but the skin-tone components, in Unicode order', async () => {
    const all = await loadEmoji();
    expect(all.length).toBeGreaterThan(1500);
    expect(all.some((e) => e.group === 2)).toBe(false);
    expect(all[0]?.char).toBe('😀');
  });

  it('finds by the start of name words first, then by tags', async () => {
    const all = await loadEmoji();
    const mountain = searchEmoji(all, 'mount');
    expect(mountain.map((e) => e.char)).toContain('⛰️');
    expect(mountain[0]?.label.toLowerCase()).toMatch(/^mount/);
    expect(searchEmoji(all, 'mountain')[0]?.label).toBe('mountain');
    expect(searchEmoji(all, 'thumbs up')[0]?.char).toBe('👍');
    expect(searchEmoji(all, '')).toEqual([]);
    expect(searchEmoji(all, 'zzzqqq')).toEqual([]);
  });
});
