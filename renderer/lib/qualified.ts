/**
 * Qualified ids as the renderer keeps them (`user-uuid@domain`) and as the core's requests take
 * them (`{ id, domain }`).
 */

/** `user-uuid@domain` as `{ id, domain }` (a uuid has no @). */
export function splitQualified(qualified: string): { id: string; domain: string } | undefined {
  const at = qualified.indexOf('@');
  return at > 0 ? { id: qualified.slice(0, at), domain: qualified.slice(at + 1) } : undefined;
}

/** Mentions as the renderer keeps them (`user` qualified) in the shape the core's requests take. */
export function coreMentions(
  mentions: ReadonlyArray<{ start: number; length: number; user: string }>,
): Array<{ start: number; length: number; user: { id: string; domain: string } }> {
  return mentions.flatMap((m) => {
    const user = splitQualified(m.user);
    return user ? [{ start: m.start, length: m.length, user }] : [];
  });
}
