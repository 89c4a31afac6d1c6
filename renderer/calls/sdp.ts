/**
 * Pure SDP helpers for calls: Opus constant bit rate, the DTLS fingerprint that the call setup
 * carries inside MLS, and the relay-only check behind "Always relay calls". Strings in, values
 * out; no browser API, so the unit tests run them directly.
 */

const LINE_BREAK = /\r?\n/;

function lines(sdp: string): string[] {
  return sdp.split(LINE_BREAK).filter((line, i, all) => line !== '' || i < all.length - 1);
}

/** Keeps the description's own line ending (RFC 8866 says CRLF; some tools write LF). */
function lineEnding(sdp: string): string {
  return sdp.includes('\r\n') ? '\r\n' : '\n';
}

export type OpusResult = { readonly ok: true; readonly sdp: string } | { readonly ok: false; readonly error: 'no-opus' };

/** Payload types of Opus in a description (`a=rtpmap:<pt> opus/48000/2`). */
export function opusPayloadTypes(sdp: string): readonly string[] {
  const types: string[] = [];
  for (const line of lines(sdp)) {
    const match = /^a=rtpmap:(\d+) opus\/48000(?:\/\d+)?$/i.exec(line.trim());
    if (match?.[1] !== undefined) types.push(match[1]);
  }
  return types;
}

/**
 * Sets `cbr=1;usedtx=0` on every Opus payload type of a *remote* description before it is
 * applied: Chrome's Opus encoder follows the remote fmtp (measured: every frame 80 B, sd 0, in
 * shared/reference/feas-calls §5), which hides speech patterns in packet sizes (whitepaper,
 * "Calling": constant bit rate). Other fmtp parameters are kept; a missing fmtp line is added.
 */
export function withOpusConstantBitRate(sdp: string): OpusResult {
  const types = new Set(opusPayloadTypes(sdp));
  if (types.size === 0) return { ok: false, error: 'no-opus' };
  const eol = lineEnding(sdp);
  const input = lines(sdp);
  const withFmtp = new Set<string>();
  const out: string[] = [];
  for (const line of input) {
    const fmtp = /^a=fmtp:(\d+) (.*)$/.exec(line);
    if (fmtp?.[1] !== undefined && types.has(fmtp[1])) {
      withFmtp.add(fmtp[1]);
      out.push(`a=fmtp:${fmtp[1]} ${mergeParameters(fmtp[2] ?? '', { cbr: '1', usedtx: '0' })}`);
    } else {
      out.push(line);
    }
  }
  const result: string[] = [];
  for (const line of out) {
    result.push(line);
    const rtpmap = /^a=rtpmap:(\d+) opus\//i.exec(line);
    if (rtpmap?.[1] !== undefined && !withFmtp.has(rtpmap[1])) result.push(`a=fmtp:${rtpmap[1]} cbr=1;usedtx=0`);
  }
  return { ok: true, sdp: result.join(eol) + (sdp.endsWith(eol) ? eol : '') };
}

function mergeParameters(current: string, set: Readonly<Record<string, string>>): string {
  const entries: [string, string][] = [];
  for (const part of current.split(';')) {
    const trimmed = part.trim();
    if (trimmed === '') continue;
    const at = trimmed.indexOf('=');
    const name = at < 0 ? trimmed : trimmed.slice(0, at);
    if (name in set) continue;
    entries.push([name, at < 0 ? '' : trimmed.slice(at + 1)]);
  }
  for (const [name, value] of Object.entries(set)) entries.push([name, value]);
  return entries.map(([name, value]) => (value === '' ? name : `${name}=${value}`)).join(';');
}

/** The hash functions accepted for a DTLS fingerprint (the MLS call messages take the same three). */
export type FingerprintAlgorithm = 'sha-256' | 'sha-384' | 'sha-512';

export interface DtlsFingerprint {
  /** Hash function name as in RFC 8122, lower case ("sha-256"). */
  readonly algorithm: FingerprintAlgorithm;
  /** Upper-case hex bytes separated by colons. */
  readonly value: string;
}

export type FingerprintResult =
  | { readonly ok: true; readonly fingerprint: DtlsFingerprint }
  | { readonly ok: false; readonly error: 'missing' | 'malformed' | 'conflicting' | 'weak-hash' };

/** Hash lengths in bytes of the algorithms we accept (RFC 8122 §5; SHA-1 and MD5 are refused). */
const HASH_BYTES: Readonly<Record<FingerprintAlgorithm, number>> = { 'sha-256': 32, 'sha-384': 48, 'sha-512': 64 };

function isAccepted(algorithm: string): algorithm is FingerprintAlgorithm {
  return Object.hasOwn(HASH_BYTES, algorithm);
}

/**
 * The one DTLS certificate fingerprint a description commits to. It travels to the peer only
 * inside the MLS call setup (issue 13), binding the media path to the E2EE identity, so anything
 * ambiguous is an error: no fingerprint, two different ones (session and media level disagree),
 * a malformed value or a hash weaker than SHA-256.
 */
export function dtlsFingerprint(sdp: string): FingerprintResult {
  const found: DtlsFingerprint[] = [];
  for (const line of lines(sdp)) {
    if (!line.startsWith('a=fingerprint:')) continue;
    const match = /^a=fingerprint:(\S+) ([0-9A-Fa-f:]+)$/.exec(line.trim());
    if (match?.[1] === undefined || match[2] === undefined) return { ok: false, error: 'malformed' };
    const algorithm = match[1].toLowerCase();
    const value = match[2].toUpperCase();
    if (!isAccepted(algorithm)) return { ok: false, error: 'weak-hash' };
    const expected = HASH_BYTES[algorithm];
    if (!/^[0-9A-F]{2}(?::[0-9A-F]{2})*$/.test(value) || value.split(':').length !== expected) return { ok: false, error: 'malformed' };
    found.push({ algorithm, value });
  }
  const first = found[0];
  if (first === undefined) return { ok: false, error: 'missing' };
  if (found.some((f) => f.algorithm !== first.algorithm || f.value !== first.value)) return { ok: false, error: 'conflicting' };
  return { ok: true, fingerprint: first };
}

/** True when two fingerprints name the same certificate (the offer's, as MLS delivered it, and the one DTLS presents). */
export function sameFingerprint(a: DtlsFingerprint, b: Readonly<{ algorithm: string; value: string }>): boolean {
  return a.algorithm.toLowerCase() === b.algorithm.toLowerCase() && a.value.toUpperCase() === b.value.toUpperCase();
}

export type CandidateType = 'host' | 'srflx' | 'prflx' | 'relay';

/** The `typ` of an ICE candidate (RFC 8839 §5.1), from an `a=candidate:` line or an RTCIceCandidate's `candidate` string. */
export function candidateType(candidate: string): CandidateType | undefined {
  const text = candidate.trim().replace(/^a=/, '');
  const match = /^candidate:\S+ \d+ \S+ \d+ \S+ \d+ typ (host|srflx|prflx|relay)(?: |$)/i.exec(text);
  const type = match?.[1]?.toLowerCase();
  return type === 'host' || type === 'srflx' || type === 'prflx' || type === 'relay' ? type : undefined;
}

export function candidatesOf(sdp: string): readonly string[] {
  return lines(sdp).filter((line) => line.startsWith('a=candidate:'));
}

export type RelayCheck = { readonly ok: true; readonly count: number } | { readonly ok: false; readonly error: 'no-candidates' | 'not-relay'; readonly offending: readonly string[] };

/**
 * "Always relay calls": every candidate we are about to send must be a TURN relay, or the peer
 * would learn one of our addresses. An unparsable candidate counts as not relay (fail closed);
 * an empty list is refused, since such a call could never connect through the relay.
 */
export function checkRelayOnly(candidates: readonly string[]): RelayCheck {
  if (candidates.length === 0) return { ok: false, error: 'no-candidates', offending: [] };
  const offending = candidates.filter((c) => candidateType(c) !== 'relay');
  return offending.length === 0 ? { ok: true, count: candidates.length } : { ok: false, error: 'not-relay', offending };
}
