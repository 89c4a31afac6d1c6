import type { ClientConfig, Credential, KeyRetentionConfig } from 'ts-mls';
import { defaultKeyPackageEqualityConfig, defaultPaddingConfig } from 'ts-mls';
import { KEY_PACKAGE_LIFETIME_SECONDS } from './keyPackages';
import { parseMlsIdentityBytes } from './mlsIdentity';

/**
 * seed 002 "Cryptographic State and Group Evolution": "Wire client's stores the key material up
 * to the last three epochs. The out-of-order tolerance is set to two while the
 * maximum-forward-distance is set to 1000."
 * In ts-mls terms: receiver data of 3 past epochs; per sender and epoch at most 2 keys of skipped
 * generations are kept (a message may arrive after up to 2 later ones from the same sender);
 * a message more than 1000 generations ahead of its sender's ratchet is refused.
 */
export const KEY_RETENTION: Readonly<KeyRetentionConfig> = {
  retainKeysForEpochs: 3,
  retainKeysForGenerations: 2,
  maximumForwardRatchetSteps: 1000,
};

/**
 * Authentication service for basic credentials: a leaf must name a device as
 * `<user-uuid>:<client-id>@<domain>`; anything else (including X.509, which Cairn does not
 * issue yet) is refused so it never becomes a member. Binding the signature key to the device
 * the server registered is the core's job (it knows the directory); this only checks form.
 */
async function validateCredential(credential: Credential): Promise<boolean> {
  return credential.credentialType === 'basic' && parseMlsIdentityBytes(credential.identity).ok;
}

/** The ts-mls client config every Cairn group runs with; it is not serialised, so it is re-attached on restore. */
export const CAIRN_CLIENT_CONFIG: ClientConfig = {
  keyPackageEqualityConfig: defaultKeyPackageEqualityConfig,
  keyRetentionConfig: { ...KEY_RETENTION },
  lifetimeConfig: { maximumTotalLifetime: BigInt(KEY_PACKAGE_LIFETIME_SECONDS + 3600), validateLifetimeOnReceive: false },
  paddingConfig: defaultPaddingConfig,
  authService: { validateCredential },
};
