/**
 * The user's preferences as the UI sees them. The core keeps them (encrypted, per profile) and
 * applies the notification and privacy ones itself; the UI applies the theme by setting
 * `data-theme` on <html>, which global.css lets override the OS's light or dark choice.
 */
import type { Preferences } from '../../electron/core/ipc/contract';
import type { ErrorInfo } from '../../protocol/result';
import { onEvent, request } from '../api';

type Theme = Preferences['theme'];

/** Applies a theme: `system` leaves the choice to the OS (prefers-color-scheme). */
function applyTheme(theme: Theme): void {
  const root = document.documentElement;
  if (theme === 'system') delete root.dataset.theme;
  else root.dataset.theme = theme;
}

class PreferencesState {
  value = $state<Preferences | undefined>(undefined);
  busy = $state(false);
  error = $state<ErrorInfo | undefined>(undefined);
  /** Saves under way, and how many were started: older news must not undo a newer choice. */
  private saving = 0;
  private saves = 0;

  async load(): Promise<void> {
    const started = this.saves;
    const result = await request('preferences.get', {});
    if (!result.ok) this.error = result.error;
    else if (this.saving === 0 && this.saves === started) this.adopt(result.value);
  }

  /**
   * Follows changes the core announces (another window, the CLI on the same profile). While this
   * window saves, its own answers are the ones that count: the core sends a save's event before
   * its answer, so nothing older arrives after the last answer.
   */
  follow(): () => void {
    return onEvent('preferences.changed', (preferences) => {
      if (this.saving === 0) this.adopt(preferences);
    });
  }

  /** Saves some preferences; shown at once, and on failure the core's values are shown again. */
  async set(patch: Partial<Preferences>): Promise<boolean> {
    if (this.value) this.adopt({ ...this.value, ...patch });
    this.busy = true;
    this.error = undefined;
    this.saving += 1;
    this.saves += 1;
    let result: Awaited<ReturnType<typeof request<'preferences.set'>>>;
    try {
      result = await request('preferences.set', patch);
      // With another save still under way, its shown choice stays until its own answer.
      if (result.ok && this.saving === 1) this.adopt(result.value);
    } finally {
      this.saving -= 1;
      this.busy = this.saving > 0;
    }
    if (result.ok) return true;
    const failed = result.error;
    await this.load();
    this.error = failed;
    return false;
  }

  private adopt(preferences: Preferences): void {
    this.value = preferences;
    applyTheme(preferences.theme);
  }
}

export const preferences = new PreferencesState();
