/**
 * Wires the smoke check to Electron: pings the core over its own channel, checks the window's
 * URL, prints one line and exits 0 or 1. Only runs when CAIRN_SMOKE_TEST=1.
 */
import type { BrowserWindow, MessagePortMain } from 'electron';
import { app } from 'electron';
import { APP_ENTRY_URL } from './appOrigin';
import { SMOKE_TIMEOUT_MS, isSmokePong, smokePing } from './smokeCheck';

export function runSmokeCheck(window: BrowserWindow, openChannel: () => MessagePortMain | undefined): void {
  const finish = (ok: boolean, detail: string): void => {
    process.stdout.write(`cairn smoke ${ok ? 'passed' : 'FAILED'}: ${detail}\n`);
    app.exit(ok ? 0 : 1);
  };
  const timer = setTimeout(() => finish(false, 'the core did not answer in time'), SMOKE_TIMEOUT_MS);
  if (window.webContents.getURL() !== APP_ENTRY_URL) {
    clearTimeout(timer);
    finish(false, `the window shows ${window.webContents.getURL()}`);
    return;
  }
  const port = openChannel();
  if (!port) {
    clearTimeout(timer);
    finish(false, 'the core is not running');
    return;
  }
  port.on('message', (event) => {
    if (!isSmokePong(event.data)) return;
    clearTimeout(timer);
    finish(true, 'renderer loaded from app://cairn and the core answered over its MessagePort');
  });
  port.start();
  port.postMessage(smokePing());
}
