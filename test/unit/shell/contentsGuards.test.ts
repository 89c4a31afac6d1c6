import { describe, expect, it } from 'vitest';
import type { GuardedContents } from '../../../electron/main/contentsGuards';
import { installContentsGuards } from '../../../electron/main/contentsGuards';

type Listener = (event: { url: string; isMainFrame: boolean; preventDefault(): void }) => void;

/** A webContents stand-in that records listeners and lets the test fire events. */
function fakeContents() {
  const listeners = new Map<string, Listener>();
  let openHandler: ((details: { readonly url: string }) => { action: 'deny' }) | undefined;
  const contents: GuardedContents = {
    on: (event: string, listener: Listener) => listeners.set(event, listener),
    setWindowOpenHandler: (handler) => {
      openHandler = handler;
    },
  };
  const fire = (event: string, url: string, isMainFrame = true): boolean => {
    let prevented = false;
    listeners.get(event)?.({ url, isMainFrame, preventDefault: () => (prevented = true) });
    return prevented;
  };
  const open = (url: string) => openHandler?.({ url });
  return { contents, fire, open };
}

function setup() {
  const opened: string[] = [];
  const log: string[] = [];
  const fake = fakeContents();
  installContentsGuards(fake.contents, {
    openExternal: async (url) => {
      opened.push(url);
    },
    log: (message) => log.push(message),
  });
  return { ...fake, opened, log };
}

describe('web contents guards', () => {
  it('let the window move within the app', () => {
    const { fire, opened } = setup();
    expect(fire('will-navigate', 'app://cairn/index.html#/chat')).toBe(false);
    expect(fire('will-redirect', 'app://cairn/index.html')).toBe(false);
    expect(opened).toEqual([]);
  });

  it('keep the window in place and open a clicked web link in the OS browser', () => {
    const { fire, opened } = setup();
    expect(fire('will-navigate', 'https://example.org/article')).toBe(true);
    expect(opened).toEqual(['https://example.org/article']);
  });

  it('block file:, javascript: and data: navigations without opening anything', () => {
    const { fire, opened, log } = setup();
    for (const url of ['file:///etc/passwd', 'javascript:alert(1)', 'data:text/html,hi']) {
      expect(fire('will-navigate', url)).toBe(true);
    }
    expect(opened).toEqual([]);
    expect(log).toHaveLength(3);
  });

  it('block redirects away from the app and never open them', () => {
    const { fire, opened } = setup();
    expect(fire('will-redirect', 'https://tracker.example/')).toBe(true);
    expect(opened).toEqual([]);
  });

  it('block sub-frames from leaving the app but leave the top frame to will-navigate', () => {
    const { fire } = setup();
    expect(fire('will-frame-navigate', 'https://evil.example/', false)).toBe(true);
    expect(fire('will-frame-navigate', 'https://example.org/', true)).toBe(false);
  });

  it('refuse every new window, sending only checked web links to the OS browser', () => {
    const { open, opened } = setup();
    expect(open('https://example.org/')).toEqual({ action: 'deny' });
    expect(open('app://cairn/index.html')).toEqual({ action: 'deny' });
    expect(open('file:///C:/Windows/System32/calc.exe')).toEqual({ action: 'deny' });
    expect(opened).toEqual(['https://example.org/']);
  });

  it('prevent any <webview> from attaching', () => {
    const { fire } = setup();
    expect(fire('will-attach-webview', 'app://cairn/index.html')).toBe(true);
  });
});
