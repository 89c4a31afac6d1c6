import { readFile, stat } from 'node:fs/promises';
import { z } from 'zod';
import type { FeatureConfigs } from '../../protocol';
import { DEFAULT_FEATURE_CONFIGS, DEFAULT_INACTIVITY_TIMEOUT_SECS, InactivityTimeoutSecsSchema } from '../../protocol';
import type { Result } from '../../protocol/result';
import { err, ok } from '../../protocol/result';

/**
 * The administrator's policy file (`DIR/policy.json`). Strict, so a misspelt key is an error
 * rather than a setting silently ignored:
 *
 * ```json
 * { "appLock": { "enforced": true, "inactivityTimeoutSecs": 60 } }
 * ```
 */
const PolicyFileSchema = z
  .object({
    appLock: z
      .object({
        enforced: z.boolean(),
        inactivityTimeoutSecs: InactivityTimeoutSecsSchema.default(DEFAULT_INACTIVITY_TIMEOUT_SECS),
      })
      .strict()
      .optional(),
  })
  .strict();

type Stamp = string;

/** Parses the text of a policy file; the error names the file and the first problem in it. */
export function parsePolicy(file: string, text: string): Result<FeatureConfigs> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return err('policy-invalid', `The policy file ${file} is not valid JSON (${error instanceof Error ? error.message : String(error)}).`);
  }
  const parsed = PolicyFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    return err('policy-invalid', `The policy file ${file} is not valid (${where}${issue?.message ?? 'invalid'}).`);
  }
  return ok({ appLock: parsed.data.appLock ?? DEFAULT_FEATURE_CONFIGS.appLock });
}

export interface PolicyLog {
  info(object: object, message: string): void;
  error(object: object, message: string): void;
}

/**
 * The policy as the file says now. The file is checked (one `stat`) whenever a client asks, so
 * an administrator's edit applies without a restart; clients fetch it when they connect. A file
 * that turns invalid while the server runs is reported in the log and the last valid policy
 * stays in force; a removed file means no policy.
 */
export class PolicyFile {
  private stamp: Stamp | undefined;

  private constructor(
    readonly file: string,
    private policy: FeatureConfigs,
    stamp: Stamp | undefined,
    private readonly log: PolicyLog,
  ) {
    this.stamp = stamp;
  }

  /** Reads the file at start. An invalid file is an error: the server must not start without the policy it was given. */
  static async open(file: string, log: PolicyLog): Promise<Result<PolicyFile>> {
    let stamp: Stamp | undefined;
    let text: string | undefined;
    try {
      stamp = await stampOf(file);
      if (stamp !== undefined) text = await readFile(file, 'utf8');
    } catch (error) {
      return err('policy-unreadable', `The policy file ${file} could not be read (${error instanceof Error ? error.message : String(error)}).`);
    }
    if (text === undefined) return ok(new PolicyFile(file, DEFAULT_FEATURE_CONFIGS, undefined, log));
    const parsed = parsePolicy(file, text);
    if (!parsed.ok) return parsed;
    return ok(new PolicyFile(file, parsed.value, stamp, log));
  }

  async current(): Promise<FeatureConfigs> {
    let stamp: Stamp | undefined;
    try {
      stamp = await stampOf(this.file);
    } catch (error) {
      this.log.error({ file: this.file, err: String(error) }, 'policy file unreadable; the previous policy stays');
      return this.policy;
    }
    if (stamp === this.stamp) return this.policy;
    if (stamp === undefined) {
      this.stamp = stamp;
      this.policy = DEFAULT_FEATURE_CONFIGS;
      this.log.info({ file: this.file }, 'policy file removed; no policy applies');
      return this.policy;
    }
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      // Not remembered as seen: the next request tries again.
      this.log.error({ file: this.file, err: String(error) }, 'policy file unreadable; the previous policy stays');
      return this.policy;
    }
    this.stamp = stamp;
    const parsed = parsePolicy(this.file, text);
    if (parsed.ok) {
      this.policy = parsed.value;
      this.log.info({ file: this.file, appLock: parsed.value.appLock }, 'policy file read');
    } else {
      this.log.error({ file: this.file, reason: parsed.error.message }, 'policy file invalid; the previous policy stays');
    }
    return this.policy;
  }
}

/** Changes whenever the file is replaced or written; undefined when there is no file. */
async function stampOf(file: string): Promise<Stamp | undefined> {
  try {
    const info = await stat(file);
    return `${info.ino}:${info.size}:${info.mtimeMs}:${info.ctimeMs}`;
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return undefined;
    throw error;
  }
}
