/**
 * Error codes the core returns across the IPC boundary. Each code has a default sentence
 * that says what happened and what to do; handlers may give a more specific one.
 */
export const IPC_ERRORS = {
  'ipc-unknown-channel': 'Cairn does not know this request. The app may be out of date; restart it.',
  'ipc-invalid-request': 'The request was malformed and was not carried out. Nothing was changed.',
  'ipc-invalid-message': 'A message between parts of the app was malformed and was dropped.',
  'ipc-timeout': 'The app took too long to answer. Try again; if it keeps happening, restart Cairn.',
  'ipc-closed': 'The connection to the app core was lost. Restart Cairn.',
  internal: 'Something went wrong inside Cairn. Nothing was lost; try again or restart the app.',
  'tls-pin-mismatch':
    "The server's certificate does not match the pinned key. Nothing was sent. Check the server address and pin, or ask your administrator.",
  'server-built-in':
    'This copy of Cairn is made for one server and connects only to it, with the keys built into it. Nothing was sent. To use another server, install the standard Cairn.',
  'network-unreachable': 'The server could not be reached. Check the address and your connection.',
  'server-incompatible': 'The server speaks a different version of the Cairn protocol. Update Cairn or the server.',
  'server-bad-response': 'The server answered with something Cairn did not understand.',
  'app-locked': 'Cairn is locked. Enter your passcode to unlock it.',
  'app-lock-wrong-passcode': 'The passcode is wrong.',
  'app-lock-wait': 'Too many wrong passcodes. Wait a moment before trying again.',
  'app-lock-weak-passcode':
    'The passcode needs at least 8 characters, with a lowercase and an uppercase letter, a digit and a symbol.',
  'app-lock-disabled': 'The app lock is not turned on.',
  'app-lock-enabled': 'The app lock is already turned on.',
  'app-lock-enforced':
    "Your organisation requires the app lock, so it cannot be turned off. You can still change the passcode.",
  'app-lock-timeout-too-long':
    "Your organisation requires Cairn to lock sooner after it was last used. Choose a shorter time.",
  'app-lock-no-keychain':
    'This computer has no keychain to hold the key instead, so the passcode must stay: it is what protects your messages here.',
  'account-signed-out': 'You are not signed in. Sign in first.',
  'account-signed-in': 'This profile is already signed in. Sign out first.',
  'account-password-needed':
    'Cairn does not keep your password, so it needs it again after a restart. Enter your password with the code.',
  'conversation-degraded':
    'This conversation is no longer verified: devices that you have not verified are in it. Nothing was sent. Verify the new devices, or choose to send anyway.',
  // What the core's own services refuse (one sentence per code; a call may give a more specific one).
  'account-no-pending-registration': 'No registration is waiting for this address. Register first.',
  'account-reset-code-malformed':
    'That is not a whole reset code. Copy the complete code from the e-mail (it has a colon in the middle) and try again.',
  'asset-bad-metadata': 'The file message carries a malformed file id.',
  'asset-cancelled': 'The download was cancelled.',
  'asset-decrypt-failed': 'The file could not be decrypted.',
  'asset-io': 'The file could not be processed.',
  'asset-hash-mismatch': 'The downloaded file does not match what the sender sent. It was not opened.',
  'asset-not-found': 'There is no such file in your conversations.',
  'asset-not-image': 'Only images are shown in the conversation. Download the file to open it.',
  'asset-preview-too-large': 'This image is too large to show here. Download it to open it.',
  'asset-too-large': 'The file is larger than Cairn shows here.',
  'backup-busy': 'Another backup is running. Wait for it or cancel it.',
  'conversation-left': 'You are no longer in this conversation, so nothing can be sent in it.',
  'conversation-not-found': 'There is no such conversation on this device.',
  'conversation-not-joined': 'This device is not (yet) in the conversation.',
  'device-fingerprint-invalid': 'A fingerprint is a series of hexadecimal digits, such as "3f1a 09bc …". Nothing was changed.',
  'device-fingerprint-mismatch': 'The fingerprint does not match the key this device uses. Nothing was marked verified. Compare it again with the one shown on the device itself.',
  'device-is-current': 'This is the device you are using; it is trusted without verification.',
  'device-not-registered': 'This device has no MLS key yet.',
  'device-unknown': 'This device is not in any of your conversations yet, so its key cannot be checked. Nothing was marked verified; try again once you share a conversation.',
  'file-folder-missing': 'The folder to save in does not exist. Choose another place.',
  'file-grant-expired': 'The file was chosen too long ago. Choose it again.',
  'file-grant-invalid': 'Cairn may not use this file: it was not chosen in a Cairn dialog, or it was used already. Choose it again.',
  'file-in-profile': 'Files inside Cairn’s own data folder cannot be sent or overwritten.',
  'file-not-found': 'The file could not be found. It may have been moved or deleted; choose it again.',
  'file-not-readable': 'Cairn may not read this file. Check its permissions and try again.',
  'file-not-regular': 'Only files can be sent, not folders or devices.',
  'mention-not-member': 'A mention names someone who is not in this conversation. Nothing was sent.',
  'message-deleted': 'This message was deleted, so it cannot be sent again.',
  'message-not-failed': 'This message was sent already; only a message that was not sent can be sent again.',
  'message-not-found': 'There is no such message in this conversation.',
  'message-not-resendable': 'This message is no longer stored in full on this device, so it cannot be sent again. Write it again.',
  'message-not-yours': 'Only your own messages can be sent again.',
  'message-sending': 'This message is being sent already.',
  'mls-stale-message': 'The group moved on and this device could not catch up. Try again.',
  // The call machine's refusals (electron/core/calls/callTypes.ts CALL_REFUSALS; same sentences).
  'call-busy': 'You are already in a call. End it before starting or taking another.',
  'call-exists': 'A call with this id already exists.',
  'call-not-found': 'This call is over or was never here.',
  'call-not-ringing': 'This call is no longer ringing.',
  'call-not-connected': 'This call is not connected.',
  'call-no-calls-here': 'Calls are only possible in one-to-one conversations for now.',
  'call-bad-description': 'The call could not be started: the description of this device’s media does not name its certificate.',
  // Conferences (issue 14, session/calls/conference/conferenceService.ts).
  'conference-no-sfu': 'Your server offers no conference server (SFU), so group calls cannot start. Ask your administrator to set one up.',
  'conference-sfu-gone': 'The conference server this group call runs on is no longer offered by your server, so the call cannot be joined.',
  'conference-not-found': 'This group call is over or was never here.',
  'conference-ended': 'This group call has ended.',
  'conference-not-joined': 'This device is not in this group call.',
  'conference-no-subscription': 'There is nobody else to see or hear in this group call yet.',
  'conference-stale-subscription': 'The group call changed meanwhile; answer its latest offer instead.',
  'calls-config-invalid':
    "The server sent call settings (relay servers and their credentials) that Cairn cannot use, so calls cannot start. Ask your administrator to check the server's TURN settings.",
  'calls-no-relay':
    '"Always relay calls" is on, but your server offers no relay (TURN) server, so calls cannot connect. Turn the setting off, or ask your administrator to set up TURN.',
  'preferences-no-profile': 'Preferences are kept in your encrypted profile, which is made when you first sign in. Sign in, then try again.',
  'unauthorized': 'The server no longer accepts this session. Sign in again.',
} as const;

export type IpcErrorCode = keyof typeof IPC_ERRORS;

/**
 * Thrown inside core handlers to return a specific error code; the router turns it into an
 * `{ ok: false, error }` value. Never crosses the IPC boundary as an exception.
 */
export class CoreError extends Error {
  readonly code: string;
  /** `message` only where the situation allows a more specific sentence than the table's. */
  constructor(code: IpcErrorCode, message?: string) {
    super(message ?? IPC_ERRORS[code]);
    this.name = 'CoreError';
    this.code = code;
  }

  /**
   * A failure a lower layer (crypto, store, backup) returned as a value, with its own code and
   * sentence: passed on unchanged.
   */
  static from(error: Readonly<{ code: string; message: string }>): CoreError {
    return new PassedOnError(error);
  }
}

/**
 * A code the core does not own — a lower layer's result (its module keeps code and sentence
 * together) or the server's answer (net/apiError.ts) — carried to the caller as it came.
 */
export class PassedOnError extends CoreError {
  override readonly code: string;
  constructor(error: Readonly<{ code: string; message: string }>) {
    super('internal', error.message);
    this.code = error.code;
  }
}
