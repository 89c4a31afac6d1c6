/**
 * The user's preferences (notifications, appearance, privacy), one row each in the `settings`
 * namespace of the encrypted kv table. A missing row or a value an older or newer version wrote
 * in another shape reads as the default, so one bad row never hides the others.
 */
import type { Preferences } from '../ipc/contract';
import { PreferencesSchema } from '../ipc/contract';
import { CoreError } from '../ipc/errors';
import type { EventHub } from '../events';
import type { Db } from '../store/migration';
import { writeTransaction } from '../store/handles';
import { readKv, writeKv } from '../store/kv';
import type { ProfileHandle } from './profileHandle';

/** What a profile starts with: like Signal and Wire, everything on and notifications showing the message. */
export const DEFAULT_PREFERENCES: Preferences = {
  desktopNotifications: true,
  notificationContent: 'name-and-message',
  theme: 'system',
  sendReadReceipts: true,
  sendTypingIndicators: true,
  // Off as in Signal and Wire: relaying costs latency and relay capacity; the user may choose it.
  'calls.alwaysRelay': false,
  // Off as in Wire: variable bit rate sounds better; the user may trade that for less leakage.
  'calls.constantBitRate': false,
  'calls.microphone': null,
  'calls.camera': null,
  'calls.speaker': null,
};

/** Every preference as stored, defaults for the rest. Cheap (a few indexed reads): callers read it when they need it. */
export function readPreferences(db: Db): Preferences {
  const { shape } = PreferencesSchema;
  const d = DEFAULT_PREFERENCES;
  return {
    desktopNotifications: readKv(db, 'settings', 'desktopNotifications', shape.desktopNotifications) ?? d.desktopNotifications,
    notificationContent: readKv(db, 'settings', 'notificationContent', shape.notificationContent) ?? d.notificationContent,
    theme: readKv(db, 'settings', 'theme', shape.theme) ?? d.theme,
    sendReadReceipts: readKv(db, 'settings', 'sendReadReceipts', shape.sendReadReceipts) ?? d.sendReadReceipts,
    sendTypingIndicators: readKv(db, 'settings', 'sendTypingIndicators', shape.sendTypingIndicators) ?? d.sendTypingIndicators,
    'calls.alwaysRelay': readKv(db, 'settings', 'calls.alwaysRelay', shape['calls.alwaysRelay']) ?? d['calls.alwaysRelay'],
    'calls.constantBitRate': readKv(db, 'settings', 'calls.constantBitRate', shape['calls.constantBitRate']) ?? d['calls.constantBitRate'],
    'calls.microphone': readKv(db, 'settings', 'calls.microphone', shape['calls.microphone']) ?? d['calls.microphone'],
    'calls.camera': readKv(db, 'settings', 'calls.camera', shape['calls.camera']) ?? d['calls.camera'],
    'calls.speaker': readKv(db, 'settings', 'calls.speaker', shape['calls.speaker']) ?? d['calls.speaker'],
  };
}

const readThisTurn = new WeakMap<Db, Preferences>();

/**
 * `readPreferences`, read at most once per synchronous run of code: for what runs once per
 * message of a received batch (a desktop notification, a receipt). The value is forgotten as
 * soon as that code ends (a microtask), so no later change is ever missed.
 */
export function readPreferencesThisTurn(db: Db): Preferences {
  let preferences = readThisTurn.get(db);
  if (preferences === undefined) {
    preferences = readPreferences(db);
    readThisTurn.set(db, preferences);
    queueMicrotask(() => readThisTurn.delete(db));
  }
  return preferences;
}

/** Stores the given preferences (already validated) in one transaction and returns all of them. */
export function writePreferences(db: Db, patch: Partial<Preferences>, now: number = Date.now()): Preferences {
  readThisTurn.delete(db);
  writeTransaction(db, (tx) => {
    for (const [key, value] of Object.entries(patch)) {
      if (value !== undefined) writeKv(tx, 'settings', key, value, now);
    }
  });
  return readPreferences(db);
}

/**
 * `preferences.get` / `preferences.set` for the router. Before the profile exists (no sign-in
 * yet) the defaults are shown and nothing can be saved, since there is no encrypted store to
 * hold them. While the app is locked the store is closed: `get` answers with the values read
 * before locking (none of them is secret; the theme must still apply on the lock screen).
 */
export class PreferencesService {
  private lastKnown: Preferences | undefined;

  constructor(
    private readonly profile: ProfileHandle,
    private readonly events: EventHub,
  ) {}

  async get(): Promise<Preferences> {
    if (!(await this.profile.exists())) {
      this.lastKnown = undefined;
      return DEFAULT_PREFERENCES;
    }
    try {
      const { db } = await this.profile.store();
      this.lastKnown = readPreferences(db);
      return this.lastKnown;
    } catch (error) {
      if (error instanceof CoreError && error.code === 'app-locked') return this.lastKnown ?? DEFAULT_PREFERENCES;
      throw error;
    }
  }

  async set(patch: Partial<Preferences>): Promise<Preferences> {
    if (!(await this.profile.exists())) {
      throw new CoreError('preferences-no-profile');
    }
    const { db } = await this.profile.store();
    this.lastKnown = writePreferences(db, patch);
    this.events.emit('preferences.changed', this.lastKnown);
    return this.lastKnown;
  }
}
