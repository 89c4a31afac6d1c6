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

  async load(): Promise<void> {
    const result = await request('preferences.get', {});
    if (result.ok) this.adopt(result.value);
    else this.error = result.error;
  }

  /** Follows changes the core announces (another window, the CLI on the same profile). */
  follow(): () => void {
    return onEvent('preferences.changed', (preferences) => this.adopt(preferences));
  }

  /** Saves some preferences; on failure the shown values go back to what the core has. */
  async set(patch: Partial<Preferences>): Promise<boolean> {
    const previous = this.value;
    if (previous) this.adopt({ ...previous, ...patch });
    this.busy = true;
    this.error = undefined;
    try {
      const result = await request('preferences.set', patch);
      if (result.ok) this.adopt(result.value);
      else {
        this.error = result.error;
        if (previous) this.adopt(previous);
      }
      return result.ok;
    } finally {
      this.busy = false;
    }
  }

  private adopt(preferences: Preferences): void {
    this.value = preferences;
    applyTheme(preferences.theme);
  }
}

export const preferences = new PreferencesState();
