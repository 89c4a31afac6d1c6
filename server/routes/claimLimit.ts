import type { ServerContext } from '../context';
import type { RateCheck } from '../http/rateLimit';

/**
 * Limits on claiming another user's keys (MLS key packages, Proteus prekeys): a budget per
 * claimer, and a smaller one per claimer and target, so one account cannot drain a user's
 * packages faster than their devices refill them (seed 002: each package is handed out once).
 * Claiming one's own (for another device of the same user) counts only against the first.
 */
export async function claimLimit(context: ServerContext, claimer: string, target: string): Promise<RateCheck> {
  const overall = await context.limiter.attempt('key-claim', claimer);
  if (!overall.ok || claimer === target) return overall;
  return context.limiter.attempt('key-claim-target', `${claimer}\u0000${target}`);
}
