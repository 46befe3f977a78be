// A TCP forwarder on loopback that records every byte it carries, for tests of the relay link:
// the origin's loadbalancing.xml names the tap's port as an edge's <relay>, the tap forwards to
// the edge and keeps what crossed it (as a party on the path would see it). It can also write
// bytes of its own into a connection toward the edge, as an on-path attacker injects them.
import net from 'node:net';

export interface TapConnection {
  /** Every chunk the origin sent toward the edge, in order. */
  readonly toEdge: Buffer[];
  /** Every chunk the edge sent back. */
  readonly toOrigin: Buffer[];
  readonly client: net.Socket;
  readonly upstream: net.Socket;
  closed: boolean;
}

export class TcpTap {
  readonly connections: TapConnection[] = [];
  readonly #server: net.Server;

  static async start(targetPort: number): Promise<TcpTap> {
    const tap = new TcpTap(targetPort);
    await new Promise<void>((resolve) => tap.#server.listen(0, '127.0.0.1', resolve));
    return tap;
  }

  private constructor(targetPort: number) {
    this.#server = net.createServer((client) => {
      client.pause();
      const upstream = net.connect(targetPort, '127.0.0.1');
      const conn: TapConnection = { toEdge: [], toOrigin: [], client, upstream, closed: false };
      this.connections.push(conn);
      client.on('data', (d: Buffer) => {
        conn.toEdge.push(Buffer.from(d));
        upstream.write(d);
      });
      upstream.on('data', (d: Buffer) => {
        conn.toOrigin.push(Buffer.from(d));
        client.write(d);
      });
      upstream.once('connect', () => client.resume());
      const end = () => {
        conn.closed = true;
        client.destroy();
        upstream.destroy();
      };
      client.on('close', end);
      upstream.on('close', end);
      client.on('error', end);
      upstream.on('error', end);
    });
  }

  get port(): number {
    return (this.#server.address() as net.AddressInfo).port;
  }

  /** Everything that crossed the tap, both ways, all connections. */
  all(): Buffer {
    return Buffer.concat(this.connections.flatMap((c) => [...c.toEdge, ...c.toOrigin]));
  }

  /** The newest connection still open. */
  current(): TapConnection | undefined {
    return [...this.connections].reverse().find((c) => !c.closed);
  }

  async close(): Promise<void> {
    for (const c of this.connections) {
      c.client.destroy();
      c.upstream.destroy();
    }
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/** The TLS records of a byte stream (type, and the whole record with its 5-byte header). */
export function tlsRecords(stream: Buffer): { type: number; bytes: Buffer }[] {
  const out: { type: number; bytes: Buffer }[] = [];
  let at = 0;
  while (at + 5 <= stream.length) {
    const length = stream.readUInt16BE(at + 3);
    if (at + 5 + length > stream.length) break;
    out.push({ type: stream[at], bytes: stream.subarray(at, at + 5 + length) });
    at += 5 + length;
  }
  return out;
}
