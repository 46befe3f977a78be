// Addresses as deployments have them: every node listens on the same ws.port on its own address,
// and edge2 sits behind a 1:1 NAT (a router namespace with nftables dnat/snat, like a cloud VM):
// it binds its private address (ip_local=192.168.x.2) and announces the public one (ip). The
// relay to it, the origin's redirects, its WHEP Location and its ICE candidates must all carry the
// public address; a player on the public side plays from it.
import { bedUnavailable } from './shell';
import { NODE_PORT, until } from './bed';
import { type BedCluster, holds, startBedCluster } from './bedCluster';
import { measure, sdkPlayer, whepPlayer } from './players';

const STREAM = 'net-nat';
let cluster: BedCluster;

beforeAll(async () => {
  const why = bedUnavailable();
  if (why) throw new Error(why);
  cluster = await startBedCluster({ stream: STREAM, behindNat: ['edge2'], props: { 'log.level': 'warn' } });
}, 90000);

afterAll(async () => {
  await cluster?.close();
}, 30000);

test('every node uses the same ws.port on its own address, and the NATed edge binds its private address but is known by its public one', async () => {
  const edge2 = cluster.bed.host('edge2');
  expect(edge2.localIp).not.toBe(edge2.ip);
  const routes = (await (await fetch(`${cluster.origin.http}/rest-api/cdn/show_routes`)).json()) as { edges: { id: string; url: string; state: string }[] };
  expect(routes.edges.map((e) => [e.id, e.url, e.state])).toEqual([
    ['edge1', `ws://${cluster.bed.host('edge1').ip}:${NODE_PORT}/`, 'up'],
    ['edge2', `ws://${edge2.ip}:${NODE_PORT}/`, 'up'],
  ]);
});

test('the stream is relayed through the NAT to the edge behind it', async () => {
  await until(async () => (await holds(cluster.edges[0], STREAM)) && (await holds(cluster.edges[1], STREAM)), 15000, 'both edges to hold the stream');
});

test('a WHEP player sent to the NATed edge gets its public address in the redirect, the Location and the ICE candidates, and plays', async () => {
  const edge2 = cluster.bed.host('edge2');
  // Round robin: one of two consecutive players goes to edge2.
  for (let i = 0; i < 2; i++) {
    const player = await whepPlayer(cluster.browser, cluster.origin, STREAM);
    try {
      const { url, location, answer } = await player.page.evaluate(
        () => (window as unknown as { whep: { url: string; location: string; answer: string } }).whep,
      );
      if (!url.startsWith(`http://${edge2.ip}:`)) continue;
      expect(url).toBe(`http://${edge2.ip}:${NODE_PORT}/whep/${STREAM}`);
      expect(location).toMatch(new RegExp(`^http://${edge2.ip.replace(/\./g, '\\.')}:${NODE_PORT}/whep/${STREAM}/`));
      const candidates = answer.split(/\r?\n/).filter((l) => l.startsWith('a=candidate:'));
      expect(candidates.length).toBeGreaterThan(0);
      for (const c of candidates) expect(c.split(' ')[4]).toBe(edge2.ip);
      expect(answer).not.toContain(edge2.localIp);
      const f = await measure(player, cluster.publisher, 3000, 15000, 3000, 0);
      expect(f.fps).toBeGreaterThan(5);
      return;
    } finally {
      await player.close();
    }
  }
  throw new Error('no WHEP player was sent to edge2 in two tries');
});

test('an SDK player sent to the NATed edge plays from it', async () => {
  for (let i = 0; i < 2; i++) {
    const player = await sdkPlayer(cluster.browser, cluster.origin, STREAM);
    try {
      if ((await player.node()) !== 'edge2') continue;
      const f = await measure(player, cluster.publisher, 3000, 15000, 3000, 0);
      expect(f.fps).toBeGreaterThan(5);
      return;
    } finally {
      await player.close();
    }
  }
  throw new Error('no SDK player was sent to edge2 in two tries');
});
