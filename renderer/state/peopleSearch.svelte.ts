/**
 * One people search box as the user types (issue 17, defect 2, and the members panel's search):
 * every keystroke clears the old answer at once and searches when typing pauses; Enter searches
 * now unless this text was already sent; an answer is shown only for the text as it is now. The
 * rules themselves are the pure functions of lib/peopleSearch.ts.
 */
import { t } from '../i18n';
import { isCurrentAnswer, planSearch, SEARCH_DEBOUNCE_MS, shouldSearchNow } from '../lib/peopleSearch';
import type { PersonResult } from './startConversation';
import { searchPeople } from './startConversation';

export type PeopleSearchView =
  | Readonly<{ kind: 'idle' | 'partial-address' | 'unsearchable' | 'searching' | 'rate-limited' | 'failed' }>
  | Readonly<{ kind: 'found'; people: readonly PersonResult[] }>;

export class PeopleSearch {
  query = $state('');
  view = $state<PeopleSearchView>({ kind: 'idle' });
  /** Bumped on every change of the text; answers from an older generation are dropped. */
  #generation = 0;
  #lastSent: number | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** The people found for the text as it is now (empty while searching or after a failure). */
  get people(): readonly PersonResult[] {
    return this.view.kind === 'found' ? this.view.people : [];
  }

  /** The sentence for the polite status line under the box. */
  get status(): string {
    const view = this.view;
    switch (view.kind) {
      case 'idle':
        return '';
      case 'partial-address':
        return t('group.searchFinishAddress');
      case 'unsearchable':
        return t('group.searchUnsearchable');
      case 'searching':
        return t('group.searching');
      case 'rate-limited':
        return t('group.searchRateLimited');
      case 'failed':
        return t('group.searchFailed');
      case 'found':
        if (view.people.length === 0) return t('group.noResults');
        return view.people.length === 1 ? t('group.foundOne') : t('group.foundMany', { count: view.people.length });
      default: {
        const unhandled: never = view;
        return unhandled;
      }
    }
  }

  /** Every keystroke (`oninput`, after the bound value changed). */
  input(): void {
    this.#generation += 1;
    this.cancel();
    const plan = planSearch(this.query);
    if (plan.kind !== 'search') {
      this.view = { kind: plan.kind };
      return;
    }
    this.view = { kind: 'searching' };
    const mine = this.#generation;
    this.#timer = setTimeout(() => void this.#run(mine, plan.query), SEARCH_DEBOUNCE_MS);
  }

  /** Enter: search now, unless this text was already sent. */
  submit(): void {
    const plan = planSearch(this.query);
    if (!shouldSearchNow(plan, this.#generation, this.#lastSent) || plan.kind !== 'search') return;
    this.cancel();
    this.view = { kind: 'searching' };
    void this.#run(this.#generation, plan.query);
  }

  /** Empties the box and the answer (after someone was added). */
  clear(): void {
    this.query = '';
    this.input();
  }

  /** Stops a pending search (the component goes away). */
  cancel(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  async #run(asked: number, text: string): Promise<void> {
    this.#timer = undefined;
    this.#lastSent = asked;
    const found = await searchPeople(text);
    if (!isCurrentAnswer({ generation: asked, query: text }, { generation: this.#generation, text: this.query })) return;
    if (found.ok) this.view = { kind: 'found', people: found.value };
    else this.view = { kind: found.error.code === 'rate-limited' ? 'rate-limited' : 'failed' };
  }
}
