import type { TestProject } from 'vitest/node';
import { startPostgresCluster } from './postgresCluster';
import { testDatabaseKind } from './testDatabaseKind';

/**
 * With CAIRN_TEST_DATABASE=postgres, starts one throwaway PostgreSQL cluster for the whole run
 * (test servers get a database each in it: testDatabase.ts) and stops it at the end. One cluster
 * instead of one per worker: vitest runs each test file in a fresh process, so a cluster per
 * process would be an initdb per file. Without the variable it starts nothing.
 */
export async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  if (testDatabaseKind() !== 'postgres') {
    project.provide('postgresBase', null);
    return undefined;
  }
  const cluster = await startPostgresCluster();
  project.provide('postgresBase', cluster.base);
  return () => cluster.stop();
}
