import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../../../protocol';
import { startServer } from '../../support/testDatabase';
import type { TestServer } from './support/server';
import { startTestServer } from './support/server';
import { registerUser } from './support/users';

const NO_POLICY = { appLock: { enforced: false, inactivityTimeoutSecs: 60 } };

describe('feature configs (the administrator policy)', () => {
  let t: TestServer;
  let logs = '';
  beforeAll(async () => {
    const stream = new PassThrough();
    stream.on('data', (chunk: Buffer) => {
      logs += chunk.toString('utf8');
    });
    t = await startTestServer({ logLevel: 'info', logStream: stream });
  });
  afterAll(async () => t.stop());

  const policyFile = (): string => path.join(t.dataDir, 'policy.json');

  it('answers signed-in users only, with no policy while the data folder has no policy file', async () => {
    expect((await t.api.get('/feature-configs')).status).toBe(401);
    const user = await registerUser(t.api, t.dataDir);
    const answer = await t.api.get('/feature-configs', { token: user.token });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual(NO_POLICY);
  });

  it('follows edits of the policy file without a restart, and keeps the last valid policy when an edit is broken', async () => {
    const user = await registerUser(t.api, t.dataDir);
    const policy = async (): Promise<unknown> => (await t.api.get('/feature-configs', { token: user.token })).body;

    await writeFile(policyFile(), JSON.stringify({ appLock: { enforced: true, inactivityTimeoutSecs: 30 } }));
    expect(await policy()).toEqual({ appLock: { enforced: true, inactivityTimeoutSecs: 30 } });

    // The timeout may be left out: the seed's 60 s apply.
    await writeFile(policyFile(), JSON.stringify({ appLock: { enforced: true } }));
    expect(await policy()).toEqual({ appLock: { enforced: true, inactivityTimeoutSecs: 60 } });

    // A misspelt key and a half-written file are errors in the log; the policy in force stays.
    await writeFile(policyFile(), JSON.stringify({ appLock: { enforced: false, inactivityTimeout: 5 } }));
    expect(await policy()).toEqual({ appLock: { enforced: true, inactivityTimeoutSecs: 60 } });
    expect(logs).toContain('policy file invalid; the previous policy stays');
    expect(logs).toContain('inactivityTimeout');
    await writeFile(policyFile(), '{ "appLock": { "enforced": fa');
    expect(await policy()).toEqual({ appLock: { enforced: true, inactivityTimeoutSecs: 60 } });

    await writeFile(policyFile(), JSON.stringify({ appLock: { enforced: false, inactivityTimeoutSecs: 900 } }));
    expect(await policy()).toEqual({ appLock: { enforced: false, inactivityTimeoutSecs: 900 } });

    await rm(policyFile());
    expect(await policy()).toEqual(NO_POLICY);
  });

  it('is part of the OpenAPI document', () => {
    const document = buildOpenApiDocument();
    expect(document.paths).toHaveProperty(['/feature-configs', 'get', 'operationId'], 'featureConfigs');
  });
});

describe('a policy file given at start', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'cairn-policy-'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('is served from another place with the policyFile option (--policy)', async () => {
    const file = path.join(dir, 'org-policy.json');
    await writeFile(file, JSON.stringify({ appLock: { enforced: true, inactivityTimeoutSecs: 120 } }));
    const t = await startTestServer({ policyFile: file });
    try {
      const user = await registerUser(t.api, t.dataDir);
      expect((await t.api.get('/feature-configs', { token: user.token })).body).toEqual({ appLock: { enforced: true, inactivityTimeoutSecs: 120 } });
    } finally {
      await t.stop();
    }
  });

  it('stops the server from starting when it is invalid, and says what is wrong', async () => {
    const dataDir = path.join(dir, 'invalid');
    const file = path.join(dir, 'invalid-policy.json');
    for (const [text, problem] of [
      ['{ "appLock": { "enforced": "yes" } }', 'appLock.enforced'],
      ['{ "appLock": { "enforced": true, "inactivityTimeoutSecs": 0 } }', 'appLock.inactivityTimeoutSecs'],
      ['{ "applock": { "enforced": true } }', 'applock'],
      ['{ "appLock": ', 'not valid JSON'],
    ] as const) {
      await writeFile(file, text);
      const started = await startServer({ dataDir, port: 0, logLevel: 'silent', policyFile: file });
      if (started.ok) await started.value.close();
      expect(started).toMatchObject({ ok: false, error: { code: 'policy-invalid' } });
      if (!started.ok) {
        expect(started.error.message).toContain(file);
        expect(started.error.message).toContain(problem);
      }
    }
  });
});
