/**
 * Headless command-line client on the same core as the desktop app. Every command goes through
 * the core's validated router, exactly as the renderer's requests do.
 *   npm run cli -- --profile DIR --server URL --pin PIN <command> [--json]
 */
import path from 'node:path';
import { createCore } from '../core/core';
import type { RequestChannel, RequestOf, ResponseOf } from '../core/ipc/contract';
import { silentLogger } from '../core/log';
import type { ParsedArgs } from './args';
import { parseArgs, stringFlag } from './args';

const USAGE = `Usage: npm run cli -- [--profile DIR] [--server URL --pin PIN] <command> [--json]

Commands:
  help            show this text
  version         print the client and protocol version
  probe           connect to --server over TLS pinned to --pin and print its domain and API version

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
  });
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
      const url = stringFlag(args, 'server');
      const pin = stringFlag(args, 'pin');
      if (!url || !pin) fail(out, 'usage', 'probe needs --server URL and --pin PIN.');
      const probe = await call('server.probe', { url, pins: pin.split(',') });
      print(out, probe, `${probe.domain}: API v${probe.apiVersion}, pinned key matches (${probe.latencyMs} ms)`);
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
