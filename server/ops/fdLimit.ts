import { readFile } from 'node:fs/promises';

/** The process's open-file limit: `soft` is what `accept` runs into, `hard` the most it may be raised to. */
export type FdLimit = Readonly<{ soft: number; hard: number }>;

/**
 * Reads the effective open-file limit from `/proc/self/limits` (Linux; `undefined` elsewhere or
 * when unreadable). Node raises the soft limit to the hard one itself when it starts
 * (`PlatformInit` in node's src/node.cc, unless an embedder opts out), so the server does not
 * call setrlimit — which Node does not offer — and what is read here is already the most an
 * unprivileged process gets. Raising the hard limit needs the operator: `LimitNOFILE=` in a
 * systemd unit, `ulimit -Hn` as root, or `nofile` in /etc/security/limits.conf.
 */
export async function readFdLimit(file = '/proc/self/limits'): Promise<FdLimit | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  return parseFdLimit(text);
}

/** The "Max open files" line of a `/proc/<pid>/limits` text; `unlimited` reads as Infinity. */
export function parseFdLimit(text: string): FdLimit | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith('Max open files'));
  const match = line === undefined ? null : /^Max open files\s+(\S+)\s+(\S+)/.exec(line);
  if (match?.[1] === undefined || match[2] === undefined) return undefined;
  const value = (field: string): number => (field === 'unlimited' ? Number.POSITIVE_INFINITY : Number(field));
  const soft = value(match[1]);
  const hard = value(match[2]);
  return Number.isNaN(soft) || Number.isNaN(hard) ? undefined : { soft, hard };
}

/**
 * Below this many descriptors the server warns at start: each online device holds one socket,
 * and SQLite, the TLS key, log and asset files need some too. 1 024, a common default, runs out
 * at about 990 devices (measured, issue 18).
 */
export const FD_LIMIT_WARNING = 4096;

/** A limit as logged: a number, `unlimited`, or `unknown` when it could not be read. */
export function describeFdLimit(limit: number | undefined): string {
  if (limit === undefined) return 'unknown';
  return limit === Number.POSITIVE_INFINITY ? 'unlimited' : String(limit);
}
