// A node with two workers: the players of one stream spread over both (the stream's tracks are
// piped to the second worker's router once), whether they come by the command channel or WHEP, and every player receives media, pause/resume
// notifications and keyframes as if it were on the publisher's worker.
import { TestClient } from '../helpers/client';
import { type NodeProcess, startNode, until } from '../helpers/nodes';
import { VIDEO_PT } from '../helpers/rtp';
import { audio, offer, video } from '../helpers/sdpOffers';

const playOffer = () => offer([audio('recvonly'), video('recvonly', 'all')]);

let node: NodeProcess;
const cleanup: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  node = await startNode({ name: 'two-workers', props: { workers: 2, 'publish.allow_direct': true } });
});

afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn();
  expect(await node.stop()).toBe(0);
});

function track<T extends { close(): Promise<unknown> }>(x: T): T {
  cleanup.push(() => x.close());
  return x;
}

test('players of one stream are spread over both workers and all receive its media', async () => {
  const publisher = track(await TestClient.connect(node.url));
  const sender = track(await publisher.publishRtp('popular', { audio: true }));
  sender.keyframeEvery = 1_000_000; // keyframes only on request
  const players = [];
  for (let i = 0; i < 4; i++) {
    const p = track(await TestClient.connect(node.url));
    const { receiver } = await p.playRtp('popular');
    track(receiver);
    players.push({ client: p, receiver });
  }
  const health = await (await fetch(`${node.http}/healthz`)).json();
  expect(health.workerLoad).toHaveLength(2);
  // 1 publisher + 4 players over 2 workers: neither worker holds them all.
  for (const w of health.workerLoad) expect(w.transports).toBeGreaterThanOrEqual(2);
  for (const { receiver } of players) await receiver.waitFor(20, VIDEO_PT);
  expect(sender.keyframeRequests).toBeGreaterThan(0);

  await publisher.request('pauseProducer', { producerId: sender.videoProducerId });
  await Promise.all(players.map(({ client }) => client.waitNotification((n) => n.method === 'consumerPaused')));
  await publisher.request('resumeProducer', { producerId: sender.videoProducerId });
  await Promise.all(players.map(({ client }) => client.waitNotification((n) => n.method === 'consumerResumed')));
  const counts = players.map(({ receiver }) => receiver.count(VIDEO_PT));
  await Promise.all(players.map(({ receiver }, i) => receiver.waitFor(counts[i] + 10, VIDEO_PT)));

  await publisher.request('unpublish', { stream: 'popular' });
  await Promise.all(players.map(({ client }) => client.waitStatus('popular', 'UNPUBLISHED')));
  // Every transport of the stream is gone from both workers.
  await until(async () => (await (await fetch(`${node.http}/healthz`)).json()).workerLoad.every((w: { transports: number }) => w.transports === 0));
});

test('WHEP players and command-channel players of one stream are spread over the workers the same way', async () => {
  const publisher = track(await TestClient.connect(node.url));
  const sender = track(await publisher.publishRtp('spread', { audio: true }));
  const consumersPerWorker = async (): Promise<number[]> =>
    (await (await fetch(`${node.http}/healthz`)).json()).workerLoad.map((w: { consumers: number }) => w.consumers);
  // Each way in on its own: the same placement rule must give both the same spread.
  const spreadOf = async (addPlayer: () => Promise<() => Promise<unknown>>): Promise<number[]> => {
    const before = await consumersPerWorker();
    const stops = [];
    for (let i = 0; i < 4; i++) stops.push(await addPlayer());
    const after = await consumersPerWorker();
    for (const stop of stops) await stop();
    await until(async () => (await consumersPerWorker()).every((n, i) => n === before[i]), 5000, 'players gone');
    return after.map((n, i) => n - before[i]);
  };
  const viaCommandChannel = await spreadOf(async () => {
    const p = await TestClient.connect(node.url);
    const { receiver } = await p.playRtp('spread');
    return async () => {
      await receiver.close();
      await p.close();
    };
  });
  const viaWhep = await spreadOf(async () => {
    const res = await fetch(`${node.http}/whep/spread`, { method: 'POST', body: playOffer(), headers: { 'Content-Type': 'application/sdp' } });
    expect(res.status).toBe(201);
    const location = res.headers.get('location')!;
    return () => fetch(location, { method: 'DELETE' });
  });
  // 4 players x 2 tracks = 8 consumers each way, split between both workers alike.
  expect(viaCommandChannel.reduce((a, b) => a + b)).toBe(8);
  expect(viaWhep.reduce((a, b) => a + b)).toBe(8);
  expect(viaCommandChannel.every((n) => n >= 2)).toBe(true);
  expect(viaWhep).toEqual(viaCommandChannel);
  expect(sender.keyframeRequests).toBeGreaterThan(0);
});
