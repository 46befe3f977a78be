// One mediasoup engine under test, in its own process, for the "old engine against new" bench
// (bench/engines.ts). The process loads one mediasoup's JavaScript: `mediasoup` (3.27, the
// product's) or `mediasoup-legacy` (3.8.4, the product's engine until December 2026, whose worker
// binary the parent names in MEDIASOUP_WORKER_BIN: 3.8.4 reads that variable when its module
// loads and has no other way to be given a binary). Two mediasoup versions never share a process,
// so neither's module state, Node.js heap or channel traffic is charged to the other.
//
// Set-up, the same on both: one worker, one router with the product's codec list (or VP8 and Opus
// alone, when the product's list is refused by one engine: said in the report), one plain-RTP
// publisher fed by the parent's generator, and per viewer one plain transport sending to the
// parent's sink and one consumer, created paused and resumed as the product's Playback does, with
// the router's RTP capabilities (so NACK, RTX and the header extensions are what each engine
// negotiates for a player) or those without bandwidth estimation (ViewerKind). Nothing else: no
// listeners, no stats polling.
//
// The two APIs differ where the engines do: 3.8.4 listens with `listenIp` and takes its ports
// from the worker's `rtcMinPort`/`rtcMaxPort`; 3.27 takes a `listenInfo` with its own port range;
// a transport's tuple names its address `localIp` in 3.8.4 and `localAddress` in 3.27. The small
// interfaces below are what this file uses of either, so the code says exactly which calls differ.
//
// Driven over IPC by bench/engines.ts; every request is answered { id, ok, data | error }.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { MEDIA_CODECS } from '../src/media/codecs';
import { VIDEO_RTP_PARAMETERS } from '../test/helpers/rtp';

export type EngineName = 'legacy' | 'current';
/**
 * Viewers' capabilities: 'product' is the router's own, what the product's players consume with;
 * 'no-bwe' leaves out transport-wide-cc and abs-send-time (and their RTCP feedback), so the
 * worker runs no send-side bandwidth estimator for them. A plain-RTP receiver that sends no
 * transport-cc feedback (the sink, or a player that does not implement it) never answers that
 * estimator, whose sent-packet history then fills its full 60 s window: the bench measures both
 * to show what that costs.
 */
export type ViewerKind = 'product' | 'no-bwe';
export type ProbeRequest = { id: number; op: 'viewers'; ports: number[]; count: number; kind: ViewerKind } | { id: number; op: 'describe' };
export interface ProbeDescription {
  engine: EngineName;
  /** mediasoup's own version string, from the module the process loaded. */
  version: string;
  workerPid: number;
  publisher: { ip: string; port: number };
  videoSsrc: number;
  /** 'product' (src/media/codecs.ts) or the fallback used, with the engine's reason. */
  codecs: string;
}

interface Tuple {
  localIp?: string; // 3.8.4
  localAddress?: string; // 3.27
  localPort: number;
}
interface Consumer {
  rtpParameters: { encodings?: { ssrc?: number }[] };
  resume(): Promise<void>;
}
interface PlainTransport {
  tuple: Tuple;
  connect(o: { ip: string; port: number }): Promise<void>;
  produce(o: { kind: 'video'; rtpParameters: unknown }): Promise<{ id: string }>;
  consume(o: { producerId: string; rtpCapabilities: RtpCapabilities; paused: boolean }): Promise<Consumer>;
}
interface RtpCapabilities {
  codecs?: { rtcpFeedback?: { type: string }[] }[];
  headerExtensions?: { uri: string }[];
}
interface Router {
  rtpCapabilities: RtpCapabilities;
  createPlainTransport(o: Record<string, unknown>): Promise<PlainTransport>;
}
interface Worker {
  pid: number;
  createRouter(o: { mediaCodecs: unknown[] }): Promise<Router>;
  close(): void;
}
interface Mediasoup {
  version: string;
  createWorker(o: Record<string, unknown>): Promise<Worker>;
}

const ENGINE = process.env.ENGINE_NAME as EngineName;
const [PORT_MIN, PORT_MAX] = (process.env.ENGINE_PORTS ?? '').split('-').map(Number);
const VIDEO_SSRC = Number(process.env.ENGINE_SSRC);
const IP = '127.0.0.1';
/** VP8 and Opus only: the fallback when an engine refuses the product's list. */
const VP8_ONLY = MEDIA_CODECS.filter((c) => c.mimeType === 'video/VP8' || c.mimeType === 'audio/opus');

/** Resolves when `pid` has exited (gone, or a zombie waiting to be reaped), at most 5 s. */
async function exited(pid: number): Promise<void> {
  const t0 = Date.now();
  while (Date.now() - t0 < 5000) {
    let state: string;
    try {
      state = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1][0];
    } catch {
      return; // no such process
    }
    if (state === 'Z') return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

function load(): Mediasoup {
  // A run-time require of the package this process is about: the other one is never loaded.
  const load = createRequire(__filename);
  return load(ENGINE === 'legacy' ? 'mediasoup-legacy' : 'mediasoup') as Mediasoup;
}

/** The options of a plain transport on loopback, in each engine's words. */
function plainOptions(comedia: boolean): Record<string, unknown> {
  const common = { rtcpMux: true, comedia };
  if (ENGINE === 'legacy') return { ...common, listenIp: { ip: IP } };
  return { ...common, listenInfo: { protocol: 'udp', ip: IP, portRange: { min: PORT_MIN, max: PORT_MAX } } };
}

async function main(): Promise<void> {
  const mediasoup = load();
  // 3.8.4: ports come from the worker. 3.27: from each transport's listenInfo (above); its worker
  // settings rtcMinPort/rtcMaxPort are deprecated and ignored by listenInfo transports.
  const worker = await mediasoup.createWorker({ logLevel: 'warn', ...(ENGINE === 'legacy' ? { rtcMinPort: PORT_MIN, rtcMaxPort: PORT_MAX } : {}) });
  let codecs = 'product';
  let router: Router;
  try {
    router = await worker.createRouter({ mediaCodecs: MEDIA_CODECS });
  } catch (err) {
    codecs = `VP8 and Opus only (${ENGINE} refused the product's list: ${(err as Error).message})`;
    router = await worker.createRouter({ mediaCodecs: VP8_ONLY });
  }
  // The publisher latches to its sender (comedia): the parent's generator sends from a socket
  // whose port is known only once it has sent. The viewers, the measured part, are not comedia.
  const publisher = await router.createPlainTransport(plainOptions(true));
  const producer = await publisher.produce({ kind: 'video', rtpParameters: VIDEO_RTP_PARAMETERS(VIDEO_SSRC) });
  const viewers: PlainTransport[] = [];

  const caps = router.rtpCapabilities;
  const noBwe: RtpCapabilities = {
    codecs: caps.codecs?.map((c) => ({ ...c, rtcpFeedback: c.rtcpFeedback?.filter((f) => f.type !== 'transport-cc' && f.type !== 'goog-remb') })),
    headerExtensions: caps.headerExtensions?.filter((h) => !/transport-wide-cc|abs-send-time/.test(h.uri)),
  };

  async function addViewer(port: number, kind: ViewerKind): Promise<number> {
    const transport = await router.createPlainTransport(plainOptions(false));
    await transport.connect({ ip: IP, port });
    const rtpCapabilities = kind === 'product' ? caps : noBwe;
    const consumer = await transport.consume({ producerId: producer.id, rtpCapabilities, paused: true });
    await consumer.resume();
    viewers.push(transport);
    return consumer.rtpParameters.encodings![0].ssrc!;
  }

  const description: ProbeDescription = {
    engine: ENGINE,
    version: mediasoup.version,
    workerPid: worker.pid,
    publisher: { ip: publisher.tuple.localAddress ?? publisher.tuple.localIp!, port: publisher.tuple.localPort },
    videoSsrc: VIDEO_SSRC,
    codecs,
  };
  process.on('message', (msg: ProbeRequest) => {
    void (async () => {
      try {
        if (msg.op === 'describe') return process.send!({ id: msg.id, ok: true, data: description });
        const ssrcs: number[] = [];
        // One at a time, as players join: the worker's channel is not what is measured.
        for (let i = 0; i < msg.count; i++) ssrcs.push(await addViewer(msg.ports[viewers.length % msg.ports.length], msg.kind));
        process.send!({ id: msg.id, ok: true, data: ssrcs });
      } catch (err) {
        process.send!({ id: msg.id, ok: false, error: (err as Error).message });
      }
    })();
  });
  // The parent disconnects to stop us: close the worker and leave once it has exited, so the
  // parent, which waits for this process, knows no worker is left behind.
  process.on('disconnect', () => {
    worker.close();
    void exited(worker.pid).then(() => process.exit(0));
  });
  process.send!({ id: 0, ok: true, data: description });
}

main().catch((err: Error) => {
  process.stderr.write(`[engine ${ENGINE}] ${err.stack ?? err.message}\n`);
  process.exit(1);
});
