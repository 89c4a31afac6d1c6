import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Issue 12, "a data layer": the only core code that writes SQL or drives the SQLite connection
 * is the store (electron/core/store, the backup's bulk SQL included). Everything else reaches a
 * table through a repository function, so a schema change is made in one folder.
 */
const CORE = path.resolve(__dirname, '../../../electron/core');
const DATA_LAYER = path.join(CORE, 'store');

/** What SQL looks like in TypeScript: the driver's calls and the statements' keywords. */
const SQL_SIGNS: ReadonlyArray<Readonly<{ what: string; pattern: RegExp }>> = [
  { what: 'prepares a statement', pattern: /\b(db|tx|w|raw|database|connection)\.prepare\(|\.prepare\(\s*[`'"]/ },
  { what: 'runs SQL text', pattern: /\.exec\(\s*[`'"]/ },
  { what: 'sets a pragma', pattern: /\.pragma\(/ },
  { what: 'opens a raw transaction', pattern: /\.transaction\(/ },
  { what: 'uses the statement cache', pattern: /\bcachedStatement\(/ },
  { what: 'writes a statement', pattern: /\b(SELECT [\w.*(]|INSERT INTO |INSERT OR REPLACE INTO |UPDATE \w+ SET |DELETE FROM |CREATE (TABLE|INDEX)|DROP INDEX)/ },
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return full === DATA_LAYER ? [] : sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** Every line of core code outside the store that looks like SQL, as `file:line: why`. */
function sqlOutsideTheStore(): string[] {
  return sourceFiles(CORE).flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .flatMap((line, index) =>
        SQL_SIGNS.filter(({ pattern }) => pattern.test(line)).map(({ what }) => `${path.relative(CORE, file)}:${index + 1}: ${what}: ${line.trim()}`),
      ),
  );
}

describe('the data layer', () => {
  it('is the only core code that writes SQL', () => {
    expect(sqlOutsideTheStore()).toEqual([]);
  });

  it('recognises SQL when it sees it (the check above can fail)', () => {
    const lines = [
      "db.prepare('SELECT 1 FROM t').get()",
      'tx.exec(`DROP INDEX "x"`)',
      "db.pragma('cache_size')",
      'db.transaction(() => undefined)()',
      "cachedStatement(db, 'DELETE FROM t')",
      "const sql = 'UPDATE conversations SET name = ?'",
    ];
    for (const line of lines) expect(SQL_SIGNS.some(({ pattern }) => pattern.test(line)), line).toBe(true);
    // A regular expression's exec and the words in a sentence are not SQL.
    for (const line of ['/^bytes (\\d+)$/.exec(header)', 'LINE.exec(line)', "log.info('select a conversation')", "this.prepare(receiving, n)"]) {
      expect(SQL_SIGNS.some(({ pattern }) => pattern.test(line)), line).toBe(false);
    }
  });
});
