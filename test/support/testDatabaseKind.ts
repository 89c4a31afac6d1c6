import { z } from 'zod';

/**
 * Which store test servers use: `CAIRN_TEST_DATABASE=postgres` runs them on PostgreSQL (one
 * throwaway cluster for the whole run, started by postgresGlobalSetup.ts, and a fresh database
 * per data folder); unset or `sqlite`, on SQLite as always.
 */
export function testDatabaseKind(): 'sqlite' | 'postgres' {
  const parsed = z.enum(['sqlite', 'postgres']).optional().safeParse(process.env.CAIRN_TEST_DATABASE || undefined);
  if (!parsed.success) throw new Error(`CAIRN_TEST_DATABASE must be sqlite or postgres, not "${String(process.env.CAIRN_TEST_DATABASE)}"`);
  return parsed.data ?? 'sqlite';
}

