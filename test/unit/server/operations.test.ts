import { Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import { limitConnections, reservedDescriptors } from '../../../server/ops/connectionLimit';
import { describeFdLimit, parseFdLimit } from '../../../server/ops/fdLimit';
import { readScaleFlags } from '../../../server/ops/scaleFlags';

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            1024                 524288               files
Max locked memory         8388608              8388608              bytes
`;

function acceptError(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`accept ${code}`), { code, syscall: 'accept' });
}

describe('operator limits', () => {
  it('reads the open-file limit from /proc/self/limits, unlimited included', () => {
    expect(parseFdLimit(LIMITS)).toEqual({ soft: 1024, hard: 524288 });
    expect(parseFdLimit(LIMITS.replace('1024                 524288', 'unlimited            unlimited'))).toEqual({
      soft: Number.POSITIVE_INFINITY,
      hard: Number.POSITIVE_INFINITY,
    });
    expect(parseFdLimit('Max cpu time unlimited unlimited seconds')).toBeUndefined();
    expect(describeFdLimit(Number.POSITIVE_INFINITY)).toBe('unlimited');
    expect(describeFdLimit(undefined)).toBe('unknown');
  });

  it("caps connections below the open-file limit, keeping descriptors for the server's own files", () => {
    const server = new Server();
    expect(limitConnections(server, { soft: 1024, hard: 1024 }, { warn: () => undefined }, () => undefined)).toBe(960);
    expect(server.maxConnections).toBe(960);
    expect(reservedDescriptors(1_000_000)).toBe(1024);
    const unlimited = new Server();
    expect(limitConnections(unlimited, { soft: Number.POSITIVE_INFINITY, hard: Number.POSITIVE_INFINITY }, { warn: () => undefined }, () => undefined)).toBeUndefined();
  });

  it('logs and counts each refused connection, and sums up a flood instead of logging every line', () => {
    const server = new Server();
    const lines: Record<string, unknown>[] = [];
    const counted: string[] = [];
    let clock = 1_000_000;
    limitConnections(server, { soft: 1024, hard: 4096 }, { warn: (fields) => lines.push(fields) }, (reason) => counted.push(reason), () => clock);
    for (let index = 0; index < 49; index += 1) server.emit('drop', {});
    server.emit('error', acceptError('ENFILE'));
    expect(counted).toHaveLength(50);
    expect(counted.at(-1)).toBe('ENFILE');
    expect(lines).toHaveLength(20);
    expect(lines[0]).toMatchObject({ event: 'connection-refused', reason: 'fd-limit', fdLimit: '1024', maxConnections: 960 });
    clock += 1000;
    server.emit('drop', {});
    expect(lines).toHaveLength(21);
    expect(lines[20]).toMatchObject({ notLoggedBefore: 30 });
  });

  it('reads the hashing and metrics flags, refusing values out of range by name', () => {
    expect(readScaleFlags({ 'hash-workers': '0', 'hash-queue': '100', 'metrics-port': '9464' })).toEqual({
      ok: true,
      value: { hashPool: { workers: 0, maxQueued: 100, maxPerAddress: 25 }, metrics: { port: 9464 } },
    });
    const wrong = readScaleFlags({ 'hash-workers': 'many' });
    expect(!wrong.ok && wrong.error.message).toMatch(/--hash-workers/);
    const hostOnly = readScaleFlags({ 'metrics-host': '10.0.0.1' });
    expect(!hostOnly.ok && hostOnly.error.message).toMatch(/--metrics-port/);
  });
});
