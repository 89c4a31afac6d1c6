import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { assetRecord, memberRecord, messageRecord, reactionRecord, receiptRecord } from '../../../electron/core/backup/backupRecords';
import { isAssetRecord, isMemberRecord, isMessageRecord, isReactionRecord, isReceiptRecord } from '../../../electron/core/backup/fastRecordChecks';

const hex64 = 'ab'.repeat(32);

/** One valid record per type: the zod schema is the definition the fast check must match. */
const CASES: ReadonlyArray<{ name: string; schema: z.ZodType; check: (value: unknown) => boolean; valid: Record<string, unknown> }> = [
  {
    name: 'member',
    schema: memberRecord,
    check: isMemberRecord,
    valid: { type: 'member', conversationId: 'c@cairn.test', userId: 'u@cairn.test', role: 'admin', joinedAt: 0 },
  },
  {
    name: 'message',
    schema: messageRecord,
    check: isMessageRecord,
    valid: {
      type: 'message', conversationId: 'c@cairn.test', id: 'm1', senderUserId: 'u@cairn.test', senderClientId: 'client', kind: 'text',
      body: 'hello', content: 'a1ff', sentAt: 1, receivedAt: 2, editedAt: null, deletedAt: null, timerMs: null, expiresAt: null, status: 'sent',
    },
  },
  {
    name: 'reaction',
    schema: reactionRecord,
    check: isReactionRecord,
    valid: { type: 'reaction', conversationId: 'c@cairn.test', messageId: 'm1', userId: 'u@cairn.test', emoji: '👍🏽', updatedAt: 5 },
  },
  {
    name: 'receipt',
    schema: receiptRecord,
    check: isReceiptRecord,
    valid: { type: 'receipt', conversationId: 'c@cairn.test', messageId: 'm1', userId: 'u@cairn.test', kind: 'read', at: 5 },
  },
  {
    name: 'asset',
    schema: assetRecord,
    check: isAssetRecord,
    valid: {
      type: 'asset', assetId: '3-abc', domain: 'cairn.test', conversationId: 'c@cairn.test', messageId: 'm1', name: 'photo.jpg',
      mime: 'image/jpeg', size: 12, key: hex64, sha256: hex64,
    },
  },
];

/** Values that are wrong for some field or other, and the edges of every bound the schemas use. */
const PROBES: readonly unknown[] = [
  null, true, false, 0, -1, 1, 1.5, 2 ** 53, 2 ** 53 - 1, Number.MAX_VALUE, '', 'x', 'ABFF', 'abf', 'ab', 'zz', hex64, hex64.toUpperCase(),
  `${hex64}ab`, 'a'.repeat(64), 'a'.repeat(65), 'a'.repeat(253), 'a'.repeat(254), 'a'.repeat(255), 'a'.repeat(256), 'a'.repeat(257),
  'a'.repeat(1024), 'a'.repeat(1025), '👍'.repeat(32), '👍'.repeat(33), '👍'.repeat(64), '👍'.repeat(65), '👍'.repeat(128), '👍'.repeat(129),
  '👍'.repeat(512), '👍'.repeat(513), `${'👍'.repeat(60)}abcd`, `${'👍'.repeat(60)}abcde`, '\ud83d'.repeat(65), `\udc4d${'👍'.repeat(63)}`, '👍', '\ud83d',
  {}, [], ['a'], { a: 1 },
  'admin', 'member', 'owner', 'text', 'asset', 'knock', 'system', 'undecryptable', 'image', 'pending', 'sent', 'failed', 'received',
  'delivered', 'read', 'seen', 'message', 'reaction', 'receipt', 'member',
];

describe('fast record checks agree with the zod schemas', () => {
  for (const { name, schema, check, valid } of CASES) {
    it(`accepts the same ${name} records as the schema, and gives back the same record`, () => {
      expect(check(valid)).toBe(true);
      expect(schema.parse(valid)).toEqual(valid);
      const fromJson: unknown = JSON.parse(JSON.stringify(valid));
      expect(check(fromJson)).toBe(true);
    });

    it(`refuses the same ${name} records as the schema, for every field made wrong in turn`, () => {
      let compared = 0;
      for (const field of Object.keys(valid)) {
        for (const probe of PROBES) {
          const variant = { ...valid, [field]: probe };
          expect(check(variant), `${name}.${field} = ${JSON.stringify(probe)?.slice(0, 40) ?? 'undefined'}`).toBe(schema.safeParse(variant).success);
          compared++;
        }
        const { [field]: _removed, ...missing } = valid;
        expect(check(missing), `${name} without ${field}`).toBe(false);
        expect(schema.safeParse(missing).success).toBe(false);
      }
      for (const extra of [{ extra: 1 }, { extra: null }]) {
        expect(check({ ...valid, ...extra })).toBe(false);
        expect(schema.safeParse({ ...valid, ...extra }).success).toBe(false);
      }
      const withProto: unknown = JSON.parse(`{"__proto__":{"x":1},${JSON.stringify(valid).slice(1)}`);
      expect(check(withProto)).toBe(schema.safeParse(withProto).success);
      for (const notAnObject of [null, [], 'record', 1, [valid]]) expect(check(notAnObject)).toBe(false);
      expect(compared).toBeGreaterThan(200);
    });
  }
});
