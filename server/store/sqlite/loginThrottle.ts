import { z } from 'zod';
import type { LoginThrottleRepository, ThrottleBudget, ThrottleChange, ThrottlePair } from '../repositories';
import type { SqliteDatabase } from './database';
import { prepared } from './statements';

const PairRowSchema = z.object({ failures: z.number().int(), last_failure: z.number().int() });
const BudgetRowSchema = z.object({ started_at: z.number().int(), failures: z.number().int() });

export class SqliteLoginThrottleRepository implements LoginThrottleRepository {
  constructor(private readonly db: SqliteDatabase) {}

  /** One synchronous transaction: SQLite's single writer keeps it whole. */
  async update<T>(pairId: string, budgetId: string, decide: (pair: ThrottlePair | undefined, budget: ThrottleBudget | undefined) => Readonly<{ result: T; change: ThrottleChange }>): Promise<T> {
    return this.db.transaction((): T => {
      const pairRow = prepared(this.db, 'SELECT failures, last_failure FROM login_pairs WHERE id = ?').get(pairId);
      const budgetRow = prepared(this.db, 'SELECT started_at, failures FROM login_budgets WHERE id = ?').get(budgetId);
      const pair = pairRow === undefined ? undefined : PairRowSchema.parse(pairRow);
      const budget = budgetRow === undefined ? undefined : BudgetRowSchema.parse(budgetRow);
      const { result, change } = decide(
        pair && { failures: pair.failures, lastFailure: pair.last_failure },
        budget && { startedAt: budget.started_at, failures: budget.failures },
      );
      if (change.pair === null) prepared(this.db, 'DELETE FROM login_pairs WHERE id = ?').run(pairId);
      else if (change.pair !== undefined) {
        prepared(this.db, 'INSERT INTO login_pairs (id, failures, last_failure) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET failures = excluded.failures, last_failure = excluded.last_failure').run(
          pairId,
          change.pair.failures,
          change.pair.lastFailure,
        );
      }
      if (change.budget === null) prepared(this.db, 'DELETE FROM login_budgets WHERE id = ?').run(budgetId);
      else if (change.budget !== undefined) {
        prepared(this.db, 'INSERT INTO login_budgets (id, started_at, failures) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET started_at = excluded.started_at, failures = excluded.failures').run(
          budgetId,
          change.budget.startedAt,
          change.budget.failures,
        );
      }
      return result;
    }).immediate();
  }

  async prune(pairsBefore: number, budgetsBefore: number): Promise<number> {
    return (
      prepared(this.db, 'DELETE FROM login_pairs WHERE last_failure < ?').run(pairsBefore).changes +
      prepared(this.db, 'DELETE FROM login_budgets WHERE started_at < ?').run(budgetsBefore).changes
    );
  }
}
