import type { Browser } from 'playwright-core';
import { chromium } from 'playwright-core';

/** Flags measured in PLATFORM-NOTES.md: quiet networking, fake media devices, loopback ICE. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--autoplay-policy=no-user-gesture-required',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
  '--allow-loopback-in-peer-connection',
] as const;

export const CHROMIUM_PATH = process.env.CAIRN_CHROMIUM ?? '/usr/bin/chromium';

/** `args` adds flags for one launch, e.g. `--use-file-for-fake-audio-capture=<wav>` for a call test's tone. */
export function launchChromium(options: { headless?: boolean; args?: readonly string[] } = {}): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: options.headless ?? true, args: [...CHROMIUM_ARGS, ...(options.args ?? [])] });
}
