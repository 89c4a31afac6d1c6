import { randomBytes } from 'node:crypto';

/**
 * Structurally valid MLS framing around random content: the server reads only these headers
 * (RFC 9420 MLSMessage version/wire format, group id, epoch, content type, key package suite).
 */
export function fakeKeyPackage(cipherSuite: number, wrapped = false): string {
  const suite = Buffer.alloc(2);
  suite.writeUInt16BE(cipherSuite);
  const body = Buffer.concat([Buffer.from([0x00, 0x01]), suite, Buffer.from([0x20]), randomBytes(32), randomBytes(64)]);
  return (wrapped ? Buffer.concat([Buffer.from([0x00, 0x01, 0x00, 0x05]), body]) : body).toString('base64');
}

function varint(length: number): Buffer {
  if (length < 64) return Buffer.from([length]);
  if (length < 16384) return Buffer.from([0x40 | (length >> 8), length & 0xff]);
  throw new Error('too long for this helper');
}

function epochBytes(epoch: number): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64BE(BigInt(epoch));
  return bytes;
}

/** A PublicMessage commit from member leaf `from`, or an external commit (sender new_member_commit). */
export function fakeCommit(groupId: Buffer, epoch: number, from: number | 'external' = 0): string {
  const sender = from === 'external' ? Buffer.from([4]) : Buffer.concat([Buffer.from([1]), Buffer.from([0, 0, 0, from])]);
  return Buffer.concat([
    Buffer.from([0x00, 0x01, 0x00, 0x01]),
    varint(groupId.length),
    groupId,
    epochBytes(epoch),
    sender,
    Buffer.from([0x00]),
    Buffer.from([0x03]),
    randomBytes(200),
  ]).toString('base64');
}

/** A PrivateMessage with application content. */
export function fakeApplicationMessage(groupId: Buffer, epoch: number, payload: Buffer = randomBytes(120)): string {
  return Buffer.concat([
    Buffer.from([0x00, 0x01, 0x00, 0x02]),
    varint(groupId.length),
    groupId,
    epochBytes(epoch),
    Buffer.from([0x01]),
    Buffer.from([0x00]),
    payload,
  ]).toString('base64');
}

export function fakeOpaque(wireFormat: number): string {
  return Buffer.concat([Buffer.from([0x00, 0x01, 0x00, wireFormat]), randomBytes(300)]).toString('base64');
}
