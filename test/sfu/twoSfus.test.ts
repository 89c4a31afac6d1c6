import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newCallSecret, sfuRoom } from '../../electron/core/calls/conference/ephemeralIds';
import type { JanusResult } from '../../electron/core/net/janusClient';
import { JanusSession } from '../../electron/core/net/janusClient';
import type { LocalJanus } from '../../server/calls/localJanus';
import { startLocalJanus } from '../../server/calls/localJanus';
import type { RunningServer } from '../../server/server';
import { startServer } from '../../server/server';
import { requireSfuNamespace } from '../support/sfuNamespace';

requireSfuNamespace();

function value<T>(result: JanusResult<T>): T {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value;
}

/** Two Janus instances sharing one token secret, as on two hosts, and a server that lists both (--sft-url). */
const secret = randomBytes(32).toString('base64');
let root: string;
const instances: LocalJanus[] = [];
let server: RunningServer | undefined;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'cairn-two-sfus-'));
  for (const name of ['sfu1', 'sfu2']) {
    const started = await startLocalJanus({ dir: path.join(root, name), tokenSecret: secret, rtpPortRange: name === 'sfu1' ? '20000-20100' : '20101-20200' });
    if (!started.ok) throw new Error(started.error.message);
    instances.push(started.value);
  }
  const started = await startServer({ dataDir: path.join(root, 'server'), port: 0, logLevel: 'silent', sfu: { kind: 'remote', urls: instances.map((i) => i.url), secret } });
  if (!started.ok) throw new Error(started.error.message);
  server = started.value;
});

afterAll(async () => {
  await server?.close();
  for (const instance of instances) await instance.stop();
  await rm(root, { recursive: true, force: true });
});

describe('several SFUs', () => {
  it('lists every SFU with a token each accepts, and a room made on one exists only there', async () => {
    const listed = server?.sfus.sftServers(Date.now()) ?? [];
    expect(listed.map((sfu) => sfu.url)).toEqual(instances.map((i) => i.url));
    const ids = sfuRoom(newCallSecret());
    const { room } = ids;
    const [first, second] = await Promise.all(listed.map(async (sfu) => value(await JanusSession.create({ url: sfu.url, token: sfu.token, pins: sfu.pins }))));
    if (!first || !second) throw new Error('two sessions expected');
    try {
      const onFirst = value(await first.attachVideoRoom());
      expect(value(await onFirst.createRoom(ids))).toBe(room);
      const onSecond = value(await second.attachVideoRoom());
      expect(value(await first.message(onFirst.id, { request: 'exists', room })).plugindata.data).toMatchObject({ exists: true });
      expect(value(await second.message(onSecond.id, { request: 'exists', room })).plugindata.data).toMatchObject({ exists: false });
    } finally {
      await first.destroy();
      await second.destroy();
    }
  });
});
