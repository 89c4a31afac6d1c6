import { describe, expect, it } from 'vitest';
import { chosenFromMessage, locateMentions, mentionQuery, textSegments } from '../../../renderer/lib/mentions';

describe('mentions', () => {
  it('cuts a message into plain text and mentions, ignoring spans that overlap or fall outside', () => {
    const text = 'Hi @Bob Lichen and @Carol!';
    expect(
      textSegments(text, [
        { start: 19, length: 6, user: 'carol@d' },
        { start: 3, length: 11, user: 'bob@d' },
        { start: 5, length: 3, user: 'x@d' },
        { start: 24, length: 9, user: 'y@d' },
      ]),
    ).toEqual([{ text: 'Hi ' }, { text: '@Bob Lichen', mention: 'bob@d' }, { text: ' and ' }, { text: '@Carol', mention: 'carol@d' }, { text: '!' }]);
    expect(textSegments('plain', [])).toEqual([{ text: 'plain' }]);
  });

  it('sees an @ query only at the start of a word and before the caret', () => {
    expect(mentionQuery('Hello @Bo', 9)).toEqual({ start: 6, query: 'Bo' });
    expect(mentionQuery('@', 1)).toEqual({ start: 0, query: '' });
    expect(mentionQuery('Hello @Bob Li', 13)).toEqual({ start: 6, query: 'Bob Li' });
    expect(mentionQuery('mail me at a@b', 14)).toBeUndefined();
    expect(mentionQuery('@Bob\nnext', 9)).toBeUndefined();
    expect(mentionQuery('no at sign', 5)).toBeUndefined();
  });

  it("finds the chosen people's @Name in the final text, once each place, and drops deleted ones", () => {
    const chosen = [
      { name: 'Bob', user: 'bob@d' },
      { name: 'Bob Lichen', user: 'bob2@d' },
      { name: 'Carol', user: 'carol@d' },
    ];
    expect(locateMentions('@Bob Lichen, meet @Bob', chosen)).toEqual([
      { start: 0, length: 11, user: 'bob2@d' },
      { start: 18, length: 4, user: 'bob@d' },
    ]);
    expect(locateMentions('email@Carol.org', chosen)).toEqual([]);
  });

  it('keeps the mentions of a message being edited while their text stays, and drops one whose text was deleted', () => {
    const text = 'Hi @Bob Lichen and Carol, @Bob Lichen again';
    const sent = [
      { start: 3, length: 11, user: 'bob@d' },
      { start: 19, length: 5, user: 'carol@d' },
      { start: 26, length: 11, user: 'bob@d' },
      { start: 40, length: 10, user: 'outside@d' },
    ];
    const chosen = chosenFromMessage(text, sent);
    expect(chosen).toEqual([
      { name: 'Bob Lichen', user: 'bob@d', written: '@Bob Lichen' },
      { name: 'Carol', user: 'carol@d', written: 'Carol' },
    ]);
    // Unchanged text: the same mentions as sent (the one outside the text was never one).
    expect(locateMentions(text, chosen)).toEqual(sent.slice(0, 3));
    // Text typed before them moves them; deleting "Carol" drops her.
    expect(locateMentions('Oh. Hi @Bob Lichen and Dave, @Bob Lichen again', chosen)).toEqual([
      { start: 7, length: 11, user: 'bob@d' },
      { start: 29, length: 11, user: 'bob@d' },
    ]);
    expect(locateMentions('Hi all', chosen)).toEqual([]);
  });
});
