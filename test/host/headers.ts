import { rendererSecurityHeaders } from '../../electron/main/contentSecurityPolicy';

/** The shell's own CSP and hardening headers, from the same builder Electron's app:// uses. */
export const RENDERER_HEADERS: Readonly<Record<string, string>> = rendererSecurityHeaders();
