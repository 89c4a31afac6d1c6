/**
 * Headless command-line client on the same core as the desktop app. Every command goes through
 * the core's validated router, exactly as the renderer's requests do.
 *   npm run cli -- --profile DIR --server URL --pin PIN <command> [--json]
 */
import path from 'node:path';
import { createCore } from '../core/core';
import { missingCase } from '../../protocol/result';
import type { AccountStatus, RequestChannel, RequestOf, ResponseOf } from '../core/ipc/contract';
import type { ProfileStoreOptions } from '../core/store/openProfileStore';
import { silentLogger } from '../core/log';
import type { ParsedArgs } from './args';
import { parseArgs, stringFlag } from './args';

const USAGE = `Usage: npm run cli -- [--profile DIR] [--server URL --pin PIN] <command> [--json]

Commands:
  help                                        show this text
  version                                     print the client and protocol version
  probe                                       check --server over TLS pinned to --pin
  register --email E --name N --password-stdin
                                              ask the server to e-mail a registration code
  activate --email E --code C                 finish the registration with the code, sign in
  login --email E --password-stdin [--temporary]
                                              sign in (a temporary device forgets its session on exit)
  logout                                      sign out this profile
  whoami                                      the signed-in account
  devices                                     the account's devices, this one marked

The profile's database key is kept in the OS keychain; where there is none, set
CAIRN_DB_PASSPHRASE to a passphrase (at least 8 characters) that protects it instead.

Errors go to stderr as "error <code>: <sentence>" (or one JSON document with --json)
and the exit code is non-zero.`;

interface Output {
  readonly json: boolean;
}

function print(out: Output, value: Readonly<Record<string, unknown>>, human: string): void {
  process.stdout.write(out.json ? `${JSON.stringify(value)}\n` : `${human}\n`);
}

function fail(out: Output, code: string, message: string): never {
  process.stderr.write(out.json ? `${JSON.stringify({ error: { code, message } })}\n` : `error ${code}: ${message}\n`);
  process.exit(code === 'usage' ? 2 : 1);
}

/** The keychain by default; a passphrase when CAIRN_DB_PASSPHRASE is set (never a plaintext key). */
function storeOptions(passphrase: string | undefined): ProfileStoreOptions {
  return passphrase ? { prefer: 'passphrase', passphrase } : {};
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

async function main(args: ParsedArgs): Promise<void> {
  const out: Output = { json: args.flags.has('json') };
  const command = args.positionals[0] ?? (args.flags.has('help') ? 'help' : undefined);
  if (command === undefined || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const profile = stringFlag(args, 'profile') ?? path.join(process.cwd(), '.cairn-cli');
  const core = createCore({
    dataDir: path.resolve(profile),
    appVersion: process.env.npm_package_version ?? '0.0.0',
    defaultServer: null,
    runtime: `cli on node ${process.versions.node}`,
    log: silentLogger,
    store: storeOptions(process.env.CAIRN_DB_PASSPHRASE),
  });
  const server = (): { url: string; pins: string[] } => {
    const url = stringFlag(args, 'server');
    const pin = stringFlag(args, 'pin');
    if (!url || !pin) fail(out, 'usage', 'This command needs --server URL and --pin PIN.');
    return { url, pins: pin.split(',') };
  };
  const required = (name: string): string => {
    const value = stringFlag(args, name);
    if (value === undefined || value === '') fail(out, 'usage', `This command needs --${name}.`);
    return value;
  };
  const password = async (): Promise<string> => {
    if (!args.flags.has('password-stdin')) fail(out, 'usage', 'Give the password on standard input with --password-stdin.');
    const text = await readStdin();
    if (text === '') fail(out, 'usage', 'No password arrived on standard input.');
    return text;
  };
  const printStatus = (status: AccountStatus): void => {
    switch (status.state) {
      case 'signed-out':
        return print(out, status, 'Signed out.');
      case 'awaiting-code':
        return print(out, status, `A code was sent to ${status.email}. Run: activate --email ${status.email} --code CODE`);
      case 'signed-in':
        return print(out, status, `Signed in as ${status.user.name} <${status.user.email}> on ${status.server.url}${status.temporary ? ' (temporary device)' : ''}`);
      default:
        return missingCase(status);
    }
  };
  const call = async <C extends RequestChannel>(channel: C, payload: RequestOf<C>): Promise<ResponseOf<C>> => {
    const result = await core.router.request(channel, payload);
    if (!result.ok) fail(out, result.error.code, result.error.message);
    return result.value;
  };

  switch (command) {
    case 'version': {
      const info = await call('app.info', {});
      print(out, info, `Cairn ${info.version} (protocol v${info.apiVersion})`);
      break;
    }
    case 'probe': {
      const probe = await call('server.probe', server());
      print(out, probe, `${probe.domain}: API v${probe.apiVersion}, pinned key matches (${probe.latencyMs} ms)`);
      break;
    }
    case 'register':
      printStatus(
        await call('account.register', {
          server: server(),
          email: required('email'),
          name: required('name'),
          password: await password(),
        }),
      );
      break;
    case 'activate':
      printStatus(await call('account.activate', { email: required('email'), code: required('code') }));
      break;
    case 'login':
      printStatus(
        await call('account.login', {
          server: server(),
          email: required('email'),
          password: await password(),
          temporary: args.flags.has('temporary'),
        }),
      );
      break;
    case 'logout':
      printStatus(await call('account.logout', {}));
      break;
    case 'whoami': {
      const status = await call('account.status', {});
      if (status.state !== 'signed-in') {
        printStatus(status);
        break;
      }
      const self = await call('account.self', {});
      print(out, { ...status, self }, `${self.name} <${self.email}> ${self.qualifiedId.id}@${self.qualifiedId.domain}`);
      break;
    }
    case 'devices': {
      const { devices } = await call('account.devices', {});
      const lines = devices.map(
        (d) =>
          `${d.current ? '*' : ' '} ${d.id}  ${d.type.padEnd(9)}  ${(d.label ?? d.model ?? '').padEnd(24)}  ${d.registeredAt}${d.fingerprint ? `\n    fingerprint ${d.fingerprint.replace(/(.{8})/g, '$1 ').trim()}` : ''}`,
      );
      print(out, { devices }, lines.join('\n'));
      break;
    }
    default:
      fail(out, 'usage', `Unknown command "${command}". Run "npm run cli -- help".`);
  }
  await core.close();
}

main(parseArgs(process.argv.slice(2))).catch((error: unknown) => {
  process.stderr.write(`error internal: ${error instanceof Error ? error.message : 'unknown failure'}\n`);
  process.exit(1);
});
