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
    "Your organisation's server requires the app lock, so it cannot be turned off. You can still change the passcode.",
  'app-lock-timeout-too-long':
    "Your organisation's server requires Cairn to lock sooner after it was last used. Choose a shorter time.",
  'app-lock-no-keychain':
    'This computer has no keychain to hold the key instead, so the passcode must stay: it is what protects your messages here.',
  'account-signed-out': 'You are not signed in. Sign in first.',
  'account-signed-in': 'This profile is already signed in. Sign out first.',
  'account-password-needed':
    'Cairn does not keep your password, so it needs it again after a restart. Enter your password with the code.',
  'conversation-degraded':
    'This conversation is no longer verified: devices that you have not verified are in it. Nothing was sent. Verify the new devices, or choose to send anyway.',
} as const;

export type IpcErrorCode = keyof typeof IPC_ERRORS;

/**
 * Thrown inside core handlers to return a specific error code; the router turns it into an
 * `{ ok: false, error }` value. Never crosses the IPC boundary as an exception.
 */
export class CoreError extends Error {
  readonly code: string;
  constructor(code: IpcErrorCode | (string & {}), message?: string) {
    super(message ?? (code in IPC_ERRORS ? IPC_ERRORS[code as IpcErrorCode] : code));
    this.name = 'CoreError';
    this.code = code;
  }
}
