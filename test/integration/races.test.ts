// Requests a client sends at once on one session run concurrently on the node: checks that come
// before an await must not let two of them through, and a track added while players are being
// answered must reach every one of them (in the play answer or as a newConsumer notification).
import { TestClient } from '../helpers/client';
import { type NodeProcess, startNode } from '../helpers/nodes';
import { AUDIO_RTP_PARAMETERS, VIDEO_RTP_PARAMETERS } from '../helpers/rtp';

let node: NodeProcess;
const clients: TestClient[] = [];

beforeAll(async () => {
  node = await startNode({ name: 'races', props: { 'publish.allow_direct': true, max_connections: 200 } });
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

afterAll(async () => {
  if (node) expect(await node.stop()).toBe(0);
});

async function client(): Promise<TestClient> {
  const c = await TestClient.connect(node.url);
  clients.push(c);
  return c;
}

/** Settles every promise; the error codes of those that failed. */
async function outcomes(promises: Promise<unknown>[]): Promise<{ ok: number; codes: string[] }> {
  const settled = await Promise.allSettled(promises);
  return {
    ok: settled.filter((s) => s.status === 'fulfilled').length,
    codes: settled.flatMap((s) => (s.status === 'rejected' ? [String((s.reason as { code?: string }).code)] : [])),
  };
}

test('two video tracks produced at once on one stream: exactly one is accepted', async () => {
  const c = await client();
  const { transport } = await c.request('publish', { stream: 'race-kind', transport: 'plain' });
  const produce = (ssrc: number) => c.request('produce', { transportId: transport.id, kind: 'video', rtpParameters: VIDEO_RTP_PARAMETERS(ssrc) });
  const { ok, codes } = await outcomes([produce(111), produce(222), produce(333)]);
  expect(ok).toBe(1);
  expect(codes).toEqual(['NOT_ALLOWED', 'NOT_ALLOWED']);
  const [stream] = (await (await fetch(`${node.http}/rest-api/stream/find_all`)).json()).filter((s: { name: string }) => s.name === 'race-kind');
  expect(stream.status).toBe('PUBLISHING');
});

test('an audio and a video track with one SSRC produced at once: exactly one is accepted', async () => {
  const c = await client();
  const { transport } = await c.request('publish', { stream: 'race-ssrc', transport: 'plain' });
  const { ok, codes } = await outcomes([
    c.request('produce', { transportId: transport.id, kind: 'video', rtpParameters: VIDEO_RTP_PARAMETERS(4242) }),
    c.request('produce', { transportId: transport.id, kind: 'audio', rtpParameters: AUDIO_RTP_PARAMETERS(4242) }),
  ]);
  expect(ok).toBe(1);
  expect(codes).toEqual(['BAD_REQUEST']);
});

test('a track added while many plays are answered reaches every player', async () => {
  const publisher = await client();
  const { transport } = await publisher.request('publish', { stream: 'race-play', transport: 'plain' });
  // Simulcast video: consuming it takes the node more steps (the estimate's floor is set before the
  // answer), which is when a track added meanwhile could be consumed first and announced too early.
  const simulcast = { ...VIDEO_RTP_PARAMETERS(5001), encodings: [5001, 5002, 5003].map((ssrc, i) => ({ ssrc, maxBitrate: 150_000 * 3 ** i })) };
  await publisher.request('produce', { transportId: transport.id, kind: 'video', rtpParameters: simulcast });
  const players = await Promise.all(Array.from({ length: 60 }, () => client()));
  const { rtpCapabilities } = await players[0].request('getRouterRtpCapabilities');
  // Plays go out one every millisecond or so, the audio track in the middle of them: some plays
  // are answered before it, some after, and some while it is being added (the case that lost it).
  const plays: Promise<{ consumers: { kind: string; producerId: string }[] }>[] = [];
  let audio: Promise<unknown> = Promise.resolve();
  for (const [i, p] of players.entries()) {
    if (i === players.length / 2) audio = publisher.request('produce', { transportId: transport.id, kind: 'audio', rtpParameters: AUDIO_RTP_PARAMETERS(6001) });
    plays.push(p.request('play', { stream: 'race-play', rtpCapabilities, transport: 'webrtc', noRedirect: true }));
    await new Promise((r) => setTimeout(r, 1));
  }
  const answers = await Promise.all(plays);
  await audio;
  const kinds = async (p: TestClient, answer: { consumers: { kind: string; producerId: string }[] }) => {
    // The notification may still be on its way: wait a little for it when the answer lacks it.
    const has = () =>
      answer.consumers.some((c) => c.kind === 'audio') ||
      p.notifications.some((n) => n.method === 'newConsumer' && (n.data as { consumer: { kind: string } }).consumer.kind === 'audio');
    for (let i = 0; i < 50 && !has(); i++) await new Promise((r) => setTimeout(r, 20));
    const notified = p.notifications.filter((n) => n.method === 'newConsumer').map((n) => (n.data as { consumer: { kind: string } }).consumer.kind);
    return [...answer.consumers.map((c) => c.kind), ...notified].sort();
  };
  const seen = await Promise.all(players.map((p, i) => kinds(p, answers[i])));
  // Every player has exactly one consumer of each kind: none lost, none made twice.
  for (const k of seen) expect(k).toEqual(['audio', 'video']);
});
