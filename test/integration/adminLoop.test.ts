// The admin's loop of docs/operations.md, with the tools it names and compiled JavaScript, as an
// admin runs them: `npm start -- --dir DIR` runs an origin and two edges; a third edge directory
// is started with `npm run restart -- edge3`; the origin's edited loadbalancing.xml is applied by
// SIGHUP to the pid in DIR/origin/node.pid, and a player reaches the new edge; a changed
// max_connections is applied by `npm run reload` without dropping the edge's player; the origin
// is restarted alone (`npm run restart -- origin`), the edges keep running, and a player reaches
// an edge again.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { playViaOrigin, TestClient } from '../helpers/client';
import { Cleanup, streamsOn } from '../helpers/cluster';
import { alive, LocalCluster, npm, writeNodeDir } from '../helpers/localCluster';
import { freePort, type NodeProcess, until } from '../helpers/nodes';
import { VIDEO_PT } from '../helpers/rtp';

const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdn-admin-loop-'));
const ports: Record<string, number> = {};
let cluster: LocalCluster;
const cleanup = new Cleanup();
const track = <T extends { close(): Promise<unknown> }>(x: T): T => cleanup.track(x);

const http = (name: string) => `http://127.0.0.1:${ports[name]}`;
const ws = (name: string) => `ws://127.0.0.1:${ports[name]}/`;
/** What streamsOn needs of a node: its HTTP base. */
const node = (name: string) => ({ http: http(name) }) as NodeProcess;
const routes = async () => (await (await fetch(`${http('origin')}/rest-api/cdn/show_routes`)).json()).edges as { id: string; state: string }[];
const has = async (name: string, stream: string) => (await streamsOn(node(name))).some((s) => s.name === stream);

function writeOriginXml(edges: { id: string; maxConnections?: number }[]): void {
  const nodes = edges.map(
    (e) =>
      `  <node id="${e.id}"${e.maxConnections ? ` max_connections="${e.maxConnections}"` : ''}><ip>127.0.0.1</ip><ws>${ports[e.id]}</ws><wss>0</wss><relay>${ports[`${e.id}-relay`]}</relay></node>\n`,
  );
  fs.writeFileSync(
    path.join(workDir, 'origin', 'loadbalancing.xml'),
    `<loadbalancer stream_distribution="webrtc" mode="ROUNDROBIN">\n${nodes.join('')}</loadbalancer>\n`,
  );
}

beforeAll(async () => {
  // The compiled JavaScript the scripts run must be that of these sources.
  const build = await npm(['run', 'build']);
  expect(build).toMatchObject({ code: 0 });
  for (const name of ['origin', 'edge1', 'edge2', 'edge3']) {
    ports[name] = await freePort();
    ports[`${name}-relay`] = await freePort();
  }
  writeNodeDir(workDir, 'edge1', ports.edge1, { 'cdn.relay_port': ports['edge1-relay'] });
  writeNodeDir(workDir, 'edge2', ports.edge2, { 'cdn.relay_port': ports['edge2-relay'] });
  writeNodeDir(workDir, 'origin', ports.origin, { load_balancing_enabled: true, 'cdn.relay_port': ports['origin-relay'] });
  writeOriginXml([{ id: 'edge1' }, { id: 'edge2' }]);
  cluster = new LocalCluster(workDir);
  await cluster.waitUp();
  await until(async () => (await routes()).every((e) => e.state === 'up'), 10000, 'both edge links up');
}, 180000);

afterEach(() => cleanup.run());

afterAll(async () => {
  const pids = ['origin', 'edge1', 'edge2', 'edge3'].map((n) => cluster?.pidOf(n)).filter((p): p is number => p !== null);
  expect(await cluster?.stop()).toBe(0);
  // npm start stopped every node it ran, gracefully, and their pid files went with them.
  expect(cluster.output()).toMatch(/stopped \(exit codes: edge1=0, edge2=0, edge3=0, origin=0\)/);
  for (const pid of pids) expect(alive(pid)).toBe(false);
  for (const name of ['origin', 'edge1', 'edge2', 'edge3']) expect(cluster.pidOf(name)).toBeNull();
  fs.rmSync(workDir, { recursive: true, force: true });
}, 30000);

test('a third edge is added by editing the XML and a SIGHUP to the pid in node.pid, and a player reaches it', async () => {
  const publisher = track(await TestClient.connect(ws('origin')));
  track(await publisher.publishRtp('live'));
  await until(async () => (await has('edge1', 'live')) && (await has('edge2', 'live')), 5000, 'the stream on both edges');

  writeNodeDir(workDir, 'edge3', ports.edge3, { 'cdn.relay_port': ports['edge3-relay'] });
  const started = await npm(['run', 'restart', '--', 'edge3', '--dir', workDir]);
  expect(started.out).toContain('edge3 is up');
  expect(started.code).toBe(0);

  writeOriginXml([{ id: 'edge1' }, { id: 'edge2' }, { id: 'edge3' }]);
  const originPid = cluster.pidOf('origin')!;
  process.kill(originPid, 'SIGHUP');
  await until(() => has('edge3', 'live'), 5000, 'edge3 to receive the live stream');
  expect(alive(originPid)).toBe(true);
  expect((await routes()).map((e) => e.id)).toEqual(['edge1', 'edge2', 'edge3']);

  // Round robin over three edges: within three players, one is sent to edge3 and plays there.
  let reached = false;
  for (let i = 0; i < 3 && !reached; i++) {
    const play = await playViaOrigin(ws('origin'), 'live');
    for (const c of play.clients) track(c);
    track(play.receiver);
    if (play.nodeId === 'edge3') {
      await play.receiver.waitFor(10, VIDEO_PT);
      reached = true;
    }
  }
  expect(reached).toBe(true);
}, 60000);

test("npm run reload applies a changed max_connections without re-creating the edge's link: its player carries on", async () => {
  const publisher = track(await TestClient.connect(ws('origin')));
  track(await publisher.publishRtp('kept'));
  await until(() => has('edge1', 'kept'), 5000, 'the stream on edge1');
  const player = track(await TestClient.connect(ws('edge1')));
  const { receiver } = await player.playRtp('kept');
  track(receiver);
  await receiver.waitFor(10, VIDEO_PT);

  writeOriginXml([{ id: 'edge1', maxConnections: 42 }, { id: 'edge2' }, { id: 'edge3' }]);
  const reload = await npm(['run', 'reload', '--', '--conf', path.join(workDir, 'origin')]);
  expect(reload.out).toMatch(/kept: +edge1, edge2, edge3/);
  expect(reload.out).toMatch(/updated in place \(link kept\): edge1/);
  expect(reload.code).toBe(0);

  const before = receiver.count(VIDEO_PT);
  await receiver.waitFor(before + 20, VIDEO_PT);
  expect(player.notifications.some((n) => n.data.status === 'UNPUBLISHED')).toBe(false);
}, 60000);

test('a broken XML is refused by npm run reload with its file and line, exit 1, and nothing changes', async () => {
  const xml = path.join(workDir, 'origin', 'loadbalancing.xml');
  const good = fs.readFileSync(xml, 'utf8');
  fs.writeFileSync(xml, '<loadbalancer mode="ROUNDROBIN">\n  <node id="x"><ip>h</ip>\n</loadbalancer>\n');
  const reload = await npm(['run', 'reload', '--', '--conf', path.join(workDir, 'origin')]);
  fs.writeFileSync(xml, good);
  expect(reload.out).toMatch(/reload refused, nothing changed: .*loadbalancing\.xml:\d+/);
  expect(reload.code).toBe(1);
  expect((await routes()).map((e) => e.id)).toEqual(['edge1', 'edge2', 'edge3']);
});

test('the origin restarted alone: the edges keep running, and a player reaches an edge of the new origin', async () => {
  const edgePids = ['edge1', 'edge2', 'edge3'].map((n) => cluster.pidOf(n)!);
  const oldOrigin = cluster.pidOf('origin')!;
  const restarted = await npm(['run', 'restart', '--', 'origin', '--dir', workDir]);
  expect(restarted.out).toContain('origin stopped with exit code 0');
  expect(restarted.out).toContain('origin is up');
  expect(restarted.code).toBe(0);

  expect(alive(oldOrigin)).toBe(false);
  expect(cluster.pidOf('origin')).not.toBe(oldOrigin);
  expect(['edge1', 'edge2', 'edge3'].map((n) => cluster.pidOf(n))).toEqual(edgePids);
  for (const pid of edgePids) expect(alive(pid)).toBe(true);
  await until(async () => (await routes()).every((e) => e.state === 'up'), 10000, "the new origin's edge links up");

  const publisher = track(await TestClient.connect(ws('origin')));
  track(await publisher.publishRtp('again'));
  await until(async () => (await Promise.all(['edge1', 'edge2', 'edge3'].map((n) => has(n, 'again')))).every(Boolean), 5000, 'the stream on every edge');
  const play = await playViaOrigin(ws('origin'), 'again');
  for (const c of play.clients) track(c);
  track(play.receiver);
  expect(['edge1', 'edge2', 'edge3']).toContain(play.nodeId);
  await play.receiver.waitFor(10, VIDEO_PT);
}, 60000);
