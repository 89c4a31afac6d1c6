import { describe, expect, it } from 'vitest';
import { planUpdates } from '../../../electron/main/updatePlan';

const KEYS = ['AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8='];
const RELEASE = { packaged: true, build: 'release', policy: {}, releaseKeys: KEYS };

describe('update plan', () => {
  it('updates a signed release from the release feed', () => {
    expect(planUpdates(RELEASE)).toEqual({ kind: 'on', feed: { kind: 'release' } });
  });

  it('updates from the internal mirror the machine policy names', () => {
    expect(planUpdates({ ...RELEASE, policy: { updates: { feedUrl: 'https://mirror.example.org/cairn' } } })).toEqual({
      kind: 'on',
      feed: { kind: 'mirror', url: 'https://mirror.example.org/cairn' },
    });
  });

  it('stays off when the machine policy turns updates off, even with a mirror named', () => {
    const plan = planUpdates({ ...RELEASE, policy: { updates: { enabled: false, feedUrl: 'https://mirror.example.org/cairn' } } });
    expect(plan).toEqual({ kind: 'off', reason: 'updates are turned off by the machine policy' });
  });

  it('stays off in development runs, unsigned development builds and copies without a release key', () => {
    expect(planUpdates({ ...RELEASE, packaged: false }).kind).toBe('off');
    expect(planUpdates({ ...RELEASE, build: 'unsigned-dev' }).kind).toBe('off');
    expect(planUpdates({ ...RELEASE, build: undefined }).kind).toBe('off');
    expect(planUpdates({ ...RELEASE, releaseKeys: [] })).toEqual({ kind: 'off', reason: 'no release key is built into this copy, so no update could be checked' });
  });
});
