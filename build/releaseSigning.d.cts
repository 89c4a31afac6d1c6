/** Types of build/releaseSigning.cjs (CommonJS, loaded by electron-builder's config). */

export type BuildPlatform = 'mac' | 'win' | 'linux';

export type SigningDecision =
  | Readonly<{ kind: 'signed'; azureSignOptions: Readonly<Record<string, string>> | null }>
  | Readonly<{ kind: 'unsigned-dev' }>
  | Readonly<{ kind: 'refused'; reason: string }>;

export declare const UNSIGNED_DEV_BUILD_ENV: 'CAIRN_UNSIGNED_DEV_BUILD';
export declare const UNSIGNED_ARTIFACT_NAME: string;
export declare function platformsFromArgv(argv: readonly string[], hostPlatform: string): BuildPlatform[];
export declare function decideSigning(env: Readonly<Record<string, string | undefined>>, platforms: readonly BuildPlatform[]): SigningDecision;
/** Throws the decision's reason for a refusal. */
export declare function withSigning<C extends Record<string, unknown>>(base: C, decision: SigningDecision): Record<string, unknown>;
