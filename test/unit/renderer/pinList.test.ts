import { describe, expect, it } from 'vitest';
import { MAX_PINS as PROTOCOL_MAX_PINS, parsePinList } from '../../../protocol/pins';
import { MAX_PINS, pinListProblem, readPinList, recognisedPins } from '../../../renderer/lib/pinList';

const pin = (letter: string): string => `sha256/${letter.repeat(43)}=`;
const A = pin('A');
const B = pin('B');
const C = pin('c');

const CASES: readonly string[] = [
  '',
  '   ',
  A,
  ` ${A} `,
  `${A},${B}`,
  `${A}, ${B}`,
  `${A}\n${B}\n${C}`,
  `${A}\r\n${B}\t,,${C},`,
  `${A},${A},${B}`,
  `${A},sha256/short=`,
  `${A} ${B.slice(0, -1)}`,
  `sha1/${'A'.repeat(43)}=`,
  `${A};${B}`,
  `${A} ${pin('+')} ${pin('/')}`,
  Array.from({ length: 8 }, (_, i) => pin(String.fromCharCode(65 + i))).join(','),
  Array.from({ length: 9 }, (_, i) => pin(String.fromCharCode(65 + i))).join(','),
  Array.from({ length: 9 }, () => A).join(' '),
];

describe('pins typed on the welcome screen', () => {
  it('accepts and refuses exactly what the core-side parser does', () => {
    expect(MAX_PINS).toBe(PROTOCOL_MAX_PINS);
    for (const text of CASES) {
      const ours = readPinList(text);
      const theirs = parsePinList(text);
      expect(ours.ok, JSON.stringify(text)).toBe(theirs.ok);
      if (ours.ok && theirs.ok) expect(ours.pins).toEqual(theirs.pins);
      if (!ours.ok && !theirs.ok) expect(ours.reason === 'not-a-pin' ? ours.piece : '').toBe(theirs.invalid);
    }
  });

  it('keeps the order, the first being the current pin, and drops repeats', () => {
    expect(readPinList(`${B}\n${A}, ${B}`)).toEqual({ ok: true, pins: [B, A] });
  });

  it('says why a list is refused', () => {
    expect(readPinList(' , ')).toEqual({ ok: false, reason: 'none' });
    expect(readPinList(`${A} sha256/nope`)).toEqual({ ok: false, reason: 'not-a-pin', piece: 'sha256/nope' });
    const nine = Array.from({ length: 9 }, (_, i) => pin(String.fromCharCode(65 + i))).join(',');
    expect(readPinList(nine)).toEqual({ ok: false, reason: 'too-many', count: 9 });
  });

  it('puts each refusal in plain words, and a long paste in short', () => {
    expect(pinListProblem(readPinList(A))).toBe('');
    expect(pinListProblem(readPinList(''))).toBe('Enter the pin your administrator gave you. It starts with sha256/ and has 44 more characters.');
    expect(pinListProblem(readPinList(`${A} sha256/nope`))).toBe('“sha256/nope” is not a pin. A pin starts with sha256/ and has 44 more characters.');
    expect(pinListProblem(readPinList('x'.repeat(500)))).toBe(`“${'x'.repeat(60)}…” is not a pin. A pin starts with sha256/ and has 44 more characters.`);
    const nine = Array.from({ length: 9 }, (_, i) => pin(String.fromCharCode(65 + i))).join(',');
    expect(pinListProblem(readPinList(nine))).toBe('That is 9 pins; Cairn takes at most 8: the current one and its backups.');
  });

  it('lists the pins it recognises while the rest is still being typed', () => {
    expect(recognisedPins(`${A}, sha256/half ${B}`)).toEqual([A, B]);
  });
});
