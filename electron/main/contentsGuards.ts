/**
 * Locks down every webContents the app creates: the window never leaves app://cairn, never
 * opens another window, never attaches a <webview>; web links go to the OS browser after
 * `checkExternalUrl`. Installed from `web-contents-created`, so it covers contents we did not
 * create on purpose too.
 */
import type { WebContents } from 'electron';
import { shell } from 'electron';
import type { NavigationDecision } from './navigationPolicy';
import { decideNavigation, decideWindowOpen } from './navigationPolicy';

export function installContentsGuards(contents: WebContents, log: (message: string) => void): void {
  const act = (decision: NavigationDecision, prevent: () => void): void => {
    if (decision.action === 'allow') return;
    prevent();
    if (decision.action === 'open-external') {
      void shell.openExternal(decision.url).catch(() => log('the OS could not open an external link'));
    } else {
      log(`blocked navigation: ${decision.reason}`);
    }
  };

  contents.on('will-navigate', (event) => act(decideNavigation(event.url), () => event.preventDefault()));
  contents.on('will-redirect', (event) => {
    // A redirect is never a user's click: block it without opening anything.
    if (decideNavigation(event.url).action !== 'allow') event.preventDefault();
  });
  contents.on('will-frame-navigate', (event) => {
    if (!event.isMainFrame && decideNavigation(event.url).action !== 'allow') event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler((details) => {
    act(decideWindowOpen(details.url), () => undefined);
    return { action: 'deny' };
  });
}
