/**
 * Every error the core returns has its code and sentence in one table (electron/core/ipc/errors.ts;
 * the type of `CoreError`'s code refuses any other). A call may give a more specific sentence, but
 * never the table's own (that is the default) and never one written at another call already.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { IPC_ERRORS } from '../../../electron/core/ipc/errors';

const coreDir = path.resolve(__dirname, '../../../electron/core');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** Every `new CoreError('code', 'sentence')` with a literal sentence, where it is written. */
function inlineSentences(): Array<{ code: string; sentence: string; at: string }> {
  const call = /new CoreError\(\s*'([a-z0-9-]+)',\s*'((?:[^'\\]|\\.)*)'/g;
  return sources(coreDir).flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(call)].map((m) => ({ code: m[1] ?? '', sentence: (m[2] ?? '').replace(/\\'/g, "'"), at: path.relative(coreDir, file) })),
  );
}

describe('error sentences', () => {
  it('finds the calls it checks', () => {
    expect(inlineSentences().length).toBeGreaterThan(10);
  });

  it("never writes a code's table sentence at a call", () => {
    const table: Readonly<Record<string, string>> = IPC_ERRORS;
    expect(inlineSentences().filter((s) => table[s.code] === s.sentence)).toEqual([]);
  });

  it('writes each specific sentence at one call only', () => {
    const seen = new Map<string, string>();
    const twice: string[] = [];
    for (const { sentence, at } of inlineSentences()) {
      const first = seen.get(sentence);
      if (first !== undefined) twice.push(`${sentence} (${first} and ${at})`);
      else seen.set(sentence, at);
    }
    expect(twice).toEqual([]);
  });

  it('gives every code its own sentence', () => {
    const sentences = Object.values(IPC_ERRORS);
    expect(new Set(sentences).size).toBe(sentences.length);
  });
});
