import { z } from 'zod';
import type { LoginThrottleRepository, ThrottleBudget, ThrottleChange, ThrottlePair } from '../repositories';
import { parseRow } from '../sqlite/rows';
import type { PgDatabase } from './database';
import { inTransaction } from './database';

const PairRowSchema = z.object({ failures: z.number().int(), last_failure: z.number().int() });
const BudgetRowSchema = z.object({ started_at: z.number().int(), failures: z.number().int() });

export class PgLoginThrottleRepository implements LoginThrottleRepository {
  constructor(private readonly db: PgDatabase) {}

  /**
   * The rows are made to exist first (ON CONFLICT DO NOTHING, with values that mean "nothing
   * yet") and then locked with FOR UPDATE, so two instances checking the same pair or address at
   * once run one after the other and neither guess slips past the count. Pair before budget in
   * every transaction: no deadlock.
   */
  async update<T>(pairId: string, budgetId: string, decide: (pair: ThrottlePair | undefined, budget: ThrottleBudget | undefined) => Readonly<{ result: T; change: ThrottleChange }>): Promise<T> {
    return inTransaction(this.db, async (tx): Promise<T> => {
      await tx.query('INSERT INTO login_pairs (id, failures, last_failure) VALUES ($1, 0, 0) ON CONFLICT (id) DO NOTHING', [pairId]);
      await tx.query('INSERT INTO login_budgets (id, started_at, failures) VALUES ($1, 0, 0) ON CONFLICT (id) DO NOTHING', [budgetId]);
      const pairRow = parseRow(PairRowSchema, (await tx.query('SELECT failures, last_failure FROM login_pairs WHERE id = $1 FOR UPDATE', [pairId])).rows[0]);
      const budgetRow = parseRow(BudgetRowSchema, (await tx.query('SELECT started_at, failures FROM login_budgets WHERE id = $1 FOR UPDATE', [budgetId])).rows[0]);
      // A placeholder row (no failure yet) reads as no row.
      const pair = pairRow === undefined || pairRow.failures === 0 ? undefined : { failures: pairRow.failures, lastFailure: pairRow.last_failure };
      const budget = budgetRow === undefined || (budgetRow.failures === 0 && budgetRow.started_at === 0) ? undefined : { startedAt: budgetRow.started_at, failures: budgetRow.failures };
      const { result, change } = decide(pair, budget);
      if (change.pair === null || (change.pair === undefined && pair === undefined)) await tx.query('DELETE FROM login_pairs WHERE id = $1', [pairId]);
      else if (change.pair !== undefined) {
        // An UPSERT: a sign-in that waited on the lock may find the row deleted meanwhile (a success cleared it).
        await tx.query('INSERT INTO login_pairs (id, failures, last_failure) VALUES ($1, $2, $3) ON CONFLICT (id) DO UPDATE SET failures = excluded.failures, last_failure = excluded.last_failure', [
          pairId,
          change.pair.failures,
          change.pair.lastFailure,
        ]);
      }
      if (change.budget === null || (change.budget === undefined && budget === undefined)) await tx.query('DELETE FROM login_budgets WHERE id = $1', [budgetId]);
      else if (change.budget !== undefined) {
        await tx.query('INSERT INTO login_budgets (id, started_at, failures) VALUES ($1, $2, $3) ON CONFLICT (id) DO UPDATE SET started_at = excluded.started_at, failures = excluded.failures', [
          budgetId,
          change.budget.startedAt,
          change.budget.failures,
        ]);
      }
      return result;
    });
  }

  async prune(pairsBefore: number, budgetsBefore: number): Promise<number> {
    return (
      ((await this.db.query('DELETE FROM login_pairs WHERE last_failure < $1', [pairsBefore])).rowCount ?? 0) +
      ((await this.db.query('DELETE FROM login_budgets WHERE started_at < $1', [budgetsBefore])).rowCount ?? 0)
    );
  }
}
