import { describe, expect, it } from 'vitest';
import { createGroupInfoWithExternalPubAndRatchetTree, encodeMlsMessage } from 'ts-mls';
import { loadSuite } from '../../../electron/core/crypto/mls/cipherSuites';
import { readExternalPub } from '../../../electron/core/crypto/mls/externalPub';
import { decodeGroupInfoBytes } from '../../../electron/core/crypto/mls/mlsWire';
import { codeOf, joinWelcome, keyPackageOf, must, newDevice, read, text } from '../../fixtures/mls/mlsTestDevices';

describe('GroupInfo external_pub (RFC 9420 §12.4.3.2, ts-mls 1.6.4 defect worked around)', () => {
  it('writes the key with its varint length prefix', async () => {
    const alice = await newDevice();
    const suite = must(await loadSuite(1));
    const group = must(await alice.engine.createGroup(text('g')));
    const info = must(decodeGroupInfoBytes(must(await alice.engine.groupInfo(group))));
    const data = info.extensions.find((e) => e.extensionType === 'external_pub')?.extensionData;
    expect(data?.length).toBe(33);
    expect(data?.[0]).toBe(32);
    expect(readExternalPub(info, suite)).toMatchObject({ ok: true, value: { encoding: 'rfc9420' } });
  });

  it('still joins from a GroupInfo written by unpatched ts-mls (bare key)', async () => {
    const [alice, phone] = [await newDevice(), await newDevice()];
    const suite = must(await loadSuite(1));
    const group = must(await alice.engine.createGroup(text('legacy')));
    const legacy = await createGroupInfoWithExternalPubAndRatchetTree(group.state, [], suite.impl);
    expect(readExternalPub(legacy, suite)).toMatchObject({ ok: true, value: { encoding: 'bare' } });
    const joined = must(await phone.engine.joinByExternalCommit(encodeMlsMessage({ version: 'mls10', wireformat: 'mls_group_info', groupInfo: legacy })));
    const inbound = must(await alice.engine.processMessage(group, joined.commit));
    const sent = must(await phone.engine.encrypt(joined.group, text('joined from a legacy GroupInfo')));
    const got = must(await alice.engine.processMessage(inbound.group, sent.message));
    expect(got.kind === 'application' && read(got.plaintext)).toBe('joined from a legacy GroupInfo');
  });

  it('refuses a GroupInfo whose external_pub is malformed', async () => {
    const [alice, bob, phone] = [await newDevice(), await newDevice(), await newDevice()];
    const added = must(await alice.engine.addMembers(must(await alice.engine.createGroup(text('g'))), [await keyPackageOf(bob)]));
    await joinWelcome(bob, added.welcome);
    const tampered = added.groupInfo.slice();
    const info = must(decodeGroupInfoBytes(tampered));
    const data = info.extensions.find((e) => e.extensionType === 'external_pub')?.extensionData;
    const at = Buffer.from(tampered).indexOf(Buffer.from(data ?? []));
    tampered[at] = 31;
    expect(codeOf(await phone.engine.joinByExternalCommit(tampered))).toBe('mls-invalid-group-info');
  });
});
