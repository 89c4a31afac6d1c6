/**
 * When the people search in the new-chat and new-group dialogs asks the server, and whether an
 * answer may still be shown. Pure, so the rules are tested without a page.
 *
 * The server (server/routes/users.ts) treats a complete e-mail address as an exact lookup that
 * costs one of 30 an hour per searcher ('search-email' in server/http/rateLimit.ts), and anything
 * else as a username prefix. So while someone types an address, nothing is sent until the text is
 * a complete-looking address and the typing has paused; a half-typed address would find nobody
 * anyway (it is neither an address nor a valid username).
 */

/** How long typing must pause before a search is sent. */
export const SEARCH_DEBOUNCE_MS = 250;

/**
 * The shape `z.email()` accepts (zod 4's default pattern, which `EmailLookupSchema` on the server
 * uses); test/unit/renderer/peopleSearch.test.ts checks that both agree. Kept here rather than
 * importing the schema so the renderer does not bundle zod for one pattern.
 */
const EMAIL = /^(?!\.)(?!.*\.\.)([A-Za-z0-9_'+\-.]*)[A-Za-z0-9_+-]@([A-Za-z0-9][A-Za-z0-9-]*\.)+[A-Za-z]{2,}$/;
/** The usernames the server searches by prefix, after it drops one leading `@`. */
const HANDLE = /^[a-z0-9_.-]{1,256}$/;

export type SearchPlan =
  /** Nothing typed: show nothing. */
  | Readonly<{ kind: 'idle' }>
  /** Part of an e-mail address: wait for the rest; sending it would cost a lookup and find nobody. */
  | Readonly<{ kind: 'partial-address' }>
  /** Neither an address nor a username (spaces, other characters): the server would find nobody. */
  | Readonly<{ kind: 'unsearchable' }>
  | Readonly<{ kind: 'search'; query: string; by: 'email' | 'username' }>;

/** What to do with the search box's text. */
export function planSearch(text: string): SearchPlan {
  const query = text.trim().toLowerCase();
  if (query === '' || query === '@') return { kind: 'idle' };
  if (query.length <= 254 && EMAIL.test(query)) return { kind: 'search', query, by: 'email' };
  if (HANDLE.test(query.replace(/^@/, ''))) return { kind: 'search', query, by: 'username' };
  return query.indexOf('@') > 0 ? { kind: 'partial-address' } : { kind: 'unsearchable' };
}

/**
 * Each change of the text starts a new generation; an answer is shown only if it belongs to the
 * generation still current and was asked for the query the text still plans. Anything else would
 * offer a person who does not match what is typed (issue 17, defect 2).
 */
export function isCurrentAnswer(asked: Readonly<{ generation: number; query: string }>, now: Readonly<{ generation: number; text: string }>): boolean {
  if (asked.generation !== now.generation) return false;
  const plan = planSearch(now.text);
  return plan.kind === 'search' && plan.query === asked.query;
}

/**
 * Whether Enter should search now: only for a searchable text whose generation has not been sent
 * yet, so Enter after the debounced search does not spend a second e-mail lookup.
 */
export function shouldSearchNow(plan: SearchPlan, generation: number, lastSentGeneration: number | undefined): boolean {
  return plan.kind === 'search' && generation !== lastSentGeneration;
}

/**
 * The address to offer a chat request to in the new-chat dialog, if any: a whole e-mail address
 * whose search found nobody (or could not be run for the hourly budget). Search answers an
 * address only for people one already knows, so this is how anyone else is reached; the offer
 * reads the same whether the address has an account, because nothing here knows
 * (docs/SECURITY.md §10).
 */
export function chatRequestAddress(text: string, answer: Readonly<{ kind: 'found'; count: number }> | Readonly<{ kind: 'rate-limited' | 'other' }>): string | undefined {
  const plan = planSearch(text);
  if (plan.kind !== 'search' || plan.by !== 'email') return undefined;
  return (answer.kind === 'found' && answer.count === 0) || answer.kind === 'rate-limited' ? plan.query : undefined;
}
