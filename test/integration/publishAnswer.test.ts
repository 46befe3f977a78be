// A publish never waits for the relays (issue 22, item 3): the publisher's answers (command channel
// publish, produce x2, connectTransport; and WHIP's 201) with an origin pushing to 12 edge
// processes stay within a small bound of the same answers with one edge. Each origin is a fresh
// process (its pipes cold), publishing a few streams one after the other, each while its own relays
// to every edge are being set up: the first stream of each origin also opens the pipes (one per
// origin worker and edge).
import { Cleanup, startEdge, startOrigin, stopAll, streamsOn } from '../helpers/cluster';
import { TestClient } from '../helpers/client';
import { type NodeProcess, until } from '../helpers/nodes';
import { AUDIO_RTP_PARAMETERS, VIDEO_RTP_PARAMETERS } from '../helpers/rtp';
import { audio, offer, video } from '../helpers/sdpOffers';

const MANY = 12;
const STREAMS = 6;

const edges: NodeProcess[] = [];
const cleanup = new Cleanup();

beforeAll(async () => {
  // Three at a time: twelve node processes starting at once on two cores miss the health timeout.
  for (let i = 0; i < MANY; i += 3) {
    const batch = await Promise.allSettled([i, i + 1, i + 2].map((j) => startEdge(`edge${j + 1}`)));
    for (const b of batch) if (b.status === 'fulfilled') edges.push(b.value);
    const failed = batch.find((b) => b.status === 'rejected');
    if (failed) throw failed.reason;
  }
}, 90000);

afterEach(() => cleanup.run());

afterAll(async () => {
  const codes = await stopAll(edges);
  expect(codes).toEqual(codes.map(() => 0));
});

interface Answers {
  /** Per stream: command channel publish + produce (video) + produce (audio) + connectTransport, ms. */
  command: number[];
  /** Per stream: WHIP POST -> 201, ms. */
  whip: number[];
}

/** Every linked edge holds `stream` with both tracks: its relays are done and the next publish finds the cluster quiet. */
async function onEveryEdge(linked: NodeProcess[], stream: string): Promise<boolean> {
  const held = await Promise.all(linked.map(async (e) => (await streamsOn(e)).some((s) => s.name === stream && (s.tracks?.length ?? 0) === 2)));
  return held.every(Boolean);
}

const timed = async <T>(f: () => Promise<T>): Promise<[T, number]> => {
  const t0 = performance.now();
  const value = await f();
  return [value, performance.now() - t0];
};

/** Publishes STREAMS streams each way on a fresh origin linked to `linked` edges, timing the answers. */
async function answersWith(linked: NodeProcess[]): Promise<Answers> {
  const origin = await startOrigin(linked, { name: `origin${linked.length}` });
  cleanup.add(() => origin.stop());
  const answers: Answers = { command: [], whip: [] };
  for (let i = 0; i < STREAMS; i++) {
    const name = `pa${linked.length}-${i}`;
    const client = cleanup.track(await TestClient.connect(origin.url));
    const [, ms] = await timed(async () => {
      const { transport } = await client.request('publish', { stream: name, transport: 'plain' });
      await client.request('produce', { transportId: transport.id, kind: 'video', rtpParameters: VIDEO_RTP_PARAMETERS(5000 + i) });
      await client.request('produce', { transportId: transport.id, kind: 'audio', rtpParameters: AUDIO_RTP_PARAMETERS(6000 + i) });
      await client.request('connectTransport', { transportId: transport.id, ip: '127.0.0.1', port: 40000 + i });
    });
    answers.command.push(ms);
    await until(() => onEveryEdge(linked, name), 20000, `${name} on every edge`);

    const whipName = `pw${linked.length}-${i}`;
    const [res, whipMs] = await timed(() =>
      fetch(`${origin.http}/whip/${whipName}`, {
        method: 'POST',
        body: offer([audio('sendonly', 1111 + i), video('sendonly', 'all', 2222 + i)]),
        headers: { 'Content-Type': 'application/sdp' },
      }),
    );
    expect(res.status).toBe(201);
    answers.whip.push(whipMs);
    const location = res.headers.get('location')!;
    cleanup.add(() => fetch(location, { method: 'DELETE' }));
    await until(() => onEveryEdge(linked, whipName), 20000, `${whipName} on every edge`);
  }
  return answers;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (xs: number[]) => xs.map((x) => Math.round(x)).join(', ');

test(`the publisher's answers with ${MANY} edges are within a small bound of those with one`, async () => {
  const one = await answersWith(edges.slice(0, 1));
  await cleanup.run();
  const many = await answersWith(edges);
  console.log(
    `publish answers, ms per stream (the first opens the pipes):\n` +
      `  1 edge:   command channel ${fmt(one.command)}; WHIP ${fmt(one.whip)}\n` +
      `  ${MANY} edges: command channel ${fmt(many.command)}; WHIP ${fmt(many.whip)}\n` +
      `  medians: command channel ${Math.round(median(one.command))} / ${Math.round(median(many.command))} ms, WHIP ${Math.round(median(one.whip))} / ${Math.round(median(many.whip))} ms`,
  );
  // The median of each: a busy shared machine adds a stray 100-300 ms to one answer of either run
  // now and then, which says nothing about the edges. Before the relays were paced (relayPacing.ts)
  // the medians were 114 ms against 18 ms (command channel) and 61 ms against 20 ms (WHIP).
  expect(median(many.command)).toBeLessThan(median(one.command) * 1.5 + 15);
  expect(median(many.whip)).toBeLessThan(median(one.whip) * 1.5 + 15);
}, 120000);
