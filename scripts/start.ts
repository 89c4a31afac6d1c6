/**
 * `npm start`: runs a local reference server (data in .cairn-dev/server), builds the app and
 * opens it against that server. Electron is used when its binary is installed; on machines
 * where it cannot be (see README), the same core and renderer open in Chromium through the
 * dev host instead.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { electronBinary } from './electronBinary';
import { describeMail, watchOutbox } from './outboxWatch';

const root = fileURLToPath(new URL('..', import.meta.url));
const devDir = path.join(root, '.cairn-dev');
const port = process.env.CAIRN_DEV_PORT ?? '7443';

interface LocalServer {
  readonly url: string;
  readonly pin: string;
  /** Which TURN relay calls use: the coturn the server started beside itself, or `none (why)`. */
  readonly turn: string;
  stop(): void;
}

function startLocalServer(): Promise<LocalServer> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'server/main.ts', '--data', path.join(devDir, 'server'), '--host', '127.0.0.1', '--port', port],
    { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    let url = '';
    let pin = '';
    let turn = '';
    const lines = readline.createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      process.stdout.write(`[server] ${line}\n`);
      url = line.startsWith('url: ') ? line.slice(5).trim() : url;
      pin = line.startsWith('pin: ') ? line.slice(5).trim() : pin;
      turn = line.startsWith('turn: ') ? line.slice(6).trim() : turn;
      // The server starts coturn beside itself when it is installed (server/turn/coturn.ts) and
      // stops it when it stops, so calls relay locally with no extra step.
      if (url && pin && turn) resolve({ url, pin, turn, stop: () => child.kill('SIGTERM') });
    });
    child.once('exit', (code) => reject(new Error(`the local server exited (code ${code ?? 'signal'}) before it was ready`)));
  });
}

const children = new Set<ReturnType<typeof spawn>>();

function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: 'inherit', env });
    children.add(child);
    child.once('exit', (code) => {
      children.delete(child);
      resolve(code ?? 1);
    });
  });
}

async function main(): Promise<void> {
  const server = await startLocalServer();
  const outbox = path.join(devDir, 'server', 'outbox');
  const mails = await watchOutbox(outbox, (mail) => process.stdout.write(`${describeMail(mail)}\n`));
  const stop = (): void => {
    mails.close();
    server.stop();
  };
  // Stopping npm start stops everything it started (the app or dev host, and the server).
  const stopAll = (signal: NodeJS.Signals): void => {
    for (const child of children) child.kill(signal);
    stop();
  };
  process.once('SIGINT', () => stopAll('SIGINT'));
  process.once('SIGTERM', () => stopAll('SIGTERM'));
  try {
    if ((await run('npm', ['run', 'build'])) !== 0) throw new Error('the build failed');
    process.stdout.write(
      `\nThe local server (${server.url}) sends no real e-mail: its mails with codes (registration,\n` +
        `sign-in, new password) land in ${path.relative(root, outbox)}/, one JSON file each, and are shown here as "[mail] …".\n` +
        (server.turn.startsWith('none')
          ? `Calls have no relay (TURN): ${server.turn}. Install coturn (apt-get install coturn) for calls through a relay.\n\n`
          : `Calls relay through ${server.turn}.\n\n`),
    );
    const env = { ...process.env, CAIRN_SERVER_URL: server.url, CAIRN_SERVER_PINS: server.pin };
    const electron = electronBinary();
    if (electron) {
      await run(electron, ['.'], env);
      return;
    }
    process.stdout.write(
      'Electron is not installed on this machine (its binary download was skipped or failed).\n' +
        'Opening the same core and renderer in Chromium through the dev host instead.\n',
    );
    await run(process.execPath, ['--import', 'tsx', 'scripts/devHost.ts'], env);
  } finally {
    stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`npm start failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
