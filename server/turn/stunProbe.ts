import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';

/** RFC 8489 §5: Binding request (0x0001), no attributes, magic cookie 0x2112A442. */
const BINDING_REQUEST = Buffer.from([0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42]);
const BINDING_SUCCESS = 0x0101;
const RESEND_MS = 50;

/**
 * Whether a STUN server answers a Binding request at `host:port` (UDP) before `timeoutMs`.
 * This is how we know coturn is ready: its log has no reliable "listening" line in Debian's
 * 4.6.1 (reference/feas-calls §6), while an answer proves the socket serves requests. The
 * request is sent again every 50 ms until the answer with our transaction id arrives.
 */
export function stunAnswers(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    const transaction = randomBytes(12);
    const request = Buffer.concat([BINDING_REQUEST, transaction]);
    const finish = (answered: boolean): void => {
      clearInterval(resend);
      clearTimeout(deadline);
      socket.close();
      resolve(answered);
    };
    const resend = setInterval(() => socket.send(request, port, host), RESEND_MS);
    const deadline = setTimeout(() => finish(false), timeoutMs);
    socket.on('message', (message) => {
      if (message.length >= 20 && message.readUInt16BE(0) === BINDING_SUCCESS && message.subarray(8, 20).equals(transaction)) finish(true);
    });
    // ICMP "port unreachable" while coturn is still starting arrives as an error: keep asking.
    socket.on('error', () => undefined);
    socket.send(request, port, host);
  });
}
