import { describe, expect, it } from 'vitest';
import { EmailLookupSchema } from '../../../protocol';
import { chatRequestAddress, isCurrentAnswer, planSearch, shouldSearchNow } from '../../../renderer/lib/peopleSearch';

describe('when the people search asks the server', () => {
  it('sends a complete address as an e-mail lookup and a username as a prefix search', () => {
    expect(planSearch('  Bob@Example.test ')).toEqual({ kind: 'search', query: 'bob@example.test', by: 'email' });
    expect(planSearch('@moss')).toEqual({ kind: 'search', query: '@moss', by: 'username' });
    expect(planSearch('li')).toEqual({ kind: 'search', query: 'li', by: 'username' });
  });

  it('sends nothing for a half-typed address, an empty box or text no username can match', () => {
    for (const partial of ['bob@', 'bob@example', 'bob@example.', 'bob@example.t', 'bob@@x.test']) expect(planSearch(partial)).toEqual({ kind: 'partial-address' });
    expect(planSearch('')).toEqual({ kind: 'idle' });
    expect(planSearch('   ')).toEqual({ kind: 'idle' });
    expect(planSearch('@')).toEqual({ kind: 'idle' });
    expect(planSearch('Bob Lichen')).toEqual({ kind: 'unsearchable' });
  });

  it('calls an address complete exactly when the server would treat it as an e-mail lookup', () => {
    const samples = ['bob@example.test', 'a.b+c@x-y.example.org', 'bob@example.t', 'bob@example', '.bob@example.test', 'bo..b@example.test', 'bob@-x.test', "o'neil@example.test", 'bob@exa_mple.test'];
    for (const sample of samples) {
      const plan = planSearch(sample);
      expect({ sample, email: plan.kind === 'search' && plan.by === 'email' }).toEqual({ sample, email: EmailLookupSchema.safeParse(sample).success });
    }
  });
});

describe('whether an answer may be shown', () => {
  it('shows an answer only for the generation and query still current', () => {
    const asked = { generation: 3, query: 'bob@example.test' };
    expect(isCurrentAnswer(asked, { generation: 3, text: 'Bob@example.test ' })).toBe(true);
    expect(isCurrentAnswer(asked, { generation: 4, text: 'carol@example.test' })).toBe(false);
    // Typed back to the same text: still a newer generation, whose own search will answer.
    expect(isCurrentAnswer(asked, { generation: 5, text: 'bob@example.test' })).toBe(false);
    expect(isCurrentAnswer(asked, { generation: 3, text: 'carol@example.test' })).toBe(false);
  });

  it('lets Enter search at once but not twice for the same text', () => {
    const plan = planSearch('bob@example.test');
    expect(shouldSearchNow(plan, 2, undefined)).toBe(true);
    expect(shouldSearchNow(plan, 2, 1)).toBe(true);
    expect(shouldSearchNow(plan, 2, 2)).toBe(false);
    expect(shouldSearchNow(planSearch('bob@'), 2, 1)).toBe(false);
  });
});

describe('when the new-chat dialog offers a chat request', () => {
  it('offers one for a whole address that found nobody or hit the lookup budget, never for a username or a found person', () => {
    expect(chatRequestAddress(' Bob@Example.test ', { kind: 'found', count: 0 })).toBe('bob@example.test');
    expect(chatRequestAddress('bob@example.test', { kind: 'rate-limited' })).toBe('bob@example.test');
    expect(chatRequestAddress('bob@example.test', { kind: 'found', count: 1 })).toBeUndefined();
    expect(chatRequestAddress('bob@example.test', { kind: 'other' })).toBeUndefined();
    expect(chatRequestAddress('bob@example', { kind: 'found', count: 0 })).toBeUndefined();
    expect(chatRequestAddress('bob.lichen', { kind: 'found', count: 0 })).toBeUndefined();
  });
});
