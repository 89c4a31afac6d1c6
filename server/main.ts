import { isIP } from 'node:net';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PIN_PATTERN } from '../protocol';
import { missingCase } from '../protocol/result';
import { sfuSetupFromArgs } from './calls/sfuArgs';
import { readScaleFlags, SCALE_FLAGS } from './ops/scaleFlags';
import { startServer } from './server';
import type { RunningCoturn } from './turn/coturn';
import { findTurnserver, startCoturn, turnSecretIn } from './turn/coturn';
import { chooseTurn } from './turn/turnChoice';
import { readDatabaseFlag } from './store/open';
import { USAGE } from './usage';

/** The TURN servers handed to clients, and the line that tells the operator which. */
type TurnSetup = Readonly<{ turn?: { urls: readonly string[]; secret: string }; coturn?: RunningCoturn; line: string }>;

async function readSecretFile(file: string): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch (error) {
    process.stderr.write(`--turn-secret-file: cannot read ${file} (${error instanceof Error ? error.message : String(error)})\n`);
    return process.exit(2);
  }
}

/**
 * `--turn-url`/`--turn-secret` name an existing coturn; otherwise a coturn is started beside the
 * server when it is installed and the server is on loopback (development, `npm start`), else
 * calls get no TURN. Either way one `turn: …` line on stdout says which.
 */
async function setUpTurn(values: Readonly<{ data: string; host: string; domain?: string; urls: readonly string[]; secret?: string; secretFile?: string; noTurn: boolean }>): Promise<TurnSetup> {
  const secret = values.secret ?? (values.secretFile === undefined ? undefined : await readSecretFile(values.secretFile));
  const choice = chooseTurn({ urls: values.urls, secret, noTurn: values.noTurn, host: values.host, turnserver: findTurnserver() });
  switch (choice.kind) {
    case 'invalid':
      process.stderr.write(`${choice.message}\n`);
      return process.exit(2);
    case 'external':
      return { turn: { urls: choice.urls, secret: choice.secret }, line: `${choice.urls.join(' ')} (an existing TURN server, from --turn-url)` };
    case 'none':
      return { line: `none (calls connect directly only, without a relay: ${choice.reason})` };
    case 'bundled': {
      const dir = path.join(values.data, 'turn');
      const started = await startCoturn({ dir, secret: await turnSecretIn(dir), realm: values.domain ?? 'cairn.test', binary: choice.binary });
      if (!started.ok) return { line: `none (calls connect directly only, without a relay: ${started.error.message})` };
      const coturn = started.value;
      return { turn: { urls: coturn.urls, secret: coturn.secret }, coturn, line: `${coturn.urls.join(' ')} (coturn started beside this server; config, secret and log in ${dir})` };
    }
    default:
      return missingCase(choice);
  }
}

/**
 * `npm run server -- --data DIR [--database postgres://…] [--host 127.0.0.1] [--port N] [--domain D] [--password-hash scrypt|argon2id] [--policy FILE] [--next-pin sha256/…]
 *  [--turn-url turn:… --turn-secret S | --turn-secret-file F] [--no-turn] …`
 * Prints `url: …`, `pin: sha256/…` and `turn: …` on stdout once listening; logs go to stderr as JSON.
 * `--help` lists every flag (usage.ts).
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      data: { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '8443' },
      domain: { type: 'string' },
      'tls-key': { type: 'string' },
      'tls-cert': { type: 'string' },
      'smtp-url': { type: 'string' },
      'smtp-from': { type: 'string' },
      'max-asset-bytes': { type: 'string' },
      'turn-url': { type: 'string', multiple: true },
      'turn-secret': { type: 'string' },
      'turn-secret-file': { type: 'string' },
      'no-turn': { type: 'boolean', default: false },
      'sft-url': { type: 'string', multiple: true },
      'sft-secret': { type: 'string' },
      'sft-pin': { type: 'string', multiple: true },
      'local-sft': { type: 'string', default: 'auto' },
      'sft-interface': { type: 'string' },
      'sft-rtp-ports': { type: 'string' },
      'sft-https-ip': { type: 'string' },
      'password-hash': { type: 'string', default: 'scrypt' },
      durability: { type: 'string', default: 'full' },
      database: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
      ...SCALE_FLAGS,
      policy: { type: 'string' },
      'next-pin': { type: 'string', multiple: true },
      'trust-proxy': { type: 'string', multiple: true },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  if (values.data === undefined) {
    process.stderr.write(USAGE);
    process.exit(2);
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`--port must be a number from 0 to 65535, not "${values.port}"\n`);
    process.exit(2);
  }
  const passwordAlgorithm = values['password-hash'];
  if (passwordAlgorithm !== 'scrypt' && passwordAlgorithm !== 'argon2id') {
    process.stderr.write(`--password-hash must be scrypt or argon2id, not "${String(passwordAlgorithm)}"\n`);
    process.exit(2);
  }
  const nextPins = values['next-pin'] ?? [];
  const badPin = nextPins.find((pin) => !PIN_PATTERN.test(pin));
  if (badPin !== undefined) {
    process.stderr.write(`--next-pin must look like sha256/<44 base64 characters>, not "${badPin}"\n`);
    process.exit(2);
  }
  const trustProxy = values['trust-proxy'] ?? [];
  const badProxy = trustProxy.find((address) => isIP(address) === 0);
  if (badProxy !== undefined) {
    process.stderr.write(`--trust-proxy must be an IP address (the load balancer's), not "${badProxy}"\n`);
    process.exit(2);
  }
  const durability = values.durability;
  if (durability !== 'full' && durability !== 'normal') {
    process.stderr.write(`--durability must be full or normal, not "${String(durability)}"\n`);
    process.exit(2);
  }
  const database = values.database === undefined ? undefined : readDatabaseFlag(values.database);
  if (database !== undefined && !database.ok) {
    process.stderr.write(`${database.error.message}\n`);
    process.exit(2);
  }
  const scale = readScaleFlags(values);
  if (!scale.ok) {
    process.stderr.write(`${scale.error.message}\n`);
    process.exit(2);
  }
  const sfu = sfuSetupFromArgs(values);
  if (!sfu.ok) {
    process.stderr.write(`${sfu.error.message}\n`);
    process.exit(2);
  }
  const turn = await setUpTurn({
    data: values.data,
    host: values.host,
    ...(values.domain ? { domain: values.domain } : {}),
    urls: values['turn-url'] ?? [],
    ...(values['turn-secret'] ? { secret: values['turn-secret'] } : {}),
    ...(values['turn-secret-file'] ? { secretFile: values['turn-secret-file'] } : {}),
    noTurn: values['no-turn'],
  });
  const started = await startServer({
    ...scale.value,
    sfu: sfu.value,
    passwordAlgorithm,
    durability,
    ...(database === undefined ? {} : { database: database.value }),
    dataDir: values.data,
    host: values.host,
    port,
    ...(values.domain ? { domain: values.domain } : {}),
    ...(values['tls-key'] ? { tlsKeyFile: values['tls-key'] } : {}),
    ...(values['tls-cert'] ? { tlsCertFile: values['tls-cert'] } : {}),
    ...(values['smtp-url'] ? { smtp: { url: values['smtp-url'], from: values['smtp-from'] ?? 'cairn@localhost' } } : {}),
    ...(values['max-asset-bytes'] ? { maxAssetBytes: Number(values['max-asset-bytes']) } : {}),
    ...(turn.turn ? { turn: turn.turn } : {}),
    ...(values.policy ? { policyFile: values.policy } : {}),
    nextPins,
    ...(trustProxy.length > 0 ? { trustProxy } : {}),
    logStream: process.stderr,
  });
  if (!started.ok) {
    await turn.coturn?.stop();
    process.stderr.write(`${started.error.message}\n`);
    process.exit(1);
  }
  process.stdout.write(`url: ${started.value.url}\npin: ${started.value.pin}\nturn: ${turn.line}\n`);
  const server = started.value;
  let stopping = false;
  void turn.coturn?.exited.then((code) => {
    if (!stopping) process.stderr.write(`coturn stopped on its own (exit code ${String(code)}); calls have no relay until the server is restarted\n`);
  });
  const stop = (): void => {
    stopping = true;
    Promise.all([server.close(), turn.coturn?.stop()]).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`The server failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
