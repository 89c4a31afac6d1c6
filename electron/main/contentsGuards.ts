/**
 * Locks down every webContents the app creates: the window never leaves app://cairn, never
 * opens another window, never attaches a <webview>; web links go to the OS browser after
 * `checkExternalUrl`. Installed from `web-contents-created`, so it covers contents we did not
 * create on purpose too. Typed against the few events it uses, so tests can drive it.
 */
import type { NavigationDecision } from './navigationPolicy';
import { decideNavigation, decideWindowOpen } from './navigationPolicy';

interface PreventableEvent {
  preventDefault(): void;
}
interface NavigationEvent extends PreventableEvent {
  readonly url: string;
  readonly isMainFrame: boolean;
}

/** The part of Electron's WebContents the guards use. */
export interface GuardedContents {
  on(event: 'will-navigate' | 'will-redirect' | 'will-frame-navigate', listener: (event: NavigationEvent) => void): unknown;
  on(event: 'will-attach-webview', listener: (event: PreventableEvent) => void): unknown;
  setWindowOpenHandler(handler: (details: { readonly url: string }) => { action: 'deny' }): void;
}

export interface GuardEffects {
  /** Hands a checked http(s) URL to the OS browser (`shell.openExternal`). */
  openExternal(url: string): Promise<void>;
  log(message: string): void;
}

export function installContentsGuards(contents: GuardedContents, effects: GuardEffects): void {
  const act = (decision: NavigationDecision, prevent: () => void): void => {
    if (decision.action === 'allow') return;
    prevent();
    if (decision.action === 'open-external') {
      effects.openExternal(decision.url).catch(() => effects.log('the OS could not open an external link'));
    } else {
      effects.log(`blocked navigation: ${decision.reason}`);
    }
  };

  contents.on('will-navigate', (event) => act(decideNavigation(event.url), () => event.preventDefault()));
  contents.on('will-redirect', (event) => {
    // A redirect is never a user's click: block it without opening anything.
    if (decideNavigation(event.url).action !== 'allow') event.preventDefault();
  });
  contents.on('will-frame-navigate', (event) => {
    // The top frame is handled by 'will-navigate' (which may open the link externally).
    if (!event.isMainFrame && decideNavigation(event.url).action !== 'allow') event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler((details) => {
    act(decideWindowOpen(details.url), () => undefined);
    return { action: 'deny' };
  });
}
