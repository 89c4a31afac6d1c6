import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { violation } from '../../eslint-rules/boundaries.js';

const root = '/repo';
const check = (zone: string, file: string, source: string, typeOnly = false): string | undefined =>
  violation(zone, path.join(root, file), source, typeOnly, root);

describe('import boundaries', () => {
  it('keeps electron out of the core', () => {
    expect(check('electron/core', 'electron/core/core.ts', 'electron')).toMatch(/may not import "electron"/);
    expect(check('electron/core', 'electron/core/core.ts', 'node:fs')).toBeUndefined();
  });

  it('keeps Node and core code out of the renderer, except contract types', () => {
    expect(check('renderer', 'renderer/api.ts', 'node:fs')).toMatch(/Node-only/);
    expect(check('renderer', 'renderer/api.ts', 'fs')).toMatch(/Node-only/);
    expect(check('renderer', 'renderer/api.ts', 'better-sqlite3-multiple-ciphers')).toMatch(/Node-only/);
    expect(check('renderer', 'renderer/api.ts', '../electron/core/ipc/contract')).toMatch(/import type/);
    expect(check('renderer', 'renderer/api.ts', '../electron/core/ipc/contract', true)).toBeUndefined();
    expect(check('renderer', 'renderer/api.ts', '../electron/core/store/db', true)).toMatch(/may not import/);
    expect(check('renderer', 'renderer/api.ts', 'svelte')).toBeUndefined();
  });

  it('lets protocol import only its schema libraries', () => {
    expect(check('protocol', 'protocol/api.ts', 'zod')).toBeUndefined();
    expect(check('protocol', 'protocol/api.ts', 'cbor-x')).toBeUndefined();
    expect(check('protocol', 'protocol/api.ts', 'fastify')).toMatch(/may import only/);
    expect(check('protocol', 'protocol/api.ts', 'node:crypto')).toMatch(/Node module/);
    expect(check('protocol', 'protocol/api.ts', '../server/db')).toMatch(/may not import/);
  });

  it('keeps the server and the shell in their lanes', () => {
    expect(check('server', 'server/main.ts', '../electron/core/core')).toMatch(/may not import/);
    expect(check('server', 'server/main.ts', '../protocol/version')).toBeUndefined();
    expect(check('electron/main', 'electron/main/main.ts', '../core/store/db')).toMatch(/may not import/);
    expect(check('electron/main', 'electron/main/main.ts', '../core/ipc/contract')).toBeUndefined();
    expect(check('electron/preload', 'electron/preload/preload.ts', 'node:fs')).toMatch(/Node module/);
  });
});
