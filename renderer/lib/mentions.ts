/**
 * Mentions in the composer and in messages. In a message, `start`/`length` are UTF-16 offsets
 * into its text; the composer keeps the people chosen from the @ list and finds their "@Name"
 * in the text when it is sent, so editing the draft never leaves a mention pointing elsewhere.
 */

export interface MentionSpan {
  readonly start: number;
  readonly length: number;
  readonly user: string;
}

export type TextSegment = { readonly text: string; readonly mention?: string };

/** The text cut into plain parts and mentions; spans that overlap or fall outside are ignored. */
export function textSegments(text: string, mentions: readonly MentionSpan[]): TextSegment[] {
  const spans = [...mentions].filter((m) => m.start >= 0 && m.length > 0 && m.start + m.length <= text.length).sort((a, b) => a.start - b.start);
  const segments: TextSegment[] = [];
  let at = 0;
  for (const span of spans) {
    if (span.start < at) continue;
    if (span.start > at) segments.push({ text: text.slice(at, span.start) });
    segments.push({ text: text.slice(span.start, span.start + span.length), mention: span.user });
    at = span.start + span.length;
  }
  if (at < text.length || segments.length === 0) segments.push({ text: text.slice(at) });
  return segments;
}

/**
 * The @ query being typed at `caret`: the text after an "@" that starts a word, up to the caret,
 * with no line break (spaces are allowed, for full names); undefined when there is none.
 */
export function mentionQuery(text: string, caret: number): { start: number; query: string } | undefined {
  const before = text.slice(0, caret);
  const at = before.lastIndexOf('@');
  if (at < 0) return undefined;
  if (at > 0 && !/\s|[(["']/.test(before[at - 1] ?? '')) return undefined;
  const query = before.slice(at + 1);
  if (/[\n@]/.test(query) || query.length > 40 || /\s{2}|^\s/.test(query)) return undefined;
  return { start: at, query };
}

export interface ChosenMention {
  readonly name: string;
  /** `user-uuid@domain` */
  readonly user: string;
  /** What stands for the person in the text; `@name` unless a sent message wrote it otherwise. */
  readonly written?: string;
}

/**
 * Where the chosen people's "@Name" stand in the final text, in order of appearance; a person
 * whose "@Name" was deleted from the draft is not mentioned.
 */
export function locateMentions(text: string, chosen: readonly ChosenMention[]): MentionSpan[] {
  const spans: MentionSpan[] = [];
  const taken: Array<[number, number]> = [];
  // Longer names first, so "@Bob Lichen" is not taken for "@Bob".
  const needleOf = (person: ChosenMention): string => person.written ?? `@${person.name}`;
  for (const person of [...chosen].sort((a, b) => needleOf(b).length - needleOf(a).length)) {
    const needle = needleOf(person);
    for (let from = 0; ; ) {
      const at = text.indexOf(needle, from);
      if (at < 0) break;
      const end = at + needle.length;
      const free = !taken.some(([s, e]) => at < e && end > s);
      const wordStart = at === 0 || /\s|[(["']/.test(text[at - 1] ?? '');
      if (free && wordStart) {
        spans.push({ start: at, length: needle.length, user: person.user });
        taken.push([at, end]);
      }
      from = end;
    }
  }
  return spans.sort((a, b) => a.start - b.start);
}

/**
 * The people a sent message mentions, as the composer keeps them while the message is edited:
 * each by what stands for them in its text (normally "@Name"), so `locateMentions` finds them
 * again in the edited text, and drops a person once the user deleted that text.
 */
export function chosenFromMessage(text: string, mentions: readonly MentionSpan[]): ChosenMention[] {
  const chosen: ChosenMention[] = [];
  for (const span of mentions) {
    if (span.start < 0 || span.length <= 0 || span.start + span.length > text.length) continue;
    const written = text.slice(span.start, span.start + span.length);
    const person = { name: written.startsWith('@') ? written.slice(1) : written, user: span.user, written };
    if (!chosen.some((c) => c.written === person.written && c.user === person.user)) chosen.push(person);
  }
  return chosen;
}
