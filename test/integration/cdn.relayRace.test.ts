// A stream that ends while its relay to the edges is still being set up must leave nothing on the
// edges: 100 rounds of publish then immediate unpublish or disconnect against an origin with two
// edges (separate processes), then no stream and no transport is left on either edge, and a later
// publish of the same name reaches both.
import { TestClient } from '../helpers/client';
import { Cleanup, relayedEverywhere, startEdge, startOrigin, stopAll, streamsOn } from '../helpers/cluster';
import { type NodeProcess, until } from '../helpers/nodes';
import { VIDEO_PT, VIDEO_RTP_PARAMETERS } from '../helpers/rtp';

let origin: NodeProcess;
let edges: NodeProcess[] = [];
const cleanup = new Cleanup();

beforeAll(async () => {
  edges = await Promise.all([startEdge('edge1'), startEdge('edge2')]);
  origin = await startOrigin(edges);
});

afterEach(() => cleanup.run());

afterAll(async () => {
  const codes = await stopAll([origin, ...edges]);
  expect(codes).toEqual(codes.map(() => 0));
});

async function health(node: NodeProcess): Promise<{ streams: number; workerLoad: { transports: number; consumers: number }[] }> {
  return (await fetch(`${node.http}/healthz`)).json();
}

/**
 * True once no edge holds a stream or a consumer, and at most `pipes` transports per worker: the
 * pipe the origin's worker shares with each edge stays open for `cdn.pipe_idle_ms` (10 s) after its
 * last stream, then goes too.
 */
async function edgesEmpty(pipes = 0): Promise<boolean> {
  for (const edge of edges) {
    const [streams, h] = await Promise.all([streamsOn(edge), health(edge)]);
    if (streams.length > 0 || h.workerLoad.some((w) => w.transports > pipes || w.consumers > 0)) return false;
  }
  return true;
}

/**
 * One publish ended at once. Refusals are part of the race and not errors here: rounds sharing a
 * name get STREAM_NAME_TAKEN, and commands sent as the session closes get NODE_CLOSING; what the
 * test checks is what is left on the edges afterwards.
 */
async function raceOnce(name: string, round: number): Promise<void> {
  const publisher = await TestClient.connect(origin.url);
  const published = publisher.request('publish', { stream: name, transport: 'plain' });
  if (round % 3 === 0) {
    // Gone before the publish is answered.
    published.catch(() => undefined);
    return publisher.close();
  }
  const answer = await published.catch(() => null);
  if (answer && round % 3 === 1) {
    void publisher
      .request('produce', { transportId: answer.transport.id, kind: 'video', rtpParameters: VIDEO_RTP_PARAMETERS(5000 + round) })
      .catch(() => undefined);
  }
  if (answer && round % 2 === 0) await publisher.request('unpublish', { stream: name }).catch(() => undefined);
  await publisher.close();
}

test('100 streams ended while their relays are set up leave no stream and no transport on the edges', async () => {
  const name = 'race';
  const rounds = Array.from({ length: 100 }, (_, round) => round);
  // Ten at a time, each in its own way of ending: unpublish at once, or disconnect without waiting
  // for the publish answer, with or without a track.
  for (let i = 0; i < rounds.length; i += 10) {
    await Promise.all(rounds.slice(i, i + 10).map((round) => raceOnce(round % 2 === 0 ? name : `${name}-${round}`, round)));
  }
  const explain = async (err: Error) => {
    const state = await Promise.all(edges.map(async (e) => ({ edge: e.name, streams: await streamsOn(e), health: await health(e) })));
    throw new Error(`${err.message}: ${JSON.stringify(state)}`);
  };
  // The origin runs one worker: one idle pipe per edge at most.
  const ms = await until(() => edgesEmpty(1), 10000, 'both edges to hold no stream and no transport but the idle pipe', 100).catch(explain);
  process.stdout.write(`edges empty but for the idle pipe ${ms} ms after the last of 100 racing rounds\n`);
  const idle = await until(() => edgesEmpty(0), 10000 + 3000, 'both edges to close the idle pipe', 100).catch(explain);
  process.stdout.write(`idle pipes closed ${ms + idle} ms after the last round\n`);
  // The name is free everywhere: a later publish of it reaches both edges and plays there.
  const publisher = cleanup.track(await TestClient.connect(origin.url));
  cleanup.track(await publisher.publishRtp(name));
  await until(() => relayedEverywhere(origin, name), 5000, `${name} relayed to both edges`);
  for (const edge of edges) {
    const player = cleanup.track(await TestClient.connect(edge.url));
    const { receiver } = await player.playRtp(name);
    cleanup.track(receiver);
    await receiver.waitFor(10, VIDEO_PT);
  }
});
