import { z } from 'zod';
import type { RateWindowRepository } from '../repositories';
import type { SqliteDatabase } from './database';
import { prepared } from './statements';

const WindowRowSchema = z.object({ started_at: z.number().int(), count: z.number().int() });

/** One UPSERT per event: a window that ran out restarts at `now`. */
const HIT = `
  INSERT INTO rate_windows (id, started_at, count) VALUES (@id, @now, 1)
  ON CONFLICT (id) DO UPDATE SET
    count = CASE WHEN @now - rate_windows.started_at >= @window THEN 1 ELSE rate_windows.count + 1 END,
    started_at = CASE WHEN @now - rate_windows.started_at >= @window THEN @now ELSE rate_windows.started_at END
  RETURNING started_at, count`;

export class SqliteRateWindowRepository implements RateWindowRepository {
  constructor(private readonly db: SqliteDatabase) {}

  async hit(id: string, now: number, windowMs: number): Promise<Readonly<{ startedAt: number; count: number }>> {
    const row = WindowRowSchema.parse(prepared(this.db, HIT).get({ id, now, window: windowMs }));
    return { startedAt: row.started_at, count: row.count };
  }

  async prune(olderThan: number): Promise<number> {
    return prepared(this.db, 'DELETE FROM rate_windows WHERE started_at < ?').run(olderThan).changes;
  }
}
