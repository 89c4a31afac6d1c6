import net from 'node:net';

/**
 * A TCP relay between cores and the test server, for tests about the network under the TLS
 * (which it cannot read): it counts the bytes the server sends, can cut connections once they
 * carried a given number of bytes, and can refuse new connections (a network outage).
 */
export interface TcpProxy {
  /** `https://127.0.0.1:<port>`: give cores this instead of the server's own URL. */
  readonly url: string;
  /** Bytes sent from the server towards the clients since the proxy started. */
  readonly downstreamBytes: number;
  /**
   * Cuts the first connection that carries more than `bytes` from the server from now on; with
   * `thenRefuse`, every other open connection is cut too and new ones are refused until
   * `restore()`.
   */
  cutAfter(bytes: number, options?: { readonly thenRefuse?: boolean }): void;
  /** Whether a cut armed by `cutAfter` has happened. */
  readonly cut: boolean;
  /**
   * A network outage from now on: every open connection is cut and new ones are refused until
   * `restore()`. With `deliverHeldAnswers`, answers held by `hold('answers')` reach the clients
   * first (a server that answered just before the network went).
   */
  outage(options?: { readonly deliverHeldAnswers?: boolean }): void;
  /**
   * Holds back, from now on, what travels one way on every connection, open or new: `requests`
   * never reach the server, `answers` never reach the clients (what the server says is kept,
   * for `outage({ deliverHeldAnswers })`). Connections stay open. `restore()` ends it and drops
   * what was held.
   */
  hold(direction: 'requests' | 'answers'): void;
  /** Bytes the server sent that `hold('answers')` keeps back now (all connections). */
  readonly heldAnswerBytes: number;
  /**
   * A slow network from now on: what the server sends reaches the clients at about
   * `bytesPerSecond` on each connection (undefined: full speed again). `restore()` ends it too.
   */
  throttle(bytesPerSecond: number | undefined): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetUrl: string): Promise<TcpProxy> {
  const target = new URL(targetUrl);
  const sockets = new Set<net.Socket>();
  let downstream = 0;
  let armed: { bytes: number; thenRefuse: boolean } | undefined;
  let cut = false;
  let refusing = false;
  let holding: 'requests' | 'answers' | undefined;
  let rate: number | undefined;
  const heldAnswers = new Map<net.Socket, Buffer[]>();
  const draining = new Set<net.Socket>();
  let epoch = 0;
  const server = net.createServer((client) => {
    if (refusing) {
      client.destroy();
      return;
    }
    const upstream = net.connect(Number(target.port), target.hostname);
    sockets.add(client).add(upstream);
    // Bytes this connection carried since the last `cutAfter`.
    let carried = 0;
    let seenEpoch = epoch;
    const close = (): void => {
      // A client being handed its held answers is closed once they are written, not before.
      if (draining.has(client)) client.end();
      else client.destroy();
      upstream.destroy();
      if (!draining.has(client)) sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', close).on('close', () => {
      draining.delete(client);
      close();
    });
    upstream.on('error', close).on('close', close);
    client.on('data', (chunk: Buffer) => {
      if (holding !== 'requests') upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (holding === 'answers') {
        heldAnswers.set(client, [...(heldAnswers.get(client) ?? []), chunk]);
        return;
      }
      downstream += chunk.length;
      if (seenEpoch !== epoch) {
        seenEpoch = epoch;
        carried = 0;
      }
      carried += chunk.length;
      if (rate !== undefined) {
        // Held back for as long as the chunk takes at the set rate, in order: reading pauses meanwhile.
        upstream.pause();
        setTimeout(
          () => {
            if (!client.destroyed) client.write(chunk);
            upstream.resume();
          },
          Math.ceil((chunk.length / rate) * 1000),
        );
        return;
      }
      if (armed && carried > armed.bytes) {
        refusing = armed.thenRefuse;
        armed = undefined;
        cut = true;
        close();
        // An outage drops every open connection, not just the one that was cut.
        if (refusing) for (const socket of sockets) socket.destroy();
        return;
      }
      client.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the proxy has no port');
  return {
    url: `https://127.0.0.1:${address.port}`,
    get downstreamBytes() {
      return downstream;
    },
    get cut() {
      return cut;
    },
    cutAfter(bytes, options) {
      armed = { bytes, thenRefuse: options?.thenRefuse ?? false };
      cut = false;
      epoch += 1;
    },
    outage(options) {
      refusing = true;
      armed = undefined;
      holding = undefined;
      const held = options?.deliverHeldAnswers ? [...heldAnswers] : [];
      heldAnswers.clear();
      for (const [client, chunks] of held) {
        // Closed once the answer is written: the client reads it, then finds the connection gone.
        draining.add(client);
        client.end(Buffer.concat(chunks));
      }
      for (const socket of sockets) if (!draining.has(socket)) socket.destroy();
    },
    hold(direction) {
      holding = direction;
    },
    get heldAnswerBytes() {
      let bytes = 0;
      for (const chunks of heldAnswers.values()) for (const chunk of chunks) bytes += chunk.length;
      return bytes;
    },
    throttle(bytesPerSecond) {
      rate = bytesPerSecond;
    },
    restore() {
      refusing = false;
      armed = undefined;
      holding = undefined;
      rate = undefined;
      heldAnswers.clear();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
