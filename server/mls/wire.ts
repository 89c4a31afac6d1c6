import type { Result } from '../../protocol/result';
import { err, ok } from '../../protocol/result';

/*
 * The only parts of MLS (RFC 9420) the server reads. Everything else in commits, Welcomes,
 * GroupInfos and application messages is opaque to it. Read here:
 * - MLSMessage header: version (uint16 = 1 for mls10) and wire_format (uint16);
 * - PublicMessage / PrivateMessage: group_id<V>, epoch (uint64), and the content type that both
 *   carry in the clear (for PublicMessage after the sender, which is also read);
 * - KeyPackage: its cipher_suite (uint16), so packages can be counted and claimed per suite.
 */

const MLS10 = 1;
export const WIRE_FORMAT = { public: 1, private: 2, welcome: 3, groupInfo: 4, keyPackage: 5 } as const;
export const CONTENT_TYPE = { application: 1, proposal: 2, commit: 3 } as const;
export const SENDER_TYPE = { member: 1, external: 2, newMemberProposal: 3, newMemberCommit: 4 } as const;

export type MessageHeader = Readonly<{
  wireFormat: 'public' | 'private';
  groupId: Buffer;
  epoch: bigint;
  contentType: number;
  /** Only for PublicMessage (PrivateMessage encrypts its sender). */
  senderType: number | undefined;
}>;

class Reader {
  private offset = 0;
  constructor(private readonly bytes: Buffer) {}

  u8(): number {
    if (this.offset + 1 > this.bytes.length) throw new RangeError('truncated');
    const value = this.bytes.readUInt8(this.offset);
    this.offset += 1;
    return value;
  }

  u16(): number {
    if (this.offset + 2 > this.bytes.length) throw new RangeError('truncated');
    const value = this.bytes.readUInt16BE(this.offset);
    this.offset += 2;
    return value;
  }

  u32(): number {
    if (this.offset + 4 > this.bytes.length) throw new RangeError('truncated');
    const value = this.bytes.readUInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  u64(): bigint {
    if (this.offset + 8 > this.bytes.length) throw new RangeError('truncated');
    const value = this.bytes.readBigUInt64BE(this.offset);
    this.offset += 8;
    return value;
  }

  /** RFC 9420 §2.1.2 variable-length vector: a 1/2/4-byte varint length, then the bytes. */
  vector(): Buffer {
    const first = this.u8();
    const prefix = first >> 6;
    let length = first & 0x3f;
    if (prefix === 1) length = (length << 8) | this.u8();
    else if (prefix === 2) length = ((length << 24) | (this.u8() << 16) | (this.u8() << 8) | this.u8()) >>> 0;
    else if (prefix === 3) throw new RangeError('invalid varint');
    if (this.offset + length > this.bytes.length) throw new RangeError('truncated');
    const value = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return value;
  }
}

/** Reads the group id, epoch and content type of a PublicMessage or PrivateMessage. */
export function readMessageHeader(bytes: Buffer): Result<MessageHeader> {
  try {
    const reader = new Reader(bytes);
    if (reader.u16() !== MLS10) return err('mls-invalid-message', 'Not an MLS 1.0 message.');
    const wireFormat = reader.u16();
    if (wireFormat !== WIRE_FORMAT.public && wireFormat !== WIRE_FORMAT.private) {
      return err('mls-invalid-message', 'Expected a PublicMessage or PrivateMessage.');
    }
    const groupId = reader.vector();
    const epoch = reader.u64();
    if (wireFormat === WIRE_FORMAT.private) {
      return ok({ wireFormat: 'private', groupId, epoch, contentType: reader.u8(), senderType: undefined });
    }
    const senderType = reader.u8();
    if (senderType === SENDER_TYPE.member || senderType === SENDER_TYPE.external) reader.u32();
    else if (senderType !== SENDER_TYPE.newMemberProposal && senderType !== SENDER_TYPE.newMemberCommit) {
      return err('mls-invalid-message', 'Unknown sender type.');
    }
    reader.vector();
    return ok({ wireFormat: 'public', groupId, epoch, contentType: reader.u8(), senderType });
  } catch {
    return err('mls-invalid-message', 'The MLS message is truncated or malformed.');
  }
}

/**
 * The cipher suite of a KeyPackage, bare or wrapped in an MLSMessage (OpenMLS and ts-mls differ
 * here). Bare: version, suite, init_key<V>…; wrapped: version, wire_format 5, version, suite, ….
 */
export function readKeyPackageSuite(bytes: Buffer): Result<number> {
  try {
    const reader = new Reader(bytes);
    if (reader.u16() !== MLS10) return err('mls-invalid-message', 'Not an MLS 1.0 key package.');
    const second = reader.u16();
    if (second === WIRE_FORMAT.keyPackage && bytes.length >= 8 && bytes.readUInt16BE(4) === MLS10) {
      reader.u16();
      return ok(reader.u16());
    }
    return ok(second);
  } catch {
    return err('mls-invalid-message', 'The key package is truncated or malformed.');
  }
}
