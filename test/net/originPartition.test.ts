// A partition between two origins (issue 21), on the namespace bed: origin1 and origin2 on hosts of
// their own, each listing both edges and both origins (<origin>), every packet between the two
// origins dropped while both keep their edges and publishers. Nothing is lost: each origin goes on
// relaying what it holds and the edges keep both streams. A name published on origin2 during the
// partition while origin1 holds it is a takeover there (origin1 is unreachable, gen 2); once the
// partition heals, both origins settle on one owner by the claims rule (the higher gen), origin1's
// publisher is told STREAM_NAME_TAKEN, and the edges hold the winner's relay, not the loser's.
import type { Page } from 'playwright-core';
import { publishFromPage, statusText } from '../helpers/pages';
import type { NodeProcess } from '../helpers/nodes';
import { NetBed, NODE_PORT, until } from './bed';
import { holds } from './bedCluster';
import { bedUnavailable } from './shell';

const EDGES = ['edge1', 'edge2'];
const ORIGINS = ['origin1', 'origin2'];
let bed: NetBed;
let origins: NodeProcess[] = [];
let edges: NodeProcess[] = [];
let browser: Awaited<ReturnType<NetBed['launchChromium']>> | undefined;

interface Routes {
  peers: { id: string; self: boolean; state: string }[];
  owners: { stream: string; origin: string; gen: number }[];
}

const routes = async (node: NodeProcess): Promise<Routes> => (await fetch(`${node.http}/rest-api/cdn/show_routes`)).json() as Promise<Routes>;
const owner = async (node: NodeProcess, stream: string) => (await routes(node)).owners.find((o) => o.stream === stream) ?? null;
const peerState = async (node: NodeProcess) => (await routes(node)).peers.find((p) => !p.self)?.state;

/** The origin an edge holds `stream` from (find_all's `origin` of a relayed stream), or null. */
async function heldFrom(edge: NodeProcess, stream: string): Promise<string | null> {
  const list = (await (await fetch(`${edge.http}/rest-api/stream/find_all`, { method: 'POST' })).json()) as { name: string; origin?: string }[];
  return list.find((s) => s.name === stream)?.origin ?? null;
}

function clusterXml(): string {
  const node = (tag: string, id: string) => `  <${tag} id="${id}"><ip>${bed.host(id).ip}</ip><ws>${NODE_PORT}</ws><wss>0</wss></${tag}>\n`;
  return `<loadbalancer stream_distribution="webrtc" mode="ROUNDROBIN">\n${EDGES.map((e) => node('node', e)).join('')}${ORIGINS.map((o) => node('origin', o)).join('')}</loadbalancer>\n`;
}

async function publisherOn(origin: NodeProcess, stream: string): Promise<Page> {
  const page = await browser!.newPage();
  await page.goto(`${origin.netHttp}/two_way_streaming.html`);
  await publishFromPage(page, stream);
  return page;
}

beforeAll(async () => {
  const why = bedUnavailable();
  if (why) throw new Error(why);
  bed = await NetBed.create({ hosts: [...ORIGINS, ...EDGES, 'client'] });
  edges = await Promise.all(EDGES.map((e) => bed.startNode(e, e, { props: { 'log.level': 'warn' } })));
  origins = await Promise.all(ORIGINS.map((o) => bed.startNode(o, o, { props: { load_balancing_enabled: true, 'log.level': 'info' }, xml: clusterXml() })));
  await until(async () => (await Promise.all(origins.map(peerState))).every((s) => s === 'up'), 15000, 'the origins linked to each other');
  browser = await bed.launchChromium('client');
}, 90000);

afterAll(async () => {
  await browser?.close();
  await bed?.close();
}, 30000);

test('partitioned from each other, two origins lose no stream; a name taken over meanwhile has one owner on every node after the heal', async () => {
  const [o1, o2] = origins;
  const first = await publisherOn(o1, 'part-a');
  await publisherOn(o2, 'part-b');
  const everywhere = async (stream: string, from: string) => (await Promise.all(edges.map((e) => heldFrom(e, stream)))).every((o) => o === from);
  await until(async () => (await everywhere('part-a', 'origin1')) && (await everywhere('part-b', 'origin2')), 15000, 'both streams on both edges');
  await until(async () => (await owner(o2, 'part-a'))?.origin === 'origin1', 3000, 'origin2 to hear origin1’s claim');

  const cut = Date.now();
  bed.partition('origin1', 'origin2');
  let taken: Page;
  try {
    const seen = await until(async () => (await peerState(o1)) === 'down' && (await peerState(o2)) === 'down', 5000, 'each origin to see the other down', 100);
    console.log(`origins partitioned: both saw the other down ${seen} ms after the cut`);
    // Nothing lost: every edge still holds each stream from its own origin, both publishers publish.
    expect(await everywhere('part-a', 'origin1')).toBe(true);
    expect(await everywhere('part-b', 'origin2')).toBe(true);
    expect(await statusText(first, 'publishStatus')).toBe('PUBLISHING');
    // The same name on origin2, which cannot ask origin1: a takeover there.
    taken = await publisherOn(o2, 'part-a');
    expect(await owner(o2, 'part-a')).toEqual({ stream: 'part-a', origin: 'origin2', gen: 2 });
    expect(await owner(o1, 'part-a')).toEqual({ stream: 'part-a', origin: 'origin1', gen: 1 });
    // The edges keep origin1's relay (its link to them is up): no stream changes hands on an edge while both origins live.
    await new Promise((r) => setTimeout(r, 1000));
    expect(await everywhere('part-a', 'origin1')).toBe(true);
  } finally {
    bed.heal('origin1', 'origin2');
  }
  const healed = Date.now();
  const settled = await until(
    async () => {
      const views = await Promise.all(origins.map((o) => owner(o, 'part-a')));
      return views.every((v) => v?.origin === 'origin2' && v.gen === 2);
    },
    10000,
    'both origins to agree on one owner of part-a',
    100,
  );
  await until(async () => (await statusText(first, 'publishStatus')) === 'FAILED', 5000, 'origin1’s publisher to be told it lost the name');
  const moved = await until(() => everywhere('part-a', 'origin2'), 15000, 'every edge to hold origin2’s relay of part-a, none origin1’s', 100);
  console.log(
    `healed after ${healed - cut} ms: both origins own part-a as origin2 (gen 2) ${settled} ms later; every edge holds origin2's relay ${moved} ms after that`,
  );
  expect(await owner(o1, 'part-b')).toEqual({ stream: 'part-b', origin: 'origin2', gen: 1 });
  expect(await everywhere('part-b', 'origin2')).toBe(true);
  expect(await statusText(taken!, 'publishStatus')).toBe('PUBLISHING');
  for (const e of edges) expect(await holds(e, 'part-a')).toBe(true);
}, 120000);
