import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buildOpenApiDocument } from '../protocol/openapi';

/** Writes protocol/openapi.json from the zod schemas; a test fails when the committed file is stale. */
async function main(): Promise<void> {
  const target = path.join(import.meta.dirname, '..', 'protocol', 'openapi.json');
  await writeFile(target, `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`);
  process.stdout.write(`wrote ${target}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
