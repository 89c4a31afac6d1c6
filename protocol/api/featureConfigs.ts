import { z } from 'zod';

/** Seed 002: the app locks after 1 minute without use unless the administrator sets another time. */
export const DEFAULT_INACTIVITY_TIMEOUT_SECS = 60;
/** The longest idle time a client accepts for its own auto-lock setting (24 h). */
export const MAX_INACTIVITY_TIMEOUT_SECS = 24 * 3600;

export const InactivityTimeoutSecsSchema = z.number().int().min(1).max(MAX_INACTIVITY_TIMEOUT_SECS);

/**
 * The app lock as the server's administrator set it (Wire's team feature config `appLock` with
 * `enforceAppLock` and `inactivityTimeoutSecs`). When `enforced`, clients keep the lock on and
 * lock after at most `inactivityTimeoutSecs` without use; otherwise the timeout is only a default.
 */
export const AppLockPolicySchema = z.object({
  enforced: z.boolean(),
  inactivityTimeoutSecs: InactivityTimeoutSecsSchema,
});
export type AppLockPolicy = z.infer<typeof AppLockPolicySchema>;

/** What `GET /feature-configs` answers: the server-wide settings every signed-in client follows. */
export const FeatureConfigsSchema = z.object({ appLock: AppLockPolicySchema });
export type FeatureConfigs = z.infer<typeof FeatureConfigsSchema>;

/** No policy file: the lock is the user's choice, with the seed's default timeout. */
export const DEFAULT_FEATURE_CONFIGS: FeatureConfigs = {
  appLock: { enforced: false, inactivityTimeoutSecs: DEFAULT_INACTIVITY_TIMEOUT_SECS },
};
