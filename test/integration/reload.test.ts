// SIGHUP on the origin applies an edited loadbalancing.xml while streams stay up: a new edge gets
// every live stream, a removed edge drops them, untouched edges keep their players; a broken file
// is refused with file and line and changes nothing.
import fs from 'node:fs';
import path from 'node:path';
import { TestClient } from '../helpers/client';
import { edgesXml, type NodeProcess, startNode, until } from '../helpers/nodes';
import { VIDEO_PT } from '../helpers/rtp';

let origin: NodeProcess;
let edges: NodeProcess[] = [];
const cleanup: (() => Promise<unknown>)[] = [];

afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn();
  for (const n of [origin, ...edges]) if (n) await n.stop();
});

const list = async (n: NodeProcess) => ((await (await fetch(`${n.http}/rest-api/stream/find_all`)).json()) as { name: string }[]).map((s) => s.name);
const routes = async () => (await (await fetch(`${origin.http}/rest-api/cdn/show_routes`)).json()).edges as { id: string; state: string }[];

function writeXml(nodes: NodeProcess[]): void {
  fs.writeFileSync(path.join(origin.confDir, 'loadbalancing.xml'), edgesXml(nodes.map((e) => ({ id: e.name, port: e.port, relayPort: e.relayPort }))));
}

test("edges are added and removed by SIGHUP while the stream and the untouched edge's player carry on", async () => {
  edges = [await startNode({ name: 'edge1' }), await startNode({ name: 'edge2' })];
  origin = await startNode({
    name: 'origin',
    props: { load_balancing_enabled: true },
    xml: edgesXml([{ id: 'edge1', port: edges[0].port, relayPort: edges[0].relayPort }]),
  });
  await until(async () => (await routes()).every((e) => e.state === 'up'), 10000);

  const publisher = await TestClient.connect(origin.url);
  const sender = await publisher.publishRtp('live');
  cleanup.push(
    () => sender.close(),
    () => publisher.close(),
  );
  await until(async () => (await list(edges[0])).includes('live'));
  const player = await TestClient.connect(edges[0].url);
  const { receiver } = await player.playRtp('live');
  cleanup.push(
    () => receiver.close(),
    () => player.close(),
  );
  await receiver.waitFor(10, VIDEO_PT);

  // Add edge2.
  writeXml(edges);
  origin.child.kill('SIGHUP');
  await until(async () => (await list(edges[1])).includes('live'), 5000, 'edge2 to receive the live stream');
  const before = receiver.count(VIDEO_PT);
  await receiver.waitFor(before + 20, VIDEO_PT);
  expect(player.notifications.some((n) => n.data.status === 'UNPUBLISHED')).toBe(false);

  // Remove edge1: its player is told the stream ended there.
  writeXml([edges[1]]);
  origin.child.kill('SIGHUP');
  await player.waitStatus('live', 'UNPUBLISHED', 5000);
  expect((await routes()).map((e) => e.id)).toEqual(['edge2']);
  expect(await list(edges[0])).not.toContain('live');
  expect(await list(edges[1])).toContain('live');
});

test('a broken loadbalancing.xml on SIGHUP is refused with its file and line, and the cluster keeps running', async () => {
  fs.writeFileSync(path.join(origin.confDir, 'loadbalancing.xml'), '<loadbalancer mode="ROUNDROBIN">\n  <node id="x"><ip>h</ip>\n</loadbalancer>\n');
  origin.child.kill('SIGHUP');
  await until(() => /reload refused: .*loadbalancing\.xml:\d+/.test(origin.output()), 3000, 'the refusal in the log');
  expect((await routes()).map((e) => e.id)).toEqual(['edge2']);
  expect(await list(edges[1])).toContain('live');
  expect((await fetch(`${origin.http}/healthz`)).status).toBe(200);
});
