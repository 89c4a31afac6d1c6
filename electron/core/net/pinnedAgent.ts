/**
 * HTTPS agent that pins the server's public key. The TLS handshake completes, the leaf
 * certificate's SPKI hash is compared with the configured pins, and only then is the socket
 * handed to the HTTP layer: on a mismatch no request byte is ever written. There is no
 * switch to turn this off.
 */
import https from 'node:https';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { CoreError } from '../ipc/errors';
import { spkiPinOfCertificate } from './pins';

export interface PinnedAgentOptions {
  readonly pins: readonly string[];
  readonly keepAlive?: boolean;
  readonly connectTimeoutMs?: number;
}

export class PinMismatchError extends CoreError {
  readonly presented: string;
  constructor(presented: string) {
    super('tls-pin-mismatch');
    this.presented = presented;
  }
}

export class PinnedAgent extends https.Agent {
  private current: ReadonlySet<string>;
  private verified: string | undefined;
  private readonly connectTimeoutMs: number;

  constructor(options: PinnedAgentOptions) {
    super({ keepAlive: options.keepAlive ?? true, minVersion: 'TLSv1.2' });
    if (options.pins.length === 0) throw new Error('PinnedAgent needs at least one pin');
    this.current = new Set(options.pins);
    this.connectTimeoutMs = options.connectTimeoutMs ?? 15_000;
  }

  get pins(): ReadonlySet<string> {
    return this.current;
  }

  /** The pin the latest handshake matched: the key the server has proven it holds. */
  get lastVerifiedPin(): string | undefined {
    return this.verified;
  }

  /**
   * Trusts a new set of pins for connections opened from now on (after a rotation the server
   * blessed over a verified connection). Open sockets were verified already and stay.
   */
  setPins(pins: readonly string[]): void {
    if (pins.length === 0) throw new Error('PinnedAgent needs at least one pin');
    this.current = new Set(pins);
  }

  override createConnection(
    options: tls.ConnectionOptions,
    callback?: (error: Error | null, socket: Duplex) => void,
  ): Duplex | null | undefined {
    const socket = openTls(options);
    verifyPin(socket, this.current, this.connectTimeoutMs).then(
      (pin) => {
        this.verified = pin;
        callback?.(null, socket);
      },
      (error: Error) => callback?.(error, socket),
    );
    return undefined;
  }
}

/** Opens a TLS 1.2+ socket and resolves only if the leaf SPKI matches one of `pins`. */
export async function connectPinned(
  options: tls.ConnectionOptions,
  pins: ReadonlySet<string>,
  timeoutMs: number,
): Promise<tls.TLSSocket> {
  const socket = openTls(options);
  await verifyPin(socket, pins, timeoutMs);
  return socket;
}

function openTls(options: tls.ConnectionOptions): tls.TLSSocket {
  // Chain validation is replaced by the pin check: the pinned key is the trust anchor.
  return tls.connect({ ...options, minVersion: 'TLSv1.2', rejectUnauthorized: false });
}

/** Resolves with the matched pin once the handshake is done; otherwise destroys the socket. */
function verifyPin(socket: tls.TLSSocket, pins: ReadonlySet<string>, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const fail = (error: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    };
    const timer = setTimeout(() => fail(new CoreError('network-unreachable')), timeoutMs);
    socket.once('secureConnect', () => {
      const certificate = socket.getPeerCertificate(false);
      const presented = certificate?.raw ? spkiPinOfCertificate(certificate.raw) : 'none';
      if (!pins.has(presented)) {
        fail(new PinMismatchError(presented));
        return;
      }
      clearTimeout(timer);
      resolve(presented);
    });
    socket.once('error', (error) => fail(error instanceof CoreError ? error : new CoreError('network-unreachable')));
  });
}
