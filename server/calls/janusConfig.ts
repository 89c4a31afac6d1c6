/**
 * The configuration of a Janus 1.1.2 that the server starts beside itself, rendered as jcfg
 * (libconfig) text. Based on the measured config in `../shared/reference/feas-calls/janus/`:
 * only VideoRoom and the HTTP transport are loaded, every other plugin, transport, logger and
 * event handler is disabled, the HTTP API listens on loopback only and the admin API is off.
 */

/** Debian's plugin folders (package `janus`). */
const LIB = '/usr/lib/x86_64-linux-gnu/janus';

export type JanusConfigInput = Readonly<{
  /** Folder the files are written to (Janus reads it with `-F`). */
  configDir: string;
  /** Port of the API: plain http on 127.0.0.1, or https on `https.ip`. */
  httpPort: number;
  /**
   * Serve the API over HTTPS on `ip` instead of plain http on loopback, with the given key
   * and certificate (the Cairn server's own, so clients pin the key they already pin).
   */
  https?: Readonly<{ ip: string; certFile: string; keyFile: string }>;
  /** The one interface ICE gathers on (`ice_enforce_list`): Janus skips loopback ones. */
  iceInterface: string;
  /** `min-max` UDP ports for media. */
  rtpPortRange: string;
  /** Shared with the server, which signs tokens with it (sfuToken.ts). */
  tokenSecret: string;
}>;

export const JANUS_CONFIG_FILES = ['janus.jcfg', 'janus.plugin.videoroom.jcfg', 'janus.transport.http.jcfg'] as const;
export type JanusConfigFile = (typeof JANUS_CONFIG_FILES)[number];

const UNUSED_PLUGINS = ['audiobridge', 'duktape', 'lua', 'nosip', 'recordplay', 'sip', 'streaming', 'textroom', 'videocall', 'voicemail', 'echotest'];
const UNUSED_TRANSPORTS = ['mqtt', 'nanomsg', 'pfunix', 'rabbitmq', 'websockets'];
const UNUSED_EVENT_HANDLERS = ['gelfevh', 'mqttevh', 'nanomsgevh', 'rabbitmqevh', 'sampleevh', 'wsevh'];

/** A libconfig string literal; a value with a line break or NUL cannot be written safely. */
export function jcfgString(value: string): string {
  if (/[\n\r\0]/.test(value)) throw new Error('a Janus config value may not contain line breaks');
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

const list = (prefix: string, names: readonly string[]): string => jcfgString(names.map((name) => `${prefix}${name}.so`).join(','));

export function renderJanusConfig(input: JanusConfigInput): Readonly<Record<JanusConfigFile, string>> {
  return {
    'janus.jcfg': `# Written by the Cairn server at every start; edits are overwritten.
general: {
\tconfigs_folder = ${jcfgString(input.configDir)}
\tplugins_folder = "${LIB}/plugins"
\ttransports_folder = "${LIB}/transports"
\tevents_folder = "${LIB}/events"
\tloggers_folder = "${LIB}/loggers"
\tdebug_level = 4
\tserver_name = "cairn-sfu"
\tsession_timeout = 60
\t# /info names no library versions.
\thide_dependencies = true
\t# Every request needs a token the Cairn server signed (HMAC-SHA1, expiring).
\ttoken_auth = true
\ttoken_auth_secret = ${jcfgString(input.tokenSecret)}
}
certificates: {
}
media: {
\trtp_port_range = ${jcfgString(input.rtpPortRange)}
}
nat: {
\t# Janus 1.1.2 skips loopback interfaces before reading this list (src/ice.c).
\tice_enforce_list = ${jcfgString(input.iceInterface)}
\tignore_mdns = true
}
plugins: {
\tdisable = ${list('libjanus_', UNUSED_PLUGINS)}
}
transports: {
\tdisable = ${list('libjanus_', UNUSED_TRANSPORTS)}
}
loggers: {
\tdisable = "libjanus_jsonlog.so"
}
events: {
\tbroadcast = false
\tdisable = ${list('libjanus_', UNUSED_EVENT_HANDLERS)}
}
`,
    'janus.plugin.videoroom.jcfg': `# No static rooms: a room per call, created through the API with require_e2ee by any holder
# of a token the Cairn server signed. No admin_key: rooms are guarded by the pin and secret the
# participants derive from the per-call secret (joining needs the pin; destroy, edit and RTP
# forwarding need the room secret).
general: {
}
`,
    'janus.transport.http.jcfg': input.https === undefined
      ? `general: {
\tjson = "plain"
\tbase_path = "/janus"
\thttp = true
\tport = ${input.httpPort}
\tip = "127.0.0.1"
\thttps = false
}
admin: {
\tadmin_http = false
\tadmin_https = false
}
cors: {
}
`
      : `general: {
\tjson = "plain"
\tbase_path = "/janus"
\thttp = false
\thttps = true
\tsecure_port = ${input.httpPort}
\tsecure_ip = ${jcfgString(input.https.ip)}
}
admin: {
\tadmin_http = false
\tadmin_https = false
}
cors: {
}
certificates: {
\tcert_pem = ${jcfgString(input.https.certFile)}
\tcert_key = ${jcfgString(input.https.keyFile)}
\t# TLS 1.2+ with forward secrecy only (GnuTLS priority string).
\tciphers = "SECURE128:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-RSA"
}
`,
  };
}
