// The bare mediasoup router the capacity bench compares the node with: a separate process (so its
// memory and CPU are its own, as a node's are) holding one worker per variant, each with one router
// with the product's codec list, one publisher transport and, per viewer, one receiving transport
// and one consumer, made the way the product makes them for a plain-RTP player: the product's own
// transport factory, the router's RTP capabilities (so NACK, RTX and the header extensions are
// negotiated exactly as for the node's players), consumers created paused and then resumed. No
// signalling, no sessions, no listeners: what is left is mediasoup's own cost.
//
// Variant "srtp" differs in one thing: its viewer transports encrypt (PlainTransport enableSrtp,
// the SRTP a WebRTC viewer gets after DTLS), to show what SRTP adds per packet inside the worker.
//
// Driven over IPC by bench/capacity.ts: {op:'viewers', variant, ports, count} adds viewers sending
// to the sink's ports and answers their consumers' SSRCs.
import * as mediasoup from 'mediasoup';
import type * as ms from 'mediasoup/types';
import { MEDIA_CODECS } from '../src/media/codecs';
import { createClientTransport, listenInfoOf, type ListenConfig } from '../src/media/transports';
import { VIDEO_RTP_PARAMETERS } from '../test/helpers/rtp';

export type Variant = 'plain' | 'srtp';
export type BareRequest =
  | { id: number; op: 'viewers'; variant: Variant; ports: number[]; count: number }
  | { id: number; op: 'stats' }
  /** The slowest answer of each worker to a probe like the node's watchdog's, since the last ask. */
  | { id: number; op: 'probes'; variant: Variant };

// A fixed SRTP key for the viewers' (unused) incoming direction: they send nothing back.
const SRTP = { cryptoSuite: 'AES_CM_128_HMAC_SHA1_80' as const, keyBase64: Buffer.alloc(30, 7).toString('base64') };

interface Setup {
  worker: ms.Worker;
  router: ms.Router;
  /** The variant's own port range, as a node's configuration gives it. */
  listen: ListenConfig;
  publisher: ms.PlainTransport;
  producer: ms.Producer;
  viewers: { transport: ms.Transport; consumer: ms.Consumer }[];
}

async function setUp(ssrc: number, ports: [number, number]): Promise<Setup> {
  const worker = await mediasoup.createWorker({ logLevel: 'warn' });
  const router = await worker.createRouter({ mediaCodecs: MEDIA_CODECS });
  const listen: ListenConfig = { ip: '127.0.0.1', ipLocal: '127.0.0.1', mediaPortFrom: ports[0], mediaPortTo: ports[1] };
  const publisher = (await createClientTransport(router, 'plain', listen, 'send')) as ms.PlainTransport;
  const producer = await publisher.produce({ kind: 'video', rtpParameters: VIDEO_RTP_PARAMETERS(ssrc) as ms.RtpParameters });
  // The generator's socket: a plain publisher transport takes RTP only from where it is connected.
  await publisher.connect({ ip: '127.0.0.1', port: Number(process.env.BARE_SOURCE_PORT) });
  return { worker, router, listen, publisher, producer, viewers: [] };
}

async function addViewer(setup: Setup, variant: Variant, port: number): Promise<number> {
  const transport =
    variant === 'plain'
      ? ((await createClientTransport(setup.router, 'plain', setup.listen, 'recv')) as ms.PlainTransport)
      : await setup.router.createPlainTransport({ listenInfo: listenInfoOf(setup.listen, 'udp'), rtcpMux: true, comedia: false, enableSrtp: true });
  await transport.connect({ ip: '127.0.0.1', port, ...(variant === 'srtp' ? { srtpParameters: SRTP } : {}) });
  const consumer = await transport.consume({ producerId: setup.producer.id, rtpCapabilities: setup.router.rtpCapabilities, paused: true });
  await consumer.resume();
  setup.viewers.push({ transport, consumer });
  return consumer.rtpParameters.encodings![0].ssrc!;
}

async function main(): Promise<void> {
  const base = Number(process.env.BARE_PORT_FROM ?? 30000);
  const setups: Record<Variant, Setup> = {
    plain: await setUp(0x1111, [base, base + 2999]),
    srtp: await setUp(0x2222, [base + 3000, base + 5999]),
  };
  const describe = (v: Variant) => ({
    workerPid: setups[v].worker.pid,
    publisher: { ip: setups[v].publisher.tuple.localAddress, port: setups[v].publisher.tuple.localPort },
    videoSsrc: v === 'plain' ? 0x1111 : 0x2222,
  });
  // The node's watchdog asks its worker for its resource usage every 500 ms; ask the same here,
  // to see how late a worker of the same load answers without any watchdog to kill it.
  const slowest: Record<Variant, number> = { plain: 0, srtp: 0 };
  const probe = (v: Variant) => {
    const t0 = performance.now();
    void setups[v].worker.getResourceUsage().then(() => {
      slowest[v] = Math.max(slowest[v], performance.now() - t0);
      setTimeout(() => probe(v), 500);
    });
  };
  probe('plain');
  probe('srtp');
  process.on('message', (msg: BareRequest) => {
    void (async () => {
      try {
        if (msg.op === 'stats') return process.send!({ id: msg.id, ok: true, data: { pid: process.pid, plain: describe('plain'), srtp: describe('srtp') } });
        if (msg.op === 'probes') {
          process.send!({ id: msg.id, ok: true, data: slowest[msg.variant] });
          slowest[msg.variant] = 0;
          return;
        }
        const setup = setups[msg.variant];
        const ssrcs: number[] = [];
        for (let i = 0; i < msg.count; i++) ssrcs.push(await addViewer(setup, msg.variant, msg.ports[setup.viewers.length % msg.ports.length]));
        process.send!({ id: msg.id, ok: true, data: { ssrcs } });
      } catch (err) {
        process.send!({ id: msg.id, ok: false, error: (err as Error).message });
      }
    })();
  });
  process.on('disconnect', () => {
    for (const s of Object.values(setups)) s.worker.close();
    process.exit(0);
  });
  process.send!({ id: 0, ok: true, data: 'ready' });
}

void main();
