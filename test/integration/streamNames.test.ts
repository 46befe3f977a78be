// Stream names as users type them ("my cam", "café", "a/b"), end to end on real processes: one
// origin and two edges. A name the rule accepts is published, relayed to every edge and played
// there, by the command channel and by WHIP alike; a name it refuses is refused at publish with
// BAD_REQUEST and the rule's text, by both. A second origin checks how relays that fail are
// retried: never when the edge refuses for good, with back-off when the cause can pass.
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { WebSocketServer } from 'ws';
import { AppError } from '../../src/errors';
import { nodeCertificate } from '../../src/cluster/nodeCertificate';
import { channelBinding } from '../../src/cluster/relayTls';
import { newNonce, RELAY_PROTOCOL_VERSION, relayProof } from '../../src/cluster/secret';
import { Peer } from '../../src/rpc/Peer';
import { STREAM_NAME_RULE } from '../../src/streams/streamName';
import { playViaOrigin, TestClient } from '../helpers/client';
import { edgesXml, type NodeProcess, startNode, TEST_CDN_SECRET, until } from '../helpers/nodes';
import { VIDEO_PT } from '../helpers/rtp';
import { audio, offer, video } from '../helpers/sdpOffers';

type ListedStream = { name: string; status: string; source: string; tracks: unknown[]; edges?: { id: string; relay: string; error?: string }[] };

let origin: NodeProcess;
let edges: NodeProcess[];
const cleanup: (() => Promise<unknown>)[] = [];

function track<T extends { close(): Promise<unknown> }>(x: T): T {
  cleanup.push(() => x.close());
  return x;
}

async function streamsOn(node: NodeProcess): Promise<ListedStream[]> {
  return (await fetch(`${node.http}/rest-api/stream/find_all`, { method: 'POST' })).json();
}

async function onEveryEdge(name: string, tracks = 1): Promise<boolean> {
  const lists = await Promise.all(edges.map(streamsOn));
  return lists.every((l) => l.some((s) => s.name === name && s.source === 'relay' && s.tracks.length >= tracks));
}

function whip(node: NodeProcess, encodedName: string): Promise<Response> {
  const body = offer([audio('sendonly', 1111), video('sendonly', 'all', 2222)]);
  return fetch(`${node.http}/whip/${encodedName}`, { method: 'POST', body, headers: { 'Content-Type': 'application/sdp' }, redirect: 'manual' });
}

const composedCafe = 'caf\u00e9';
const decomposedCafe = 'cafe\u0301';

beforeAll(async () => {
  // A test publishes directly on edge1 to hold a name there: these edges allow it.
  const direct = { 'publish.allow_direct': true };
  edges = await Promise.all([startNode({ name: 'edge1', props: direct }), startNode({ name: 'edge2', props: direct })]);
  origin = await startNode({
    name: 'origin',
    props: { load_balancing_enabled: true },
    xml: edgesXml(edges.map((e) => ({ id: e.name, port: e.port, relayPort: e.relayPort }))),
  });
  await until(
    async () => {
      const routes = (await (await fetch(`${origin.http}/rest-api/cdn/show_routes`)).json()) as { edges: { state: string }[] };
      return routes.edges.every((e) => e.state === 'up');
    },
    10000,
    'edge links up',
  );
});

afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

afterAll(async () => {
  const codes = await Promise.all([origin, ...edges].filter(Boolean).map((n) => n.stop()));
  expect(codes).toEqual(codes.map(() => 0));
});

describe('by the command channel', () => {
  test.each(['my cam', composedCafe, '直播'])('"%s" reaches both edges and a player sent to an edge receives its RTP', async (name) => {
    const publisher = track(await TestClient.connect(origin.url));
    track(await publisher.publishRtp(name));
    await until(() => onEveryEdge(name), 5000, `${name} on both edges`);
    const onOrigin = (await streamsOn(origin)).find((s) => s.name === name)!;
    expect(onOrigin.edges!.map((e) => e.relay)).toEqual(['relayed', 'relayed']);

    const played = await playViaOrigin(origin.url, name);
    played.clients.forEach(track);
    track(played.receiver);
    expect(['edge1', 'edge2']).toContain(played.nodeId);
    await played.receiver.waitFor(20, VIDEO_PT);
  });

  test('"a/b" is refused at publish with BAD_REQUEST quoting the rule, and nothing is published', async () => {
    const publisher = track(await TestClient.connect(origin.url));
    await expect(publisher.request('publish', { stream: 'a/b', transport: 'plain' })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining(STREAM_NAME_RULE),
    });
    expect((await streamsOn(origin)).some((s) => s.name === 'a/b')).toBe(false);
  });

  test('a decomposed "café" plays the stream published as a composed "café"', async () => {
    const publisher = track(await TestClient.connect(origin.url));
    track(await publisher.publishRtp(composedCafe));
    await until(() => onEveryEdge(composedCafe), 5000, 'café on both edges');
    const played = await playViaOrigin(origin.url, decomposedCafe);
    played.clients.forEach(track);
    track(played.receiver);
    await played.receiver.waitFor(20, VIDEO_PT);
  });
});

describe('by WHIP', () => {
  test.each(['my cam', composedCafe, '直播'])('"%s", percent-encoded in the URL, reaches both edges; Location and DELETE work', async (name) => {
    const res = await whip(origin, encodeURIComponent(name));
    expect(res.status).toBe(201);
    const location = res.headers.get('location')!;
    expect(location).toContain(`/whip/${encodeURIComponent(name)}/`);
    await until(() => onEveryEdge(name, 2), 5000, `${name} with both tracks on both edges`);

    // The origin sends a WHEP player to an edge, with the name encoded in the edge's URL.
    const whep = await fetch(`${origin.http}/whep/${encodeURIComponent(name)}`, {
      method: 'POST',
      body: offer([audio('recvonly'), video('recvonly', 'all')]),
      headers: { 'Content-Type': 'application/sdp' },
      redirect: 'manual',
    });
    expect(whep.status).toBe(307);
    expect(whep.headers.get('location')!.endsWith(`/whep/${encodeURIComponent(name)}`)).toBe(true);

    expect((await fetch(location, { method: 'DELETE' })).status).toBe(200);
    await until(async () => !(await streamsOn(origin)).some((s) => s.name === name), 5000, `${name} gone`);
  });

  test('"a/b" is refused with 400 BAD_REQUEST quoting the rule, encoded (%2F) or not', async () => {
    const encoded = await whip(origin, encodeURIComponent('a/b'));
    expect(encoded.status).toBe(400);
    expect(await encoded.json()).toEqual({ code: 'BAD_REQUEST', message: expect.stringContaining(STREAM_NAME_RULE) });
    // Unencoded, the slash makes it another path (a WHIP session's), which a POST does not have.
    expect((await whip(origin, 'a/b')).status).toBe(405);
    expect((await streamsOn(origin)).some((s) => s.name === 'a/b')).toBe(false);
  });

  test('malformed percent-encoding in the URL is 400 BAD_REQUEST, not a server fault', async () => {
    for (const bad of ['%zz', 'cam%', 'caf%E9']) {
      const res = await whip(origin, bad);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('percent-encoding') });
    }
  });

  test('a decomposed "café" by WHIP is the same name as a composed one by the command channel: STREAM_NAME_TAKEN', async () => {
    const publisher = track(await TestClient.connect(origin.url));
    track(await publisher.publishRtp(composedCafe));
    const res = await whip(origin, encodeURIComponent(decomposedCafe));
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ code: 'STREAM_NAME_TAKEN' });
  });
});

test('/rtcloadbalance?stream= finds the edges holding "my cam"', async () => {
  const publisher = track(await TestClient.connect(origin.url));
  track(await publisher.publishRtp('my cam'));
  await until(() => onEveryEdge('my cam'), 5000, 'my cam on both edges');
  const res = await fetch(`${origin.http}/rtcloadbalance?stream=${encodeURIComponent('my cam')}`);
  expect(res.status).toBe(200);
  expect(edges.map((e) => `ws://127.0.0.1:${e.port}`)).toContain(await res.text());
  const refused = await fetch(`${origin.http}/rtcloadbalance?stream=${encodeURIComponent(' my cam')}`);
  expect(refused.status).toBe(400);
  expect(await refused.text()).toContain(STREAM_NAME_RULE);
});

/**
 * An edge that links like a real one but refuses every relayed stream with BAD_REQUEST, as an edge
 * running an older name rule would refuse a name it does not know. It counts what it was asked.
 */
class RefusingEdge {
  readonly relayStreams: string[] = [];
  readonly #server: https.Server;
  readonly #wss: WebSocketServer;
  readonly #peers = new Set<Peer>();

  static async start(): Promise<RefusingEdge> {
    const { cert, key } = await nodeCertificate({ tlsCertFile: null, tlsKeyFile: null, nodeId: 'refuser' });
    const edge = new RefusingEdge(https.createServer({ cert, key, minVersion: 'TLSv1.3' }));
    await new Promise<void>((resolve) => edge.#server.listen(0, '127.0.0.1', resolve));
    return edge;
  }

  private constructor(server: https.Server) {
    this.#server = server;
    this.#wss = new WebSocketServer({ server, path: '/cdn/relay' });
    this.#wss.on('connection', (ws, upgrade) => {
      const binding = channelBinding(upgrade.socket);
      const peer = new Peer(ws, { logger: pino({ level: 'silent' }), heartbeatMs: 0 });
      this.#peers.add(peer);
      peer.on('close', () => this.#peers.delete(peer));
      peer.setRequestHandler(async (req) => {
        if (req.method === 'challenge') {
          // A real edge's proof (the origin checks it first); this fake edge then admits any hello.
          const transcript = { binding, originNonce: String(req.data.nonce), edgeNonce: newNonce() };
          const proof = relayProof(TEST_CDN_SECRET, 'edge', transcript, ['refuser']);
          return { version: RELAY_PROTOCOL_VERSION, nonce: transcript.edgeNonce, nodeId: 'refuser', proof };
        }
        if (req.method === 'hello') return { nodeId: 'refuser', load: { players: 0, cpuLoad: 0, connections: 0 } };
        if (req.method === 'ping') return {}; // the origin's heartbeat: a silent edge would be dropped and re-linked
        // A pipe is taken (never connected to anything): the refusal is about the stream's name.
        if (req.method === 'relayPipe') return { ip: '127.0.0.1', port: 9, srtpParameters: req.data.srtpParameters };
        if (req.method === 'relayPipeClose') return {};
        if (req.method === 'relayStream') {
          this.relayStreams.push(String(req.data.stream));
          throw new AppError('BAD_REQUEST', 'relayStream: stream: this edge does not take that name');
        }
        throw new AppError('STREAM_NOT_FOUND', 'nothing is relayed here');
      });
    });
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  /** The TLS port the origin's relay link goes to (<relay>): the same server. */
  get relayPort(): number {
    return this.port;
  }

  async close(): Promise<void> {
    for (const peer of this.#peers) peer.close(1001, 'test over');
    this.#wss.close();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

describe('relays that fail', () => {
  let origin2: NodeProcess;
  let refuser: RefusingEdge;

  beforeAll(async () => {
    refuser = await RefusingEdge.start();
    // A second origin, relaying to the refusing edge and to edge1 (which takes links from several origins).
    origin2 = await startNode({
      name: 'origin2',
      props: { load_balancing_enabled: true },
      xml: edgesXml([
        { id: 'refuser', port: refuser.port, relayPort: refuser.relayPort },
        { id: 'edge1', port: edges[0].port, relayPort: edges[0].relayPort },
      ]),
    });
    await until(
      async () => {
        const routes = (await (await fetch(`${origin2.http}/rest-api/cdn/show_routes`)).json()) as { edges: { state: string }[] };
        return routes.edges.every((e) => e.state === 'up');
      },
      10000,
      'origin2 edge links up',
    );
  });

  afterAll(async () => {
    if (origin2) expect(await origin2.stop()).toBe(0);
    await refuser?.close();
  });

  /** origin2's log lines about failed relays of `stream` to `edge`. */
  function failureLogs(stream: string, edge: string): { retryInMs?: number; code: string }[] {
    return origin2
      .output()
      .split('\n')
      .filter((l) => l.includes('relay to edge failed'))
      .flatMap((l) => {
        try {
          return [JSON.parse(l) as { stream: string; edge: string; code: string; retryInMs?: number }];
        } catch {
          return []; // a line still being written
        }
      })
      .filter((l) => l.stream === stream && l.edge === edge);
  }

  test('an edge refusing a stream for good (BAD_REQUEST) is asked once, not every 2 s; find_all shows the failure', async () => {
    const publisher = track(await TestClient.connect(origin2.url));
    track(await publisher.publishRtp('refused here'));
    await until(() => refuser.relayStreams.includes('refused here'), 5000, 'the refusing edge to be asked');
    // Before the back-off rule, this window saw a retry every 2 s.
    await new Promise((r) => setTimeout(r, 5000));
    expect(refuser.relayStreams.filter((n) => n === 'refused here')).toHaveLength(1);
    expect(failureLogs('refused here', 'refuser')).toEqual([expect.objectContaining({ code: 'BAD_REQUEST' })]);
    const listed = (await streamsOn(origin2)).find((s) => s.name === 'refused here')!;
    expect(listed.edges).toEqual([
      expect.objectContaining({ id: 'refuser', relay: 'failed', error: expect.stringContaining('BAD_REQUEST') }),
      expect.objectContaining({ id: 'edge1', relay: 'relayed' }),
    ]);
  }, 15000);

  test('a name taken on the edge is retried after 1-2 s, then 2-4 s (jittered back-off), without keeping a pipe per attempt, and relayed once it is free', async () => {
    // A stream published on edge1 itself holds the name, so origin2's relay gets STREAM_NAME_TAKEN.
    const local = track(await TestClient.connect(edges[0].url));
    track(await local.publishRtp('taken'));
    const { workers } = (await (await fetch(`${origin2.http}/healthz`)).json()) as { workers: number[] };
    const fds = () => fs.readdirSync(`/proc/${workers[0]}/fd`).length;

    const publisher = track(await TestClient.connect(origin2.url));
    track(await publisher.publishRtp('taken'));
    const started = Date.now();
    await until(() => failureLogs('taken', 'edge1').length === 1, 5000, 'the first failure');
    await new Promise((r) => setTimeout(r, 300));
    const fdsAfterFirst = fds();
    await until(() => failureLogs('taken', 'edge1').length === 2, 5000, 'the second failure');
    const secondAt = Date.now() - started;
    await new Promise((r) => setTimeout(r, 300));
    // Every attempt used the one pipe of this worker to edge1 (kept while idle for 10 s), none a
    // pipe of its own: no UDP socket more in the worker.
    expect(fds()).toBe(fdsAfterFirst);
    // Back-offs of 2 s then 4 s, each with equal jitter (src/client/jitter.ts): between half and all of it.
    const [first, second] = failureLogs('taken', 'edge1');
    expect([first.code, second.code]).toEqual(['STREAM_NAME_TAKEN', 'STREAM_NAME_TAKEN']);
    expect(first.retryInMs).toBeGreaterThanOrEqual(1000);
    expect(first.retryInMs).toBeLessThanOrEqual(2000);
    expect(second.retryInMs).toBeGreaterThanOrEqual(2000);
    expect(second.retryInMs).toBeLessThanOrEqual(4000);
    expect(secondAt).toBeGreaterThanOrEqual(first.retryInMs! - 100);

    // Free the name on the edge: the next attempt, second.retryInMs after the second, relays the stream.
    await local.request('unpublish', { stream: 'taken' });
    await until(async () => (await streamsOn(edges[0])).some((s) => s.name === 'taken' && s.source === 'relay'), 6000, 'taken relayed to edge1');
    expect(Date.now() - started).toBeGreaterThanOrEqual(secondAt + second.retryInMs! - 1000);
    expect(failureLogs('taken', 'edge1')).toHaveLength(2);
    // The relay that worked uses that same pipe: still no socket more.
    await new Promise((r) => setTimeout(r, 300));
    expect(fds()).toBe(fdsAfterFirst);
  }, 20000);
});
