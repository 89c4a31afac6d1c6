import { describe, expect, it } from 'vitest';
import {
  RENDERER_CSP_DIRECTIVES,
  buildContentSecurityPolicy,
  rendererSecurityHeaders,
} from '../../../electron/main/contentSecurityPolicy';

const policy = buildContentSecurityPolicy();
const directives = new Map(
  policy.split(';').map((part) => {
    const [name = '', ...sources] = part.trim().split(/\s+/);
    return [name, sources] as const;
  }),
);

describe('renderer content security policy', () => {
  it('is exactly the policy the architecture asks for', () => {
    expect(policy).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; " +
        "media-src 'self' blob: mediastream:; font-src 'self'; connect-src 'self'; worker-src 'self'; " +
        "frame-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
  });

  it('has no unsafe source, no nonce escape and no wildcard in any directive', () => {
    for (const [name, sources] of directives) {
      for (const source of sources) {
        expect(source, name).not.toMatch(/unsafe|\*|strict-dynamic|nonce-|sha\d+-/i);
      }
    }
  });

  it('names no remote origin, so the renderer cannot load code or talk to the network itself', () => {
    const allowed = new Set(["'self'", "'none'", 'blob:', 'data:', 'mediastream:']);
    for (const sources of directives.values()) for (const source of sources) expect(allowed).toContain(source);
  });

  it('lets scripts come only from the app itself, never from data: or blob:', () => {
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('default-src')).toEqual(["'none'"]);
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(directives.get('base-uri')).toEqual(["'none'"]);
  });

  it('lets workers start only from the app\'s own files, never from blob: or data: URLs', () => {
    expect(directives.get('worker-src')).toEqual(["'self'"]);
  });

  it('serialises any directive set in a stable order', () => {
    expect(buildContentSecurityPolicy({ 'default-src': ["'none'"], 'img-src': ["'self'", 'data:'] })).toBe(
      "default-src 'none'; img-src 'self' data:",
    );
    expect(Object.keys(RENDERER_CSP_DIRECTIVES)[0]).toBe('default-src');
  });

  it('is sent with the hardening headers on every response', () => {
    const headers = rendererSecurityHeaders();
    expect(headers['Content-Security-Policy']).toBe(policy);
    expect(headers['X-Content-Type-Options']).toBe('nosniff');
    expect(headers['Cross-Origin-Opener-Policy']).toBe('same-origin');
    expect(headers['Referrer-Policy']).toBe('no-referrer');
    expect(headers['X-Frame-Options']).toBe('DENY');
  });

  it('lets the app\'s own origin capture camera, microphone and a screen for calls, and nothing else', () => {
    const features = new Map(
      (rendererSecurityHeaders()['Permissions-Policy'] ?? '').split(',').map((part) => {
        const [name = '', allow = ''] = part.trim().split('=');
        return [name, allow] as const;
      }),
    );
    for (const feature of ['camera', 'microphone', 'display-capture']) expect(features.get(feature), feature).toBe('(self)');
    for (const [feature, allow] of features) if (!['camera', 'microphone', 'display-capture'].includes(feature)) expect(allow, feature).toBe('()');
  });
});
