import { z } from 'zod';
import type { RateWindowRepository } from '../repositories';
import type { PgDatabase } from './database';

const WindowRowSchema = z.object({ started_at: z.number().int(), count: z.number().int() });

/**
 * One statement per event: INSERT … ON CONFLICT DO UPDATE takes the row lock, so events counted
 * at the same moment by different server instances are counted one after the other, never lost.
 * In SET, every `rate_windows.` column is the row's value before the update.
 */
const HIT = `
  INSERT INTO rate_windows (id, started_at, count) VALUES ($1, $2::bigint, 1)
  ON CONFLICT (id) DO UPDATE SET
    count = CASE WHEN $2::bigint - rate_windows.started_at >= $3::bigint THEN 1 ELSE rate_windows.count + 1 END,
    started_at = CASE WHEN $2::bigint - rate_windows.started_at >= $3::bigint THEN $2::bigint ELSE rate_windows.started_at END
  RETURNING started_at, count`;

export class PgRateWindowRepository implements RateWindowRepository {
  constructor(private readonly db: PgDatabase) {}

  async hit(id: string, now: number, windowMs: number): Promise<Readonly<{ startedAt: number; count: number }>> {
    const row = WindowRowSchema.parse((await this.db.query(HIT, [id, now, windowMs])).rows[0]);
    return { startedAt: row.started_at, count: row.count };
  }

  async prune(olderThan: number): Promise<number> {
    return (await this.db.query('DELETE FROM rate_windows WHERE started_at < $1', [olderThan])).rowCount ?? 0;
  }
}
