import { z } from 'zod';

export const VAULT_RECORD_FORMAT = 'cairn-key-vault';
export const VAULT_RECORD_VERSION = 1;

/**
 * Which vault holds this profile's database key. It lives in plain JSON beside the database
 * because it must be read before the database can be opened; it holds no secret.
 */
/** A keychain entry that must not outlive the move that made it obsolete (see moveProfileKey.ts). */
export type RetiredKeychainEntry = Readonly<{ service: string; account: string }>;

export type VaultRecord =
  | Readonly<{ vault: 'keychain'; service: string; account: string }>
  | Readonly<{ vault: 'passphrase'; retired?: RetiredKeychainEntry }>;

const recordSchema = z.discriminatedUnion('vault', [
  z.strictObject({
    format: z.literal(VAULT_RECORD_FORMAT),
    version: z.literal(VAULT_RECORD_VERSION),
    vault: z.literal('keychain'),
    service: z.string().min(1).max(200),
    account: z.string().min(1).max(200),
  }),
  z.strictObject({
    format: z.literal(VAULT_RECORD_FORMAT),
    version: z.literal(VAULT_RECORD_VERSION),
    vault: z.literal('passphrase'),
    retired: z.strictObject({ service: z.string().min(1).max(200), account: z.string().min(1).max(200) }).optional(),
  }),
]);

export type ParsedVaultRecord =
  | Readonly<{ kind: 'ok'; record: VaultRecord }>
  | Readonly<{ kind: 'too-new'; version: number }>
  | Readonly<{ kind: 'invalid' }>;

export function parseVaultRecord(text: string): ParsedVaultRecord {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { kind: 'invalid' };
  }
  const head = z.looseObject({ format: z.literal(VAULT_RECORD_FORMAT), version: z.number() }).safeParse(json);
  if (head.success && head.data.version > VAULT_RECORD_VERSION) return { kind: 'too-new', version: head.data.version };
  const parsed = recordSchema.safeParse(json);
  if (!parsed.success) return { kind: 'invalid' };
  const data = parsed.data;
  return {
    kind: 'ok',
    record:
      data.vault === 'keychain'
        ? { vault: 'keychain', service: data.service, account: data.account }
        : { vault: 'passphrase', ...(data.retired ? { retired: data.retired } : {}) },
  };
}

export function serializeVaultRecord(record: VaultRecord): string {
  return `${JSON.stringify({ format: VAULT_RECORD_FORMAT, version: VAULT_RECORD_VERSION, ...record }, null, 2)}\n`;
}
