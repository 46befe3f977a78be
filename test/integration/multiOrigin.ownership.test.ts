// Two origins and two edges (loadbalancing.xml <origin>, issue 21), real processes on loopback.
// A stream lives on the origin its publisher reached; the other origin refuses the name
// (STREAM_NAME_TAKEN) and still answers its players, sending them to an edge that holds it. The
// same name published on both origins at the same moment is settled the same way on every node
// (claims.ts): one wins, the loser's publisher hears STREAM_NAME_TAKEN, and no edge keeps the
// loser's relay.
import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import WebSocket from 'ws';
import { Peer } from '../../src/rpc/Peer';
import { playViaOrigin, TestClient } from '../helpers/client';
import { Cleanup, relayedEverywhere, startEdge, stopAll, streamsOn } from '../helpers/cluster';
import { allLinked, clusterXml, originConf, originPlace, ownerOn, peerRoutes, startOrigins } from '../helpers/origins';
import { type NodeProcess, startNodeFromConf, until } from '../helpers/nodes';
import { VIDEO_PT } from '../helpers/rtp';
import { audio, offer, video } from '../helpers/sdpOffers';

let edges: NodeProcess[] = [];
let a: NodeProcess;
let b: NodeProcess;
const cleanup = new Cleanup();
const track = <T extends { close(): Promise<unknown> }>(x: T): T => cleanup.track(x);

beforeAll(async () => {
  edges = await Promise.all([startEdge('edge1'), startEdge('edge2')]);
  [a, b] = await startOrigins(['oa', 'ob'], edges);
});

afterEach(() => cleanup.run());

afterAll(async () => {
  const codes = await stopAll([a, b, ...edges]);
  expect(codes).toEqual(codes.map(() => 0));
});

test('a stream published on A: B refuses the name and sends its players to an edge that holds it', async () => {
  const publisher = track(await TestClient.connect(a.url));
  track(await publisher.publishRtp('shared', { audio: true }));
  await until(() => relayedEverywhere(a, 'shared'), 5000, 'the stream on both edges');
  await until(async () => (await ownerOn(b, 'shared'))?.origin === 'oa', 2000, 'B to hear A’s claim');

  const second = track(await TestClient.connect(b.url));
  await expect(second.request('publish', { stream: 'shared', transport: 'plain' })).rejects.toMatchObject({ code: 'STREAM_NAME_TAKEN' });

  // Command channel on B: redirected to an edge, where the tracks play.
  const started = Date.now();
  const play = await playViaOrigin(b.url, 'shared');
  play.clients.forEach(track);
  track(play.receiver);
  expect(edges.map((e) => e.name)).toContain(play.nodeId);
  await play.receiver.waitFor(20, VIDEO_PT, 5000);
  console.log(`player asking origin B for A's stream decoded 20 video packets ${Date.now() - started} ms after asking`);

  // WHEP on B: 307 to an edge.
  const whep = await fetch(`${b.http}/whep/shared`, {
    method: 'POST',
    body: offer([audio('recvonly'), video('recvonly', 'all')]),
    headers: { 'Content-Type': 'application/sdp' },
    redirect: 'manual',
  });
  expect(whep.status).toBe(307);
  expect(edges.map((e) => `http://127.0.0.1:${e.port}/whep/shared`)).toContain(whep.headers.get('location'));

  // /rtcloadbalance on B: an edge too.
  const balanced = await fetch(`${b.http}/rtcloadbalance?stream=shared&format=json`);
  expect(balanced.status).toBe(200);
  expect(edges.map((e) => e.name)).toContain(((await balanced.json()) as { node: string }).node);

  // A name nobody holds: STREAM_NOT_FOUND, as with one origin.
  const nobody = track(await TestClient.connect(b.url));
  await expect(nobody.playRtp('nobody-has-it')).rejects.toMatchObject({ code: 'STREAM_NOT_FOUND' });

  // show_routes on both origins agree on the owner; the connect answer lists both origins.
  for (const origin of [a, b]) expect(await ownerOn(origin, 'shared')).toEqual({ origin: 'oa', gen: 1 });
  const answer = await connectAnswer(b.url);
  expect(answer.origins).toEqual([
    { id: 'oa', url: a.url },
    { id: 'ob', url: b.url },
  ]);
  // An edge lists the origins linked to it (their originInfo), for a publisher sent there.
  const onEdge = await connectAnswer(edges[0].url);
  expect(onEdge.origins.map((o) => o.id).sort()).toEqual(['oa', 'ob']);
});

/** The `connect` answer of a node's command channel (TestClient.connect keeps it to itself). */
async function connectAnswer(url: string): Promise<{ origins: { id: string; url: string }[] }> {
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const peer = new Peer(ws, { logger: pino({ level: 'silent' }), heartbeatMs: 0 });
  try {
    return await peer.request('connect', { clientName: 'test' });
  } finally {
    await new Promise((resolve) => ws.once('close', resolve).close());
  }
}

test('the same name on both origins at the same moment, 100 times: one wins everywhere, no edge keeps the loser’s relay', async () => {
  const ROUNDS = 100;
  const BATCH = 10;
  const started = Date.now();
  let bothAccepted = 0;
  const winners = { oa: 0, ob: 0 };
  for (let from = 0; from < ROUNDS; from += BATCH) {
    const names = Array.from({ length: BATCH }, (_, i) => `race-${from + i}`);
    // One publisher per name and origin (a session publishes a few streams at most).
    const clients = await Promise.all(names.map(async () => ({ onA: await TestClient.connect(a.url), onB: await TestClient.connect(b.url) })));
    const outcomes = await Promise.all(
      names.map(async (stream, i) => {
        const { onA, onB } = clients[i];
        const [ra, rb] = await Promise.allSettled([
          onA.request('publish', { stream, transport: 'plain' }),
          onB.request('publish', { stream, transport: 'plain' }),
        ]);
        return { stream, accepted: { oa: ra.status === 'fulfilled', ob: rb.status === 'fulfilled' } };
      }),
    );
    for (const [i, { stream, accepted }] of outcomes.entries()) {
      const { onA, onB } = clients[i];
      // At least one of the two is accepted; a refusal can only be STREAM_NAME_TAKEN (checked by the settle below).
      expect(accepted.oa || accepted.ob).toBe(true);
      if (accepted.oa && accepted.ob) bothAccepted++;
      // Both origins agree on one owner, which holds the stream; the other does not.
      await until(
        async () => {
          const [ownA, ownB] = await Promise.all([ownerOn(a, stream), ownerOn(b, stream)]);
          if (!ownA || !ownB || ownA.origin !== ownB.origin) return false;
          const loser = ownA.origin === 'oa' ? b : a;
          return !(await streamsOn(loser)).some((s) => s.name === stream);
        },
        3000,
        `both origins to agree on the owner of ${stream}`,
      );
      const owner = (await ownerOn(a, stream))!.origin as 'oa' | 'ob';
      winners[owner]++;
      const loserClient = owner === 'oa' ? onB : onA;
      if (accepted.oa && accepted.ob) {
        const ended = await loserClient.waitStatus(stream, 'FAILED', 3000);
        expect(ended.data.code).toBe('STREAM_NAME_TAKEN');
      }
    }
    // Settled: no edge holds a stream of this batch relayed by the loser.
    await until(
      async () => {
        for (const edge of edges) {
          const held = await streamsOn(edge);
          for (const stream of names) {
            const relayed = held.find((s) => s.name === stream) as { origin?: string } | undefined;
            const owner = (await ownerOn(a, stream))!.origin;
            if (relayed && relayed.origin !== owner) return false;
          }
        }
        return true;
      },
      5000,
      'no edge to hold a loser’s relay',
    );
    await Promise.all(clients.flatMap(({ onA, onB }) => [onA.close(), onB.close()]));
  }
  console.log(
    `${ROUNDS} races settled in ${Date.now() - started} ms; both origins accepted at first in ${bothAccepted}, won by oa ${winners.oa}, by ob ${winners.ob}`,
  );
  expect(winners.oa + winners.ob).toBe(ROUNDS);
  // Every name ended with its publishers: nothing is left claimed on either origin.
  await until(async () => (await peerRoutes(a)).owners.length === 0 && (await peerRoutes(b)).owners.length === 0, 3000, 'every claim released');
});

test('show_routes, /metrics and the console say which origin holds what', async () => {
  const publisher = track(await TestClient.connect(b.url));
  track(await publisher.publishRtp('metered'));
  await until(async () => (await ownerOn(a, 'metered'))?.origin === 'ob', 2000, 'A to hear B’s claim');
  const peers = (await peerRoutes(a)).peers;
  expect(peers.map((p) => [p.id, p.self, p.state])).toEqual([
    ['oa', true, 'up'],
    ['ob', false, 'up'],
  ]);
  expect(peers[1].streams).toEqual([expect.objectContaining({ stream: 'metered', origin: 'ob', gen: 1 })]);
  const metrics = await (await fetch(`${a.http}/metrics`)).text();
  expect(metrics).toMatch(/^cdn_origin_peer_up\{origin="ob",node="oa"\} 1$/m);
  expect(metrics).toMatch(/^cdn_origin_streams\{origin="ob",node="oa"\} 1$/m);
  // The console's feed (what its page shows): every origin, its state and its streams.
  const snapshot = (await (await fetch(`${a.http}/rest-api/console/snapshot`)).json()) as { node: { peers: unknown[] } };
  expect(snapshot.node.peers).toEqual([
    { id: 'oa', self: true, state: 'up', streams: 0 },
    { id: 'ob', self: false, state: 'up', streams: 1 },
  ]);
});

test('a reload adds an origin to the running cluster and removes it again, streams and peers carrying on', async () => {
  const publisher = track(await TestClient.connect(a.url));
  track(await publisher.publishRtp('steady'));
  const places = [a, b].map((o) => ({ name: o.name, port: o.port, relayPort: o.relayPort }));
  const third = await originPlace('oc');
  const withC = clusterXml(edges, [...places, third]);
  const c = await startNodeFromConf(originConf(third, withC), third.port, 'oc');
  cleanup.add(() => c.stop());
  const reload = async (origin: NodeProcess, xml: string) => {
    fs.writeFileSync(path.join(origin.confDir, 'loadbalancing.xml'), xml);
    const res = await fetch(`${origin.http}/rest-api/cdn/reload`, { method: 'POST' });
    expect(res.status).toBe(200);
    return ((await res.json()) as { origins: unknown }).origins;
  };
  const addedAt = Date.now();
  for (const origin of [a, b]) expect(await reload(origin, withC)).toEqual({ added: ['oc'], removed: [], kept: [origin === a ? 'ob' : 'oa'] });
  await allLinked([a, b, c]);
  console.log(`a third origin added by reload: every origin linked to it ${Date.now() - addedAt} ms after the first reload`);
  // The new origin knows the existing streams, and its own are known everywhere.
  expect(await ownerOn(c, 'steady')).toEqual({ origin: 'oa', gen: 1 });
  const onC = track(await TestClient.connect(c.url));
  await expect(onC.request('publish', { stream: 'steady', transport: 'plain' })).rejects.toMatchObject({ code: 'STREAM_NAME_TAKEN' });
  track(await onC.publishRtp('from-c'));
  for (const origin of [a, b]) await until(async () => (await ownerOn(origin, 'from-c'))?.origin === 'oc', 2000, `${origin.name} to hear C’s claim`);

  // Removed again: its links close and its claims stop counting; the rest carries on.
  const without = clusterXml(edges, places);
  for (const origin of [a, b]) expect(await reload(origin, without)).toEqual({ added: [], removed: ['oc'], kept: [origin === a ? 'ob' : 'oa'] });
  for (const origin of [a, b]) {
    const r = await peerRoutes(origin);
    expect(r.peers.map((p) => [p.id, p.state])).toEqual(
      origin === a
        ? [
            ['oa', 'up'],
            ['ob', 'up'],
          ]
        : [
            ['ob', 'up'],
            ['oa', 'up'],
          ],
    );
    expect(r.owners.find((o) => o.stream === 'from-c')).toBeUndefined();
    expect(await ownerOn(origin, 'steady')).toEqual({ origin: 'oa', gen: 1 });
  }
});
