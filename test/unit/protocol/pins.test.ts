import { describe, expect, it } from 'vitest';
import { MAX_PINS, mergePins, parsePinList } from '../../../protocol/pins';

const pin = (letter: string): string => `sha256/${letter.repeat(43)}=`;

describe('pin lists', () => {
  it('reads pins separated by commas, spaces or new lines, keeping order and dropping duplicates', () => {
    expect(parsePinList(`${pin('A')}, ${pin('B')}\n${pin('C')}  ${pin('A')}\n`)).toEqual({ ok: true, pins: [pin('A'), pin('B'), pin('C')] });
  });

  it('names the first piece that is not a pin, and refuses none or too many', () => {
    expect(parsePinList(`${pin('A')},sha256/short=`)).toEqual({ ok: false, invalid: 'sha256/short=' });
    expect(parsePinList(' , \n')).toEqual({ ok: false, invalid: '' });
    const letters = 'ABCDEFGHIJ'.slice(0, MAX_PINS + 1).split('');
    expect(parsePinList(letters.map(pin).join(','))).toEqual({ ok: false, invalid: '' });
  });

  it('adds the pins a verified server announces, proven pin first, never dropping it or the stored ones while there is room', () => {
    expect(mergePins([pin('A'), pin('B')], [pin('A'), pin('N')], pin('A'))).toEqual([pin('A'), pin('N'), pin('B')]);
    // After the switch the new key proved itself: it leads, the old stays as a backup.
    expect(mergePins([pin('A'), pin('N')], [pin('N')], pin('N'))).toEqual([pin('N'), pin('A')]);
    // A server that announces nothing new changes nothing, and junk is ignored.
    expect(mergePins([pin('A')], [pin('A'), 'not-a-pin'], pin('A'))).toEqual([pin('A')]);
  });

  it('keeps at most the maximum, letting the oldest stored pins go first', () => {
    const stored = 'BCDEFGHI'.split('').map(pin);
    const merged = mergePins(stored, [pin('A'), pin('Z')], pin('A'));
    expect(merged).toHaveLength(MAX_PINS);
    expect(merged.slice(0, 3)).toEqual([pin('A'), pin('Z'), pin('B')]);
    expect(merged).not.toContain(pin('I'));
  });
});
