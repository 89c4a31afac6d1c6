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

  it('keeps the SQLite driver out of the session, the services and the receive dispatch', () => {
    for (const [zone, file] of [
      ['electron/core/session', 'electron/core/session/session.ts'],
      ['electron/core/services', 'electron/core/services/outbox.ts'],
      ['electron/core/receive', 'electron/core/receive/applyEffects.ts'],
    ] as const) {
      expect(check(zone, file, 'better-sqlite3-multiple-ciphers')).toMatch(/may not import "better-sqlite3-multiple-ciphers"/);
      expect(check(zone, file, 'better-sqlite3-multiple-ciphers', true)).toMatch(/may not import/);
      expect(check(zone, file, 'better-sqlite3', true)).toMatch(/may not import "better-sqlite3"/);
      expect(check(zone, file, 'electron')).toMatch(/may not import "electron"/);
      expect(check(zone, file, '../store/handles')).toBeUndefined();
      expect(check(zone, file, '../ipc/contract')).toBeUndefined();
    }
    expect(check('electron/core/store', 'electron/core/store/openStore.ts', 'better-sqlite3-multiple-ciphers')).toBeUndefined();
  });

  it('keeps the IPC contract out of the store, even as types', () => {
    expect(check('electron/core/store', 'electron/core/store/receipts.ts', '../ipc/contract')).toMatch(/may not import from electron\/core\/ipc/);
    expect(check('electron/core/store', 'electron/core/store/receipts.ts', '../ipc/contract', true)).toMatch(/may not import from electron\/core\/ipc/);
    expect(check('electron/core/store', 'electron/core/store/receipts.ts', './handles')).toBeUndefined();
    expect(check('electron/core/store', 'electron/core/store/receipts.ts', '../../../protocol/result')).toBeUndefined();
  });

  it('places files in the innermost zone that holds them', async () => {
    const { ESLint } = await import('eslint');
    const eslint = new ESLint({ cwd: process.cwd() });
    const [store] = await eslint.lintText("import type { StoredMessage } from '../ipc/contract';\nexport type M = StoredMessage;\n", {
      filePath: 'electron/core/store/example.ts',
    });
    const [service] = await eslint.lintText("import type BetterSqlite3 from 'better-sqlite3-multiple-ciphers';\nexport type D = BetterSqlite3.Database;\n", {
      filePath: 'electron/core/services/example.ts',
    });
    const [core] = await eslint.lintText("import type BetterSqlite3 from 'better-sqlite3-multiple-ciphers';\nexport type D = BetterSqlite3.Database;\n", {
      filePath: 'electron/core/backup/example.ts',
    });
    const boundaries = (messages: readonly { ruleId: string | null; message: string }[]): string[] =>
      messages.filter((m) => m.ruleId === 'cairn/boundaries').map((m) => m.message);
    expect(boundaries(store?.messages ?? [])).toEqual([expect.stringMatching(/electron\/core\/store may not import from electron\/core\/ipc/)]);
    expect(boundaries(service?.messages ?? [])).toEqual([expect.stringMatching(/electron\/core\/services may not import "better-sqlite3-multiple-ciphers"/)]);
    expect(boundaries(core?.messages ?? [])).toEqual([]);
  });
});
