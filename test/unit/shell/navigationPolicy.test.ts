import { describe, expect, it } from 'vitest';
import { checkExternalUrl } from '../../../electron/main/externalUrl';
import { decideNavigation, decideWindowOpen, mayReceiveCorePort } from '../../../electron/main/navigationPolicy';
import { decideSessionRequest } from '../../../electron/main/networkPolicy';

describe('external link check', () => {
  it('passes ordinary web links, normalised', () => {
    expect(checkExternalUrl('https://example.org/a?b=c#d')).toEqual({ ok: true, url: 'https://example.org/a?b=c#d' });
    expect(checkExternalUrl('http://EXAMPLE.org')).toEqual({ ok: true, url: 'http://example.org/' });
  });

  it.each([
    'file:///etc/passwd',
    'file://server/share/run.exe',
    'javascript:alert(1)',
    'JavaScript:alert(1)',
    'data:text/html,<b>x</b>',
    'vbscript:msgbox(1)',
    'smb://host/share',
    'ms-msdt:/id PCWDiagnostic',
    'cairn://open',
    'app://cairn/index.html',
    'ftp://example.org/',
    'mailto:a@example.org',
  ])('refuses %s because only http and https leave the app', (url) => {
    expect(checkExternalUrl(url).ok).toBe(false);
  });

  it('refuses links carrying credentials, whitespace tricks or absurd length', () => {
    expect(checkExternalUrl('https://user:pass@example.org/').ok).toBe(false);
    expect(checkExternalUrl('https://user@example.org/').ok).toBe(false);
    expect(checkExternalUrl(' https://example.org/').ok).toBe(false);
    expect(checkExternalUrl('https://exa\nmple.org/').ok).toBe(false);
    expect(checkExternalUrl('https://example.org/\u0085').ok).toBe(false);
    expect(checkExternalUrl(`https://example.org/${'a'.repeat(2100)}`).ok).toBe(false);
    expect(checkExternalUrl('').ok).toBe(false);
    expect(checkExternalUrl('not a url').ok).toBe(false);
  });
});

describe('navigation decisions', () => {
  it('keep the window inside app://cairn', () => {
    expect(decideNavigation('app://cairn/index.html#/settings')).toEqual({ action: 'allow' });
  });

  it('send web links to the OS browser instead of navigating the window', () => {
    expect(decideNavigation('https://example.org/')).toEqual({ action: 'open-external', url: 'https://example.org/' });
  });

  it('refuse file:, javascript:, data: and other apps’ origins outright', () => {
    for (const url of ['file:///etc/passwd', 'javascript:alert(1)', 'data:text/html,x', 'app://evil/index.html']) {
      expect(decideNavigation(url).action).toBe('deny');
    }
  });

  it('never open a window, not even for our own origin', () => {
    expect(decideWindowOpen('app://cairn/index.html').action).toBe('deny');
    expect(decideWindowOpen('https://example.org/')).toEqual({ action: 'open-external', url: 'https://example.org/' });
  });

  it('give the core port only to the top frame of our own origin', () => {
    expect(mayReceiveCorePort('app://cairn/index.html', true)).toBe(true);
    expect(mayReceiveCorePort('app://cairn/index.html', false)).toBe(false);
    expect(mayReceiveCorePort('https://example.org/', true)).toBe(false);
    expect(mayReceiveCorePort('about:blank', true)).toBe(false);
  });
});

describe('session network lock', () => {
  it('cancels every web request a page makes: the core does the networking', () => {
    for (const url of ['https://example.org/x.js', 'http://127.0.0.1:8080/', 'wss://server.example/socket', 'ws://x/']) {
      expect(decideSessionRequest(url, true).cancel).toBe(true);
    }
  });

  it('cancels requests that no page made too, such as spell-check dictionary downloads from Google', () => {
    expect(decideSessionRequest('https://redirector.gvt1.com/edgedl/chrome/dict/en-us-10-1.bdic', false).cancel).toBe(true);
    expect(decideSessionRequest('http://dl.google.com/x', false).cancel).toBe(true);
    expect(decideSessionRequest('app://cairn/index.html', false).cancel).toBe(false);
  });

  it('does not touch local resources of the app', () => {
    expect(decideSessionRequest('app://cairn/index.html', true).cancel).toBe(false);
    expect(decideSessionRequest('blob:app://cairn/1234', true).cancel).toBe(false);
  });
});
