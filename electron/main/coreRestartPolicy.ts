/**
 * When the core process dies, the shell restarts it — but not forever: a core that crashes
 * on start (corrupt profile, missing native module) would otherwise spin, and the user would
 * see a window that never works. After `maxRestarts` crashes within `windowMs` the shell gives
 * up and tells the user.
 */
export interface RestartPolicy {
  readonly maxRestarts: number;
  readonly windowMs: number;
  /** Delay before restart n (0-based); grows so a crash loop does not hog the CPU. */
  readonly backoffMs: readonly number[];
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  maxRestarts: 3,
  windowMs: 60_000,
  backoffMs: [250, 1_000, 3_000],
};

export type RestartDecision =
  | Readonly<{ action: 'restart'; delayMs: number; attempt: number }>
  | Readonly<{ action: 'give-up'; crashes: number }>;

/**
 * Decides what to do after a crash at `now`, given the times of earlier restarts. The caller
 * records `now` in its history when it restarts.
 */
export function decideRestart(
  previousRestarts: readonly number[],
  now: number,
  policy: RestartPolicy = DEFAULT_RESTART_POLICY,
): RestartDecision {
  const recent = previousRestarts.filter((time) => now - time < policy.windowMs).length;
  if (recent >= policy.maxRestarts) return { action: 'give-up', crashes: recent + 1 };
  const delayMs = policy.backoffMs[Math.min(recent, policy.backoffMs.length - 1)] ?? 0;
  return { action: 'restart', delayMs, attempt: recent + 1 };
}
