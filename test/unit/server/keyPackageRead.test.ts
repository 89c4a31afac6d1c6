import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readKeyPackage } from '../../../server/mls/keyPackage';
import { fakeKeyPackage } from '../../integration/server/support/mls';

describe('reading uploaded key packages', () => {
  it('reads every bare and wrapped key package of suites 1 and 2, whatever its random bytes', async () => {
    // A bare suite-1 package starts like an MLSMessage (version 1, then 1 where the wire format
    // would be), and reading it as one threw for about one package in thirty: the upload of a
    // whole batch was then refused as malformed.
    const device = { id: randomUUID(), clientId: '1a2b3c4d5e6f7081' };
    const shapes = [
      { suite: 1, wrapped: false },
      { suite: 1, wrapped: true },
      { suite: 2, wrapped: false },
    ];
    for (const shape of shapes) {
      const encoded = await Promise.all(Array.from({ length: 120 }, () => fakeKeyPackage(device, shape.suite, shape.wrapped)));
      const unread = encoded.map((base64) => readKeyPackage(Buffer.from(base64, 'base64'))).filter((read) => !read.ok);
      expect(unread, `suite ${shape.suite}${shape.wrapped ? ' wrapped' : ''}`).toEqual([]);
    }
  });
});
