/**
 * Headless command-line client on the same core as the desktop app. Every command goes through
 * the core's validated router, exactly as the renderer's requests do.
 *   npm run cli -- --profile DIR --server URL --pin PIN <command> [--json]
 */
import path from 'node:path';
import { createCore } from '../core/core';
import { missingCase } from '../../protocol/result';
import { MAX_PINS, parsePinList } from '../../protocol/pins';
import { IPC_ERRORS } from '../core/ipc/errors';
import type { AccountStatus, RequestChannel, RequestOf, ResponseOf, StoredMessage } from '../core/ipc/contract';
import { ConnectionStateSchema, StoredMessageSchema } from '../core/ipc/contract';
import type { EventHub } from '../core/events';
import type { ProfileStoreOptions } from '../core/store/openProfileStore';
import { silentLogger } from '../core/log';
import type { ParsedArgs } from './args';
import { parseArgs, stringFlag } from './args';

const USAGE = `Usage: npm run cli -- [--profile DIR] [--server URL --pin PIN[,BACKUP_PIN…]] <command> [--json]

Commands:
  help                                        show this text
  version                                     print the client and protocol version
  probe                                       check --server over TLS pinned to --pin
  register --email E --name N --password-stdin
                                              ask the server to e-mail a registration code
  activate --email E --code C --password-stdin
                                              finish the registration with the code, sign in
                                              (the password again: Cairn never stores it)
  resend-code                                 ask for a new registration code (the old one stops working)
  cancel-registration                         forget the waiting registration
  login --email E --password-stdin [--temporary]
                                              sign in (a temporary device forgets its session on exit)
  logout                                      sign out and erase this profile's local data
                                              (messages, files, keys; export a backup first)
  whoami                                      the signed-in account
  devices                                     the account's devices, this one marked
  find-user QUERY                             people by handle, or by complete e-mail address
                                              those you already share a conversation with
  chat-request send EMAIL                     ask the owner of an address to chat (the answer is
                                              the same whether the address has an account)
  chat-request list                           chat requests waiting for your answer
  chat-request accept ID                      accept one and open the 1:1 conversation
  chat-request ignore ID                      ignore one (the requester is not told)
  create-conversation --name N [--members a@d,b@d]
                                              a group with these users (ids as uuid@domain)
  conversations                               conversations, most recent first
  send CONV TEXT [--reply-to MESSAGE]         send a text message (a reply quoting MESSAGE)
  knock CONV                                  knock ("ping"): ask for the others' attention
  hide CONV MESSAGE                           delete a message for me (on all my devices)
  retry CONV MESSAGE                          send a message of mine that was not sent again
  send-file CONV PATH                         send a file (encrypted before it leaves)
  download ASSET_ID --out PATH                download, check and decrypt a file
  history CONV [--limit N]                    the latest messages of a conversation
  search TEXT                                 messages containing these words, newest first
  sync                                        fetch what arrived while offline, then exit
  listen                                      stay connected; print each new message
  backup-export --out FILE [--unencrypted]    export the history (password on standard input)
  backup-import FILE [--unencrypted]          import a backup of this account (password on stdin)

The profile's database key is kept in the OS keychain; where there is none, set
CAIRN_DB_PASSPHRASE to a passphrase (at least 8 characters) that protects it instead.

Errors go to stderr as "error <code>: <sentence>" (or one JSON document with --json)
and the exit code is non-zero.`;

interface Output {
  readonly json: boolean;
}

function print(out: Output, value: Readonly<Record<string, unknown>>, human: string): void {
  process.stdout.write(out.json ? `${JSON.stringify(value)}\n` : `${human}\n`);
}

function fail(out: Output, code: string, message: string): never {
  process.stderr.write(out.json ? `${JSON.stringify({ error: { code, message } })}\n` : `error ${code}: ${message}\n`);
  process.exit(code === 'usage' ? 2 : 1);
}

/**
 * Connects and waits until the device has caught up with its notification queue, so commands
 * that read local state see what arrived while the CLI was not running. A command that could not
 * reach the server exits non-zero with the reason: the pin error's sentence when the server's key
 * did not match, otherwise that it could not be reached within 15 s.
 */
async function settle(
  out: Output,
  events: EventHub,
  call: <C extends RequestChannel>(channel: C, payload: RequestOf<C>) => Promise<ResponseOf<C>>,
): Promise<void> {
  // The stream passes through `pin-mismatch` on its way to the next attempt: watch the events,
  // a poll of the state could miss it.
  let mismatch = false;
  const stop = events.subscribe((event, payload) => {
    if (event === 'connection.state' && ConnectionStateSchema.safeParse(payload).data?.state === 'pin-mismatch') mismatch = true;
  });
  try {
    await call('account.status', {});
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && !mismatch) {
      const { state } = await call('connection.status', {});
      if (state === 'online') return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    stop();
  }
  if (mismatch) fail(out, 'tls-pin-mismatch', IPC_ERRORS['tls-pin-mismatch']);
  fail(out, 'network-unreachable', IPC_ERRORS['network-unreachable']);
}

/** How long a command waits for the server to take a message it sent. */
const SEND_WAIT_MS = 30_000;

/**
 * Sending is optimistic (the core stores the message as pending and answers at once, then
 * posts it): waits for the outcome the core announces, so that the exit status says whether
 * the server took the message. Refused for good: the reason, non-zero. Still pending after
 * SEND_WAIT_MS (no connection): non-zero; the message stays on this device and goes out the next
 * time this profile runs online.
 */
async function outcomeOf(out: Output, events: EventHub, send: () => Promise<StoredMessage>): Promise<StoredMessage> {
  const outcomes = new Map<string, StoredMessage>();
  const stop = events.subscribe((event, payload) => {
    if (event !== 'message.updated') return;
    const parsed = StoredMessageSchema.safeParse(payload);
    if (parsed.success && parsed.data.status !== 'pending') outcomes.set(parsed.data.id, parsed.data);
  });
  try {
    const message = await send();
    const deadline = Date.now() + SEND_WAIT_MS;
    while (Date.now() < deadline) {
      const outcome = outcomes.get(message.id);
      if (outcome?.status === 'failed') fail(out, outcome.failure?.code ?? 'internal', outcome.failure?.message ?? IPC_ERRORS.internal);
      if (outcome) return outcome;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    stop();
  }
  fail(out, 'network-unreachable', `${IPC_ERRORS['network-unreachable']} The message waits on this device and is sent the next time this profile is online.`);
}

function formatMessage(m: {
  id: string;
  sentAt: number;
  sender: string;
  kind: string;
  text: string | null;
  status: string;
  quote?: { text: string | null } | null;
}): string {
  const time = new Date(m.sentAt).toISOString().slice(0, 16).replace('T', ' ');
  const body =
    m.kind === 'undecryptable'
      ? '(could not decrypt)'
      : m.kind === 'asset'
        ? `[file] ${m.text ?? ''}`
        : m.kind === 'knock'
          ? '[knock]'
          : (m.text ?? `(${m.kind})`);
  const quote = m.quote ? `[re: ${m.quote.text === null ? '(gone)' : m.quote.text.slice(0, 40)}] ` : '';
  return `${time}  ${m.id}  ${m.sender.split('@')[0]?.slice(0, 8) ?? ''}  ${quote}${body}${m.status === 'failed' ? '  [not sent]' : ''}`;
}

/** The keychain by default; a passphrase when CAIRN_DB_PASSPHRASE is set (never a plaintext key). */
function storeOptions(passphrase: string | undefined): ProfileStoreOptions {
  return passphrase ? { prefer: 'passphrase', passphrase } : {};
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

async function main(args: ParsedArgs): Promise<void> {
  const out: Output = { json: args.flags.has('json') };
  const command = args.positionals[0] ?? (args.flags.has('help') ? 'help' : undefined);
  if (command === undefined || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const profile = stringFlag(args, 'profile') ?? path.join(process.cwd(), '.cairn-cli');
  const core = createCore({
    dataDir: path.resolve(profile),
    appVersion: process.env.npm_package_version ?? '0.0.0',
    defaultServer: null,
    runtime: `cli on node ${process.versions.node}`,
    log: silentLogger,
    store: storeOptions(process.env.CAIRN_DB_PASSPHRASE),
  });
  const server = (): { url: string; pins: string[] } => {
    const url = stringFlag(args, 'server');
    const pin = stringFlag(args, 'pin');
    if (!url || !pin) fail(out, 'usage', 'This command needs --server URL and --pin PIN.');
    // The current pin and backups, comma-separated: --pin sha256/…,sha256/…
    const pins = parsePinList(pin);
    if (!pins.ok) fail(out, 'usage', pins.invalid === '' ? `--pin takes 1 to ${MAX_PINS} pins.` : `"${pins.invalid}" is not a pin; a pin looks like sha256/<44 base64 characters>.`);
    return { url, pins: [...pins.pins] };
  };
  const required = (name: string): string => {
    const value = stringFlag(args, name);
    if (value === undefined || value === '') fail(out, 'usage', `This command needs --${name}.`);
    return value;
  };
  const secretFromStdin = async (what: string): Promise<string> => {
    const text = await readStdin();
    if (text === '') fail(out, 'usage', `Give the ${what} on standard input.`);
    return text;
  };
  const password = async (): Promise<string> => {
    if (!args.flags.has('password-stdin')) fail(out, 'usage', 'Give the password on standard input with --password-stdin.');
    const text = await readStdin();
    if (text === '') fail(out, 'usage', 'No password arrived on standard input.');
    return text;
  };
  const printStatus = (status: AccountStatus): void => {
    switch (status.state) {
      case 'signed-out':
        return print(out, status, 'Signed out.');
      case 'awaiting-code':
        return print(out, status, `A code was sent to ${status.email}. Run: activate --email ${status.email} --code CODE --password-stdin`);
      case 'signed-in':
        return print(out, status, `Signed in as ${status.user.name} <${status.user.email}> on ${status.server.url}${status.temporary ? ' (temporary device)' : ''}`);
      default:
        return missingCase(status);
    }
  };
  /**
   * The CLI is the user: a path on its own command line is granted directly (Core.grantFile),
   * as the shell grants what the user picks in a dialog. The IPC contract has no such request.
   */
  const grant = (access: 'read' | 'write', file: string): string => core.grantFile(access, path.resolve(file));
  const call = async <C extends RequestChannel>(channel: C, payload: RequestOf<C>): Promise<ResponseOf<C>> => {
    const result = await core.router.request(channel, payload);
    if (!result.ok) fail(out, result.error.code, result.error.message);
    return result.value;
  };

  switch (command) {
    case 'version': {
      const info = await call('app.info', {});
      print(out, info, `Cairn ${info.version} (protocol v${info.apiVersion})`);
      break;
    }
    case 'probe': {
      const probe = await call('server.probe', server());
      print(out, probe, `${probe.domain}: API v${probe.apiVersion}, pinned key matches (${probe.latencyMs} ms)`);
      break;
    }
    case 'register':
      printStatus(
        await call('account.register', {
          server: server(),
          email: required('email'),
          name: required('name'),
          password: await password(),
        }),
      );
      break;
    case 'activate':
      // Each CLI command is a process of its own, and passwords are never stored: give it again.
      printStatus(await call('account.activate', { email: required('email'), code: required('code'), password: await password() }));
      break;
    case 'resend-code':
      printStatus(await call('account.resendCode', {}));
      break;
    case 'cancel-registration':
      printStatus(await call('account.cancelRegistration', {}));
      break;
    case 'login':
      printStatus(
        await call('account.login', {
          server: server(),
          email: required('email'),
          password: await password(),
          temporary: args.flags.has('temporary'),
        }),
      );
      break;
    case 'logout': {
      const status = await call('account.logout', {});
      const folder = path.resolve(profile);
      print(
        out,
        { ...status, erased: folder },
        `Signed out. Everything Cairn kept in ${folder} (messages, files, keys, settings) was erased. The server lists this device until you remove it from another one.`,
      );
      break;
    }
    case 'whoami': {
      const status = await call('account.status', {});
      if (status.state !== 'signed-in') {
        printStatus(status);
        break;
      }
      const self = await call('account.self', {});
      print(out, { ...status, self }, `${self.name} <${self.email}> ${self.qualifiedId.id}@${self.qualifiedId.domain}`);
      break;
    }
    case 'devices': {
      const { devices } = await call('account.devices', {});
      const lines = devices.map(
        (d) =>
          `${d.current ? '*' : ' '} ${d.id}  ${d.type.padEnd(9)}  ${(d.label ?? d.model ?? '').padEnd(24)}  ${d.registeredAt}${d.fingerprint ? `\n    fingerprint ${d.fingerprint.replace(/(.{8})/g, '$1 ').trim()}` : ''}`,
      );
      print(out, { devices }, lines.join('\n'));
      break;
    }
    case 'find-user': {
      const query = args.positionals[1];
      if (!query) fail(out, 'usage', 'find-user needs a QUERY.');
      const { users } = await call('users.search', { query });
      print(out, { users }, users.map((u) => `${u.id}@${u.domain}  ${u.name}${u.handle ? `  @${u.handle}` : ''}`).join('\n') || 'Nobody found.');
      break;
    }
    case 'chat-request': {
      const action = args.positionals[1];
      const value = args.positionals[2];
      if (action === 'list') {
        const { requests } = await call('chatRequests.list', {});
        print(out, { requests }, requests.map((r) => `${r.id}  ${r.requester.name}${r.requester.handle ? `  @${r.requester.handle}` : ''}`).join('\n') || 'No chat requests.');
        break;
      }
      if (!value || (action !== 'send' && action !== 'accept' && action !== 'ignore')) fail(out, 'usage', 'chat-request needs send EMAIL, list, accept ID or ignore ID.');
      if (action === 'send') {
        print(out, await call('chatRequests.send', { email: value }), `If ${value} uses Cairn, they get your request. You will see the conversation when they accept.`);
      } else if (action === 'accept') {
        const conversation = await call('chatRequests.accept', { id: value });
        print(out, conversation, `${conversation.id}  ${conversation.name ?? ''}`);
      } else {
        print(out, await call('chatRequests.ignore', { id: value }), 'Ignored.');
      }
      break;
    }
    case 'create-conversation': {
      const members = (stringFlag(args, 'members') ?? '')
        .split(',')
        .map((m) => m.trim())
        .filter((m) => m !== '')
        .map((m) => {
          const at = m.indexOf('@');
          if (at <= 0) fail(out, 'usage', `"${m}" is not a user id of the form uuid@domain.`);
          return { id: m.slice(0, at), domain: m.slice(at + 1) };
        });
      const conversation = await call('conversations.create', { name: required('name'), members });
      print(out, conversation, `${conversation.id}  ${conversation.name ?? ''} (${conversation.memberCount} members)`);
      break;
    }
    case 'conversations': {
      await settle(out, core.events, call);
      const { conversations } = await call('conversations.list', {});
      print(
        out,
        { conversations },
        conversations.map((c) => `${c.id}  ${c.name ?? '(no name)'}  ${c.memberCount} members${c.lastMessage ? `  — ${c.lastMessage}` : ''}`).join('\n') ||
          'No conversations.',
      );
      break;
    }
    case 'send': {
      const [, conversationId, ...words] = args.positionals;
      if (!conversationId || words.length === 0) fail(out, 'usage', 'send needs CONV and TEXT.');
      const replyTo = stringFlag(args, 'reply-to');
      if (args.flags.has('reply-to') && !replyTo) fail(out, 'usage', '--reply-to needs the id of the message to reply to.');
      const message = await outcomeOf(out, core.events, () =>
        call('messages.send', { conversationId, text: words.join(' '), ...(replyTo ? { quote: { messageId: replyTo } } : {}) }),
      );
      print(out, message, `sent ${message.id}`);
      break;
    }
    case 'knock': {
      const conversationId = args.positionals[1];
      if (!conversationId) fail(out, 'usage', 'knock needs CONV.');
      const message = await outcomeOf(out, core.events, () => call('messages.knock', { conversationId }));
      print(out, message, `knocked (${message.id})`);
      break;
    }
    case 'hide': {
      const [, conversationId, messageId] = args.positionals;
      if (!conversationId || !messageId) fail(out, 'usage', 'hide needs CONV and MESSAGE.');
      const { synced } = await call('messages.hide', { conversationId, messageId });
      print(out, { hidden: messageId, synced }, `hidden ${messageId}${synced ? ' on your devices' : ' on this device; your other devices are told the next time this profile is online'}`);
      break;
    }
    case 'retry': {
      const [, conversationId, messageId] = args.positionals;
      if (!conversationId || !messageId) fail(out, 'usage', 'retry needs CONV and MESSAGE.');
      await settle(out, core.events, call);
      const message = await outcomeOf(out, core.events, () => call('messages.retry', { conversationId, messageId }));
      print(out, message, `sent ${message.id} again`);
      break;
    }
    case 'send-file': {
      const [, conversationId, file] = args.positionals;
      if (!conversationId || !file) fail(out, 'usage', 'send-file needs CONV and PATH.');
      const message = await outcomeOf(out, core.events, () => call('files.send', { conversationId, grant: grant('read', file) }));
      print(out, message, `sent ${message.asset?.name ?? 'file'} (${message.asset?.size ?? 0} bytes) as ${message.asset?.id ?? ''}`);
      break;
    }
    case 'download': {
      const assetId = args.positionals[1];
      if (!assetId) fail(out, 'usage', 'download needs ASSET_ID.');
      await settle(out, core.events, call);
      const outPath = path.resolve(required('out'));
      const saved = await call('files.download', { assetId, grant: grant('write', outPath) });
      print(out, { ...saved, path: outPath }, `saved ${saved.size} bytes to ${outPath}`);
      break;
    }
    case 'history': {
      const conversationId = args.positionals[1];
      if (!conversationId) fail(out, 'usage', 'history needs CONV.');
      await settle(out, core.events, call);
      const limit = Number(stringFlag(args, 'limit') ?? '50');
      const { messages } = await call('messages.list', { conversationId, limit });
      print(out, { messages }, messages.map(formatMessage).join('\n') || 'No messages.');
      break;
    }
    case 'search': {
      const text = args.positionals.slice(1).join(' ');
      if (text === '') fail(out, 'usage', 'search needs TEXT.');
      const { messages } = await call('messages.search', { text, limit: 50 });
      print(out, { messages }, messages.map(formatMessage).join('\n') || 'Nothing found.');
      break;
    }
    case 'sync': {
      const before = new Set((await call('conversations.list', {})).conversations.map((c) => c.id));
      const arrived: unknown[] = [];
      const stop = core.events.subscribe((event, payload) => event === 'message.added' && arrived.push(payload));
      await settle(out, core.events, call);
      stop();
      const after = (await call('conversations.list', {})).conversations.filter((c) => !before.has(c.id));
      print(out, { messages: arrived, newConversations: after }, `${arrived.length} new messages, ${after.length} new conversations`);
      break;
    }
    case 'listen': {
      await call('account.status', {});
      core.events.subscribe((event, payload) => {
        if (event === 'message.added') process.stdout.write(`${JSON.stringify(payload)}\n`);
      });
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      break;
    }
    case 'backup-export': {
      const file = path.resolve(required('out'));
      const exported = args.flags.has('unencrypted')
        ? await call('backup.export', { grant: grant('write', file), unencrypted: true })
        : await call('backup.export', { grant: grant('write', file), password: await secretFromStdin('backup password') });
      const summary = { ...exported, file };
      print(
        out,
        summary,
        `Exported ${summary.messages} messages in ${summary.conversations} conversations, with ${summary.reactions} reactions, ` +
          `${summary.receipts} receipts and ${summary.assets} file records, to ${summary.file}${summary.encrypted ? '' : ' (NOT encrypted)'}`,
      );
      break;
    }
    case 'backup-import': {
      const given = args.positionals[1];
      if (!given) fail(out, 'usage', 'backup-import needs FILE.');
      const picked = grant('read', given);
      const info = await call('backup.inspect', { grant: picked });
      const summary = await call('backup.import', {
        grant: picked,
        allowUnencrypted: args.flags.has('unencrypted'),
        ...(info.encrypted ? { password: await secretFromStdin('backup password') } : {}),
      });
      print(
        out,
        summary,
        `Imported ${summary.messagesAdded} new messages and ${summary.conversationsAdded} conversations, with ${summary.reactionsAdded} reactions, ` +
          `${summary.receiptsAdded} receipts and ${summary.assetsAdded} file records (${summary.recordsSkipped} records already here or not merged)`,
      );
      break;
    }
    default:
      fail(out, 'usage', `Unknown command "${command}". Run "npm run cli -- help".`);
  }
  await core.close();
}

main(parseArgs(process.argv.slice(2))).catch((error: unknown) => {
  process.stderr.write(`error internal: ${error instanceof Error ? error.message : 'unknown failure'}\n`);
  process.exit(1);
});
