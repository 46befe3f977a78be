// On-demand edges with two origins (loadbalancing.xml <origin>): a stream published on origin A,
// whose player asks origin B, is sent by B to an on-demand edge that does not hold it; the edge
// asks every origin linked to it (pullStream) and A, which publishes it, relays it there.
import { TestClient } from '../helpers/client';
import { Cleanup, startEdge, stopAll, streamsOn } from '../helpers/cluster';
import { type NodeProcess, startNodeFromConf } from '../helpers/nodes';
import { allLinked, clusterXml, originConf, originPlace } from '../helpers/origins';
import { VIDEO_PT } from '../helpers/rtp';

let origins: NodeProcess[] = [];
let edge: NodeProcess;
const cleanup = new Cleanup();
const track = <T extends { close(): Promise<unknown> }>(x: T): T => cleanup.track(x);

beforeAll(async () => {
  edge = await startEdge('edge1');
  const places = await Promise.all(['originA', 'originB'].map(originPlace));
  const xml = clusterXml([edge], places).replace('<loadbalancer ', '<loadbalancer distribution="on_demand" ');
  origins = await Promise.all(places.map((p) => startNodeFromConf(originConf(p, xml), p.port, p.name)));
  await allLinked(origins);
});

afterEach(() => cleanup.run());

afterAll(async () => {
  const codes = await stopAll([...origins, edge]);
  expect(codes).toEqual(codes.map(() => 0));
});

test("a player asking the other origin is sent to a cold on-demand edge, which pulls the stream from the publisher's origin", async () => {
  const publisher = track(await TestClient.connect(origins[0].url));
  track(await publisher.publishRtp('peercam', { audio: true }));
  await new Promise((r) => setTimeout(r, 500));
  expect((await streamsOn(edge)).map((s) => s.name)).not.toContain('peercam');

  const asking = track(await TestClient.connect(origins[1].url));
  const first = await asking.playRtp('peercam');
  expect(first.redirect?.nodeId).toBe('edge1');
  const player = track(await TestClient.connect(first.redirect!.url));
  const { receiver } = await player.playRtp('peercam');
  track(receiver);
  await receiver.waitFor(20, VIDEO_PT);
  expect((await streamsOn(edge)).find((s) => s.name === 'peercam')).toMatchObject({ source: 'relay', status: 'PUBLISHING' });
});
