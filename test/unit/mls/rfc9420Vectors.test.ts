import { describe, expect, it } from 'vitest';
import type { CiphersuiteImpl, GroupContext, RatchetTree } from 'ts-mls';
import { defaultCapabilities } from 'ts-mls';
import { decodeCommit, encodeCommit } from 'ts-mls/commit.js';
import { getCiphersuiteNameFromId } from 'ts-mls/crypto/ciphersuite.js';
import type { CiphersuiteId } from 'ts-mls/crypto/ciphersuite.js';
import { refhash } from 'ts-mls/crypto/hash.js';
import { decryptWithLabel, encryptWithLabel } from 'ts-mls/crypto/hpke.js';
import { deriveSecret, deriveTreeSecret, expandWithLabel } from 'ts-mls/crypto/kdf.js';
import { signWithLabel, verifyWithLabel } from 'ts-mls/crypto/signature.js';
import { encodeGroupContext } from 'ts-mls/groupContext.js';
import { verifyGroupInfoConfirmationTag, verifyGroupInfoSignature } from 'ts-mls/groupInfo.js';
import { defaultKeyRetentionConfig } from 'ts-mls/keyRetentionConfig.js';
import { makeKeyPackageRef } from 'ts-mls/keyPackage.js';
import { initializeEpoch, mlsExporter } from 'ts-mls/keySchedule.js';
import { decodeMlsMessage } from 'ts-mls/message.js';
import { protectApplicationData, unprotectPrivateMessage } from 'ts-mls/messageProtection.js';
import { unprotectPublicMessage } from 'ts-mls/messageProtectionPublic.js';
import { defaultPaddingConfig } from 'ts-mls/paddingConfig.js';
import { decodeProposal, encodeProposal } from 'ts-mls/proposal.js';
import { createSecretTree, deriveKey, deriveNonce, ratchetUntil } from 'ts-mls/secretTree.js';
import { expandSenderDataKey, expandSenderDataNonce } from 'ts-mls/sender.js';
import { leafToNodeIndex, toLeafIndex } from 'ts-mls/treemath.js';
import { decryptGroupInfo, decryptGroupSecrets } from 'ts-mls/welcome.js';
import { loadSuite } from '../../../electron/core/crypto/mls/cipherSuites';
import { must } from '../../fixtures/mls/mlsTestDevices';
import cryptoBasics from '../../fixtures/mls/rfc9420-vectors/crypto-basics.json';
import keySchedule from '../../fixtures/mls/rfc9420-vectors/key-schedule.json';
import messageProtection from '../../fixtures/mls/rfc9420-vectors/message-protection.json';
import secretTree from '../../fixtures/mls/rfc9420-vectors/secret-tree.json';
import welcome from '../../fixtures/mls/rfc9420-vectors/welcome.json';

/*
 * RFC 9420 test vectors (IETF mls-implementations, test-vectors/, for the suites Cairn offers:
 * 1, 2, 5, 7; see test/fixtures/mls/rfc9420-vectors/README.md) run through ts-mls on the suites
 * Cairn loads, i.e. on Cairn's node:crypto provider. Adapted from ts-mls' own vector tests.
 * X-Wing (83) has no RFC 9420 vectors; hpkeCompatibility.test.ts checks it against @hpke/core.
 */

const hex = (value: string) => Uint8Array.from(Buffer.from(value, 'hex'));
const toHex = (value: Uint8Array) => Buffer.from(value).toString('hex');

async function suiteImpl(id: number): Promise<CiphersuiteImpl> {
  return must(await loadSuite(id)).impl;
}

function groupContext(cipherSuite: number, groupId: string, epoch: number, treeHash: string, confirmedTranscriptHash: string): GroupContext {
  return {
    version: 'mls10',
    cipherSuite: getCiphersuiteNameFromId(suiteIdOf(cipherSuite)),
    groupId: hex(groupId),
    epoch: BigInt(epoch),
    treeHash: hex(treeHash),
    confirmedTranscriptHash: hex(confirmedTranscriptHash),
    extensions: [],
  };
}

function suiteIdOf(value: number): CiphersuiteId {
  switch (value) {
    case 1:
    case 2:
    case 5:
    case 7:
      return value;
    default:
      throw new Error(`no vectors expected for suite ${value}`);
  }
}

describe('RFC 9420 test vectors on the node:crypto provider', () => {
  it.each(cryptoBasics.map((v) => [v.cipher_suite, v] as const))('crypto-basics, suite %i', async (_suite, v) => {
    const cs = await suiteImpl(v.cipher_suite);
    expect(toHex(await refhash(v.ref_hash.label, hex(v.ref_hash.value), cs.hash))).toBe(v.ref_hash.out);
    expect(toHex(await expandWithLabel(hex(v.expand_with_label.secret), v.expand_with_label.label, hex(v.expand_with_label.context), v.expand_with_label.length, cs.kdf))).toBe(v.expand_with_label.out);
    expect(toHex(await deriveSecret(hex(v.derive_secret.secret), v.derive_secret.label, cs.kdf))).toBe(v.derive_secret.out);
    const tree = v.derive_tree_secret;
    expect(toHex(await deriveTreeSecret(hex(tree.secret), tree.label, tree.generation, tree.length, cs.kdf))).toBe(tree.out);

    const s = v.sign_with_label;
    expect(await verifyWithLabel(hex(s.pub), s.label, hex(s.content), hex(s.signature), cs.signature)).toBe(true);
    const ours = await signWithLabel(hex(s.priv), s.label, hex(s.content), cs.signature);
    expect(await verifyWithLabel(hex(s.pub), s.label, hex(s.content), ours, cs.signature)).toBe(true);
    expect(await verifyWithLabel(hex(s.pub), `${s.label}!`, hex(s.content), ours, cs.signature)).toBe(false);

    const e = v.encrypt_with_label;
    const privateKey = await cs.hpke.importPrivateKey(hex(e.priv));
    expect(toHex(await cs.hpke.exportPublicKey(await cs.hpke.importPublicKey(hex(e.pub))))).toBe(e.pub);
    expect(toHex(await decryptWithLabel(privateKey, e.label, hex(e.context), hex(e.kem_output), hex(e.ciphertext), cs.hpke))).toBe(e.plaintext);
    const sealed = await encryptWithLabel(await cs.hpke.importPublicKey(hex(e.pub)), e.label, hex(e.context), hex(e.plaintext), cs.hpke);
    expect(toHex(await decryptWithLabel(privateKey, e.label, hex(e.context), sealed.enc, sealed.ct, cs.hpke))).toBe(e.plaintext);
  });

  it.each(keySchedule.map((v) => [v.cipher_suite, v] as const))('key-schedule, suite %i', async (_suite, v) => {
    const cs = await suiteImpl(v.cipher_suite);
    let initSecret: Uint8Array = hex(v.initial_init_secret);
    for (const [index, epoch] of v.epochs.entries()) {
      const context = groupContext(v.cipher_suite, v.group_id, index, epoch.tree_hash, epoch.confirmed_transcript_hash);
      expect(toHex(encodeGroupContext(context))).toBe(epoch.group_context);
      const secrets = await initializeEpoch(initSecret, hex(epoch.commit_secret), context, hex(epoch.psk_secret), cs.kdf);
      const k = secrets.keySchedule;
      expect({
        joiner: toHex(secrets.joinerSecret),
        welcome: toHex(secrets.welcomeSecret),
        encryption: toHex(secrets.encryptionSecret),
        init: toHex(k.initSecret),
        senderData: toHex(k.senderDataSecret),
        exporter: toHex(k.exporterSecret),
        external: toHex(k.externalSecret),
        confirmation: toHex(k.confirmationKey),
        membership: toHex(k.membershipKey),
        resumption: toHex(k.resumptionPsk),
        authenticator: toHex(k.epochAuthenticator),
      }).toEqual({
        joiner: epoch.joiner_secret,
        welcome: epoch.welcome_secret,
        encryption: epoch.encryption_secret,
        init: epoch.init_secret,
        senderData: epoch.sender_data_secret,
        exporter: epoch.exporter_secret,
        external: epoch.external_secret,
        confirmation: epoch.confirmation_key,
        membership: epoch.membership_key,
        resumption: epoch.resumption_psk,
        authenticator: epoch.epoch_authenticator,
      });
      // external_pub = KEM.DeriveKeyPair(external_secret): RFC 9180 §7.1.3 on our DHKEM.
      const external = await cs.hpke.deriveKeyPair(k.externalSecret);
      expect(toHex(await cs.hpke.exportPublicKey(external.publicKey))).toBe(epoch.external_pub);
      const exported = await mlsExporter(k.exporterSecret, epoch.exporter.label, hex(epoch.exporter.context), epoch.exporter.length, cs);
      expect(toHex(exported)).toBe(epoch.exporter.secret);
      initSecret = k.initSecret;
    }
  });

  it.each(secretTree.map((v) => [v.cipher_suite, v.leaves.length, v] as const))('secret-tree, suite %i, %i leaves', async (_suite, _leaves, v) => {
    const cs = await suiteImpl(v.cipher_suite);
    const sd = v.sender_data;
    expect(toHex(await expandSenderDataKey(cs, hex(sd.sender_data_secret), hex(sd.ciphertext)))).toBe(sd.key);
    expect(toHex(await expandSenderDataNonce(cs, hex(sd.sender_data_secret), hex(sd.ciphertext)))).toBe(sd.nonce);
    const tree = await createSecretTree(v.leaves.length, hex(v.encryption_secret), cs.kdf);
    for (const [index, generations] of v.leaves.entries()) {
      const node = tree[leafToNodeIndex(toLeafIndex(index))];
      if (node === undefined) throw new Error(`no secret tree node for leaf ${index}`);
      for (const g of generations) {
        const [handshake] = await ratchetUntil(node.handshake, g.generation, defaultKeyRetentionConfig, cs.kdf);
        const [application] = await ratchetUntil(node.application, g.generation, defaultKeyRetentionConfig, cs.kdf);
        expect({
          handshakeKey: toHex(await deriveKey(handshake.secret, g.generation, cs)),
          handshakeNonce: toHex(await deriveNonce(handshake.secret, g.generation, cs)),
          applicationKey: toHex(await deriveKey(application.secret, g.generation, cs)),
          applicationNonce: toHex(await deriveNonce(application.secret, g.generation, cs)),
        }).toEqual({ handshakeKey: g.handshake_key, handshakeNonce: g.handshake_nonce, applicationKey: g.application_key, applicationNonce: g.application_nonce });
      }
    }
  });

  it.each(messageProtection.map((v) => [v.cipher_suite, v] as const))('message-protection, suite %i', async (_suite, v) => {
    const cs = await suiteImpl(v.cipher_suite);
    const context = groupContext(v.cipher_suite, v.group_id, v.epoch, v.tree_hash, v.confirmed_transcript_hash);
    // The sender is leaf 1; sender-data validation wants a non-blank leaf there.
    const tree: RatchetTree = [
      undefined,
      undefined,
      {
        nodeType: 'leaf',
        leaf: {
          leafNodeSource: 'commit',
          hpkePublicKey: new Uint8Array(),
          signaturePublicKey: new Uint8Array(),
          capabilities: defaultCapabilities(),
          parentHash: new Uint8Array(),
          extensions: [],
          signature: new Uint8Array(),
          credential: { credentialType: 'basic', identity: new Uint8Array() },
        },
      },
    ];
    const privateMessage = (bytes: string) => {
      const decoded = decodeMlsMessage(hex(bytes), 0)?.[0];
      if (decoded?.wireformat !== 'mls_private_message') throw new Error('not a private message');
      return decoded.privateMessage;
    };
    const publicMessage = (bytes: string) => {
      const decoded = decodeMlsMessage(hex(bytes), 0)?.[0];
      if (decoded?.wireformat !== 'mls_public_message') throw new Error('not a public message');
      return decoded.publicMessage;
    };
    const open = async (message: ReturnType<typeof privateMessage>) =>
      (await unprotectPrivateMessage(hex(v.sender_data_secret), message, await createSecretTree(2, hex(v.encryption_secret), cs.kdf), tree, context, defaultKeyRetentionConfig, cs, hex(v.signature_pub))).content.content;

    const application = await open(privateMessage(v.application_priv));
    expect(application.contentType === 'application' && toHex(application.applicationData)).toBe(v.application);
    const proposal = await open(privateMessage(v.proposal_priv));
    expect(proposal.contentType === 'proposal' && toHex(encodeProposal(proposal.proposal))).toBe(v.proposal);
    const commit = await open(privateMessage(v.commit_priv));
    expect(commit.contentType === 'commit' && toHex(encodeCommit(commit.commit))).toBe(v.commit);

    const publicProposal = await unprotectPublicMessage(hex(v.membership_key), context, [], publicMessage(v.proposal_pub), cs, hex(v.signature_pub));
    expect(publicProposal.content.contentType === 'proposal' && toHex(encodeProposal(publicProposal.content.proposal))).toBe(v.proposal);
    const publicCommit = await unprotectPublicMessage(hex(v.membership_key), context, [], publicMessage(v.commit_pub), cs, hex(v.signature_pub));
    expect(publicCommit.content.contentType === 'commit' && toHex(encodeCommit(publicCommit.content.commit))).toBe(v.commit);

    // Protected by us, opened by us with the vector's keys.
    const secretTree = await createSecretTree(2, hex(v.encryption_secret), cs.kdf);
    const protectedApplication = await protectApplicationData(hex(v.signature_priv), hex(v.sender_data_secret), hex(v.application), new Uint8Array(), context, secretTree, 1, defaultPaddingConfig, cs);
    const reopened = await open(protectedApplication.privateMessage);
    expect(reopened.contentType === 'application' && toHex(reopened.applicationData)).toBe(v.application);
    expect(decodeProposal(hex(v.proposal), 0)).toBeDefined();
    expect(decodeCommit(hex(v.commit), 0)).toBeDefined();
  });

  it.each(welcome.map((v) => [v.cipher_suite, v] as const))('welcome, suite %i', async (_suite, v) => {
    const cs = await suiteImpl(v.cipher_suite);
    const message = decodeMlsMessage(hex(v.welcome), 0)?.[0];
    const keyPackage = decodeMlsMessage(hex(v.key_package), 0)?.[0];
    if (message?.wireformat !== 'mls_welcome' || keyPackage?.wireformat !== 'mls_key_package') throw new Error('malformed vector');
    const ref = await makeKeyPackageRef(keyPackage.keyPackage, cs.hash);
    const secrets = await decryptGroupSecrets(await cs.hpke.importPrivateKey(hex(v.init_priv)), ref, message.welcome, cs.hpke);
    if (secrets === undefined) throw new Error('group secrets did not decrypt');
    const pskSecret = new Uint8Array(cs.kdf.size);
    const groupInfo = await decryptGroupInfo(message.welcome, secrets.joinerSecret, pskSecret, cs);
    if (groupInfo === undefined) throw new Error('group info did not decrypt');
    expect(await verifyGroupInfoConfirmationTag(groupInfo, secrets.joinerSecret, pskSecret, cs)).toBe(true);
    expect(await verifyGroupInfoSignature(groupInfo, hex(v.signer_pub), cs.signature)).toBe(true);
  });
});
