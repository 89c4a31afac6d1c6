import { parseArgs } from 'node:util';
import { PIN_PATTERN } from '../protocol';
import { readScaleFlags, SCALE_FLAGS } from './ops/scaleFlags';
import { startServer } from './server';

/**
 * `npm run server -- --data DIR [--host 127.0.0.1] [--port N] [--domain D] [--password-hash scrypt|argon2id] [--policy FILE] [--next-pin sha256/…] …`
 * Prints `url: …` and `pin: sha256/…` on stdout once listening; logs go to stderr as JSON.
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
      'sft-url': { type: 'string', multiple: true },
      'password-hash': { type: 'string', default: 'scrypt' },
      durability: { type: 'string', default: 'full' },
      ...SCALE_FLAGS,
      policy: { type: 'string' },
      'next-pin': { type: 'string', multiple: true },
    },
  });
  if (values.data === undefined) {
    process.stderr.write('usage: npm run server -- --data DIR [--host 127.0.0.1] [--port N] [--domain D]\n');
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
  const durability = values.durability;
  if (durability !== 'full' && durability !== 'normal') {
    process.stderr.write(`--durability must be full or normal, not "${String(durability)}"\n`);
    process.exit(2);
  }
  const scale = readScaleFlags(values);
  if (!scale.ok) {
    process.stderr.write(`${scale.error.message}\n`);
    process.exit(2);
  }
  const started = await startServer({
    ...scale.value,
    passwordAlgorithm,
    durability,
    dataDir: values.data,
    host: values.host,
    port,
    ...(values.domain ? { domain: values.domain } : {}),
    ...(values['tls-key'] ? { tlsKeyFile: values['tls-key'] } : {}),
    ...(values['tls-cert'] ? { tlsCertFile: values['tls-cert'] } : {}),
    ...(values['smtp-url'] ? { smtp: { url: values['smtp-url'], from: values['smtp-from'] ?? 'cairn@localhost' } } : {}),
    ...(values['max-asset-bytes'] ? { maxAssetBytes: Number(values['max-asset-bytes']) } : {}),
    ...(values['turn-url'] ? { turn: { urls: values['turn-url'], ...(values['turn-secret'] ? { secret: values['turn-secret'] } : {}) } } : {}),
    ...(values['sft-url'] ? { sftUrls: values['sft-url'] } : {}),
    ...(values.policy ? { policyFile: values.policy } : {}),
    nextPins,
    logStream: process.stderr,
  });
  if (!started.ok) {
    process.stderr.write(`${started.error.message}\n`);
    process.exit(1);
  }
  process.stdout.write(`url: ${started.value.url}\npin: ${started.value.pin}\n`);
  const server = started.value;
  const stop = (): void => {
    server.close().then(
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
