import { describe, expect, it } from 'vitest';
import { AVATAR_COLOURS, avatarColour, avatarHue, initialsOf } from '../../../renderer/lib/avatarColour';
import { isEmojiOnly } from '../../../renderer/lib/emojiOnly';

describe('avatar colours', () => {
  it('gives one id the same colour every time, whatever the name', () => {
    const id = '5b0c1d2e-0000-4000-8000-000000000001@example.test';
    expect(avatarColour(id)).toBe(avatarColour(`${id}`));
    expect(AVATAR_COLOURS).toContain(avatarColour(id));
  });

  it('spreads ids that differ in one character over the palette', () => {
    const ids = Array.from({ length: 64 }, (_, i) => `user-${i}@example.test`);
    const used = new Set(ids.map(avatarHue));
    expect(used.size).toBe(AVATAR_COLOURS.length);
  });

  it('takes one initial from each of the first two words, whole letters only', () => {
    expect(initialsOf('Alice Moss')).toBe('AM');
    expect(initialsOf('  bob  ')).toBe('B');
    expect(initialsOf('Émile de la Roche')).toBe('ÉD');
    expect(initialsOf('𝒜lice Moss')).toBe('𝒜M');
    expect(initialsOf('Moss & Lichen')).toBe('ML');
    expect(initialsOf('🎉 party')).toBe('P');
    expect(initialsOf('🎉')).toBe('🎉');
  });
});

describe('emoji-only messages', () => {
  it('counts up to three emoji as emoji-only, joined sequences and flags as one each', () => {
    expect(isEmojiOnly('🎉')).toBe(true);
    expect(isEmojiOnly(' 👍 ❤️ ')).toBe(true);
    expect(isEmojiOnly('❤️‍🔥❤️‍🔥🇫🇷')).toBe(true);
  });

  it('keeps text, digits and longer runs of emoji at text size', () => {
    expect(isEmojiOnly('🎉🎉🎉🎉')).toBe(false);
    expect(isEmojiOnly('yes 👍')).toBe(false);
    expect(isEmojiOnly('1')).toBe(false);
    expect(isEmojiOnly('#')).toBe(false);
    expect(isEmojiOnly('')).toBe(false);
    expect(isEmojiOnly(null)).toBe(false);
  });
});
