import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CoreError } from '../../../electron/core/ipc/errors';
import { FileGrants, GRANT_LIFETIME_MS, newGrantId } from '../../../electron/core/services/fileGrants';

const FILE = path.resolve('/home/ada/notes.txt');

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    return error instanceof CoreError ? error.code : 'not a CoreError';
  }
}

describe('file grants', () => {
  it('mints unguessable ids: 256 random bits, never the same twice', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newGrantId()));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('binds a grant to its access, and spends it when asked', () => {
    const grants = new FileGrants();
    const read = grants.add('read', FILE);
    expect(codeOf(() => grants.use(read, 'write', { spend: true }))).toBe('file-grant-invalid');
    expect(grants.use(read, 'read', { spend: false })).toBe(FILE);
    expect(grants.use(read, 'read', { spend: true })).toBe(FILE);
    expect(codeOf(() => grants.use(read, 'read', { spend: true }))).toBe('file-grant-invalid');
    expect(codeOf(() => grants.use(newGrantId(), 'read', { spend: true }))).toBe('file-grant-invalid');
  });

  it('lets a grant expire', () => {
    let now = 1_000_000;
    const grants = new FileGrants(() => now);
    const id = grants.add('write', FILE);
    now += GRANT_LIFETIME_MS - 1;
    expect(grants.use(id, 'write', { spend: false })).toBe(FILE);
    now += 1;
    expect(codeOf(() => grants.use(id, 'write', { spend: true }))).toBe('file-grant-expired');
    expect(codeOf(() => grants.use(id, 'write', { spend: true }))).toBe('file-grant-invalid');
  });

  it('takes only absolute paths and well-formed ids from the shell, and forgets everything on clear', () => {
    const grants = new FileGrants();
    expect(() => grants.add('read', 'notes.txt')).toThrow();
    expect(() => grants.add('read', `${FILE}\u0000.png`)).toThrow();
    expect(() => grants.add('read', FILE, 'short')).toThrow();
    const id = newGrantId();
    expect(grants.add('read', FILE, id)).toBe(id);
    grants.clear();
    expect(codeOf(() => grants.use(id, 'read', { spend: false }))).toBe('file-grant-invalid');
  });

  it('keeps at most 1000 grants, dropping the oldest', () => {
    const grants = new FileGrants();
    const first = grants.add('read', FILE);
    for (let i = 0; i < 1000; i += 1) grants.add('read', FILE);
    expect(codeOf(() => grants.use(first, 'read', { spend: false }))).toBe('file-grant-invalid');
  });
});
