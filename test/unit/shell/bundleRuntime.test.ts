/**
 * Runs the built bundles outside Electron with the least Electron stand-ins they need: the
 * preload in a bare VM context with fake `contextBridge`/`ipcRenderer`, and the core in a
 * plain Node process with a fake `process.parentPort`. This catches bundling mistakes (a
 * stray import, a broken CJS shim) that type-checks cannot see.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { MessageChannel } from 'node:worker_threads';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, bundleElectron } from '../../../build/bundle';

const run = promisify(execFile);

describe('built bundles at run time', () => {
  let outDir = '';
  beforeAll(async () => {
    outDir = await mkdtemp(path.join(tmpdir(), 'cairn-bundle-run-'));
    await bundleElectron(outDir);
  });
  afterAll(async () => {
    await rm(outDir, { recursive: true, force: true });
  });

  it('preload exposes window.cairn, which reaches the core over the port main sends', async () => {
    const GRANT = 'g'.repeat(43);
    const code = await readFile(path.join(outDir, 'preload.cjs'), 'utf8');
    const exposed = new Map<string, unknown>();
    const ipcListeners = new Map<string, (event: { ports: unknown[] }) => void>();
    const invoked: unknown[][] = [];
    const electron = {
      contextBridge: { exposeInMainWorld: (key: string, value: unknown) => exposed.set(key, value) },
      ipcRenderer: {
        on: (channel: string, listener: (event: { ports: unknown[] }) => void) => ipcListeners.set(channel, listener),
        invoke: async (channel: string, ...args: unknown[]) => {
          invoked.push([channel, ...args]);
          if (channel === 'cairn:shell:pick-files') return [{ grant: GRANT, name: 'photo.png' }];
          if (channel === 'cairn:shell:grant-dropped') return [{ grant: GRANT, name: 'dropped.txt' }];
          return null;
        },
      },
      webUtils: { getPathForFile: (file: { name: string }) => `/home/ada/${file.name}` },
    };
    const fakeRequire = (name: string): unknown => {
      if (name !== 'electron') throw new Error(`the sandboxed preload cannot require ${name}`);
      return electron;
    };
    const module = { exports: {} };
    vm.runInNewContext(code, { require: fakeRequire, module, exports: module.exports, setTimeout, clearTimeout });

    expect([...exposed.keys()]).toEqual(['cairn']);
    expect([...ipcListeners.keys()]).toEqual(['cairn:port']);

    const { port1: rendererEnd, port2: coreEnd } = new MessageChannel();
    coreEnd.on('message', (message: { id: number; payload: { nonce: string } }) => {
      coreEnd.postMessage({ kind: 'response', id: message.id, result: { ok: true, value: { nonce: message.payload.nonce, receivedAt: 5 } } });
    });
    ipcListeners.get('cairn:port')?.({ ports: [rendererEnd] });

    const cairn = exposed.get('cairn');
    const request: unknown = typeof cairn === 'object' && cairn !== null ? Reflect.get(cairn, 'request') : undefined;
    expect(typeof request).toBe('function');
    const answer: unknown = typeof request === 'function' ? await request('app.ping', { nonce: 'vm' }) : undefined;
    rendererEnd.close();
    expect(answer).toEqual({ ok: true, value: { nonce: 'vm', receivedAt: 5 } });

    // cairn.shell goes to main through ipcRenderer.invoke; a dropped file's path comes from
    // webUtils and goes to main only, the page gets a grant.
    const shell: unknown = typeof cairn === 'object' && cairn !== null ? Reflect.get(cairn, 'shell') : undefined;
    const call = (name: string, ...args: unknown[]): unknown => {
      const fn: unknown = typeof shell === 'object' && shell !== null ? Reflect.get(shell, name) : undefined;
      return typeof fn === 'function' ? Reflect.apply(fn, shell, args) : undefined;
    };
    expect(await call('pickFiles')).toEqual([{ grant: GRANT, name: 'photo.png' }]);
    expect(await call('chooseSaveFile', 'map.pdf')).toBeNull();
    expect(await call('grantDroppedFiles', [{ name: 'dropped.txt' }])).toEqual([{ grant: GRANT, name: 'dropped.txt' }]);
    expect(invoked).toEqual([
      ['cairn:shell:pick-files'],
      ['cairn:shell:choose-save-file', 'map.pdf'],
      ['cairn:shell:grant-dropped', ['/home/ada/dropped.txt']],
    ]);
  });

  it('core runs in plain Node behind a stand-in parent port, records a file grant and answers a request', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'cairn-core-run-'));
    const driver = path.join(outDir, 'driver.cjs');
    await writeFile(
      driver,
      `
const { EventEmitter } = require('node:events');
const { MessageChannel } = require('node:worker_threads');
const parent = new EventEmitter();
const fromCore = [];
parent.postMessage = (message) => fromCore.push(message);
process.parentPort = parent;
require(${JSON.stringify(path.join(outDir, 'core.cjs'))});

// A MessagePortMain-shaped wrapper around a Node port: listeners receive { data }.
const { port1, port2 } = new MessageChannel();
const wrapped = new Map();
const corePort = {
  postMessage: (m) => port1.postMessage(m),
  on: (event, listener) => {
    if (event === 'close') return port1.on('close', listener);
    const w = (data) => listener({ data });
    wrapped.set(listener, w);
    port1.on('message', w);
  },
  off: (event, listener) => port1.off('message', wrapped.get(listener)),
  start: () => port1.start(),
  close: () => port1.close(),
};
parent.emit('message', { data: { kind: 'start', options: { dataDir: ${JSON.stringify(dataDir)}, appVersion: '0.0.0-test', defaultServer: null, runtime: 'node-standin' } }, ports: [] });
parent.emit('message', { data: { kind: 'attach' }, ports: [corePort] });
// The shell grants a file the user picked; the core answers on the parent port.
parent.emit('message', { data: { kind: 'grant', id: '${'g'.repeat(43)}', access: 'read', path: ${JSON.stringify(path.join(dataDir, '..', 'picked.txt'))} }, ports: [] });
port2.on('message', (message) => {
  process.stdout.write(JSON.stringify({ fromCore, message }));
  process.exit(0);
});
port2.postMessage({ kind: 'request', id: 3, channel: 'app.info', payload: {} });
setTimeout(() => { process.stderr.write('no answer'); process.exit(1); }, 10000);
`,
    );
    try {
      // The bundle keeps native modules external, as in the app (where they sit in
      // app.asar.unpacked); here they come from the repository's node_modules.
      const env = { ...process.env, NODE_PATH: path.join(REPO_ROOT, 'node_modules') };
      const { stdout } = await run(process.execPath, [driver], { timeout: 15_000, env });
      const output: unknown = JSON.parse(stdout);
      expect(output).toMatchObject({
        fromCore: [{ kind: 'ready' }, { kind: 'granted', id: 'g'.repeat(43), ok: true }],
        message: { kind: 'response', id: 3, result: { ok: true, value: { name: 'Cairn', version: '0.0.0-test', runtime: 'node-standin' } } },
      });
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
