import { describe, expect, it } from 'vitest';
import type { VaultRecord } from '../../../electron/core/store/vaultRecord';
import { parseVaultRecord, serializeVaultRecord } from '../../../electron/core/store/vaultRecord';

describe('vault record', () => {
  it.each<[string, VaultRecord]>([
    ['keychain', { vault: 'keychain', service: 'Cairn', account: 'profile-1' }],
    ['passphrase', { vault: 'passphrase' }],
  ])('remembers a %s choice across a write and a read', (_name, record) => {
    expect(parseVaultRecord(serializeVaultRecord(record))).toEqual({ kind: 'ok', record });
  });

  it('tells a newer record apart from a damaged one', () => {
    expect(parseVaultRecord(JSON.stringify({ format: 'cairn-key-vault', version: 5, vault: 'hsm' }))).toEqual({ kind: 'too-new', version: 5 });
    expect(parseVaultRecord('{"format":"cairn-key-vault"')).toEqual({ kind: 'invalid' });
    expect(parseVaultRecord(JSON.stringify({ format: 'cairn-key-vault', version: 1, vault: 'plaintext', key: 'x' }))).toEqual({ kind: 'invalid' });
  });
});
