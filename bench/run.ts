/**
 * `npm run bench [name-filter]`: runs every bench/*.bench.ts and prints each result as a ratio
 * against its own baseline measured in the same run. Never part of `npm test`.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchResult } from './harness';
import { formatResult } from './harness';

const here = path.dirname(fileURLToPath(import.meta.url));
const filter = process.argv[2] ?? '';

async function main(): Promise<void> {
  const all = (await readdir(here)).filter((f) => f.endsWith('.bench.ts'));
  // An exact name runs that bench alone (`mls` is not also `mlsEngine`); otherwise a substring.
  const files = all.includes(`${filter}.bench.ts`) ? [`${filter}.bench.ts`] : all.filter((f) => f.includes(filter)).sort();
  for (const file of files) {
    const module: unknown = await import(pathToFileURL(path.join(here, file)).href);
    // A bench whose comparison needs several ratios returns a list of results.
    const run = (module as { run?: () => Promise<BenchResult | readonly BenchResult[]> }).run;
    if (typeof run !== 'function') throw new Error(`${file} exports no run()`);
    const outcome = await run();
    for (const result of 'name' in outcome ? [outcome] : outcome) process.stdout.write(`${formatResult(result)}\n\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
