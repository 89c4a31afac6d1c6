/** Every English string the UI shows. Translations are files of the same shape. */
export const en = {
  'app.name': 'Cairn',
  'welcome.title': 'Welcome to Cairn',
  'welcome.tagline': 'Private messages and calls. End-to-end encrypted, on every device you own.',
  'welcome.bridgeMissing': 'This page must be opened by the Cairn app.',
  'server.heading': 'Choose your server',
  'server.explain':
    'Cairn connects only to a server whose key matches the pin you enter here. Your administrator gives you both.',
  'server.url': 'Server address',
  'server.urlHint': 'Starts with https://',
  'server.pin': 'Server key pin',
  'server.pinHint': 'Looks like sha256/ followed by 44 characters',
  'server.connect': 'Connect',
  'server.connecting': 'Connecting…',
  'server.connected': 'Connected to {domain}',
  'server.connectedDetail': 'The server key matches the pin. Answered in {ms} ms.',
  'server.change': 'Use another server',
  'server.nextStep': 'Signing in and creating an account on this server come in the next version of Cairn.',
  'server.invalidUrl': 'Enter an address that starts with https://',
  'server.invalidPin': 'A pin starts with sha256/ and has 44 more characters.',
  'footer.version': 'Cairn {version} · protocol v{api}',
  'footer.e2ee': 'Messages are end-to-end encrypted',
} as const;

export type MessageKey = keyof typeof en;
