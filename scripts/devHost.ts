/**
 * Runs Cairn without Electron: the real core in a child process and the built renderer in a
 * Chromium window, joined by the same bridge the test host uses. For machines that cannot
 * run Electron. Needs a display for the window; without one it says so and exits.
 */
import path from 'node:path';
import { defaultServerFromEnv } from '../electron/main/defaultServer';
import { RENDERER_HEADERS } from '../test/host/headers';
import { REPO_ROOT, startTestHost } from '../test/host/testHost';

async function main(): Promise<void> {
  if (!process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    process.stdout.write(
      'No display found (DISPLAY is not set), so no window can open here.\n' +
        'The local server keeps running for the CLI: see README, "Command-line client". Press Ctrl+C to stop.\n',
    );
    // Stay up (a bare pending promise would let Node exit) until Ctrl+C stops npm start.
    await new Promise<void>((resolve) => {
      const keepAlive = setInterval(() => undefined, 60_000);
      const stop = (): void => {
        clearInterval(keepAlive);
        resolve();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    return;
  }
  const host = await startTestHost({ headers: RENDERER_HEADERS, headless: false });
  const client = await host.launch({
    dataDir: path.join(REPO_ROOT, '.cairn-dev', 'profile'),
    defaultServer: defaultServerFromEnv(process.env),
    // The OS keychain keeps the DB key, as in the app; CAIRN_DB_PASSPHRASE is the fallback.
    store: process.env.CAIRN_DB_PASSPHRASE ? { prefer: 'passphrase', passphrase: process.env.CAIRN_DB_PASSPHRASE } : {},
  });
  process.stdout.write('Cairn is open in a Chromium window. Close it or press Ctrl+C to stop.\n');
  await new Promise<void>((resolve) => {
    client.page.once('close', () => resolve());
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await host.close();
}

main().catch((error: unknown) => {
  process.stderr.write(`dev host failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
