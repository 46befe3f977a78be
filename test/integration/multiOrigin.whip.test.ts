// A WHIP publisher among several origins (issue 21): WHIP gives a client no way to be told anything
// once its session is up, so the 201 answer names the other origins' WHIP URLs for the stream
// (`Link: <...>; rel="alternate"`). When its origin dies (SIGKILL), the client POSTs the same offer
// to one of them: that origin takes the name over (a dead holder's claim loses) and the stream is
// relayed to the edge again, from the new origin. Real processes; plain HTTP, no browser.
import { type NodeProcess, until } from '../helpers/nodes';
import { startEdge, stopAll, streamsOn } from '../helpers/cluster';
import { ownerOn, startOrigins } from '../helpers/origins';
import { audio, offer, video } from '../helpers/sdpOffers';

let edge: NodeProcess;
let a: NodeProcess;
let b: NodeProcess;

const publishOffer = () => offer([audio('sendonly', 1111), video('sendonly', 'all', 2222)]);
const whip = (url: string) => fetch(url, { method: 'POST', body: publishOffer(), headers: { 'Content-Type': 'application/sdp' }, redirect: 'manual' });

/** The URLs of a Link header's rel="alternate" entries. */
function alternates(link: string | null): string[] {
  return [...(link ?? '').matchAll(/<([^>]+)>\s*;\s*rel="alternate"/g)].map((m) => m[1]);
}

beforeAll(async () => {
  edge = await startEdge('edge1');
  [a, b] = await startOrigins(['oa', 'ob'], [edge]);
});

afterAll(async () => {
  const codes = await stopAll([a, b, edge].filter((n) => n && !n.exited));
  expect(codes).toEqual(codes.map(() => 0));
});

test('the WHIP answer names the other origin; after a SIGKILL of its origin, the same offer posted there publishes the name again and the edge gets it from the new origin', async () => {
  const res = await whip(`${a.http}/whip/cam%201`);
  expect(res.status).toBe(201);
  await res.text();
  // Only the other origin, at its WHIP URL for the same (encoded) name.
  expect(alternates(res.headers.get('link'))).toEqual([`${b.http}/whip/cam%201`]);
  expect(res.headers.get('link')).toContain('title="ob"');
  await until(async () => (await streamsOn(edge)).some((s) => s.name === 'cam 1'), 5000, 'the stream on the edge');
  await until(async () => (await ownerOn(b, 'cam 1'))?.origin === 'oa', 2000, 'B to hear A’s claim');

  const killedAt = Date.now();
  a.child.kill('SIGKILL');
  await until(async () => a.exited, 5000, 'A to exit');
  // What a WHIP client does when its connection fails: the same offer to the next alternate.
  const moved = await until(
    async () => {
      const r = await whip(alternates(res.headers.get('link'))[0]);
      await r.text();
      return r.status === 201;
    },
    5000,
    'B to take the publish (A’s claim dropped with its link)',
    100,
  );
  expect(await ownerOn(b, 'cam 1')).toEqual({ origin: 'ob', gen: 2 });
  const relayed = await until(
    async () => ((await streamsOn(edge)).find((s) => s.name === 'cam 1') as { origin?: string } | undefined)?.origin === 'ob',
    5000,
    'the edge to hold the stream from B',
  );
  console.log(
    `WHIP re-POST to the alternate accepted ${moved} ms after A's death was seen; the edge holds B's relay ${relayed} ms later (${Date.now() - killedAt} ms after the kill)`,
  );
});
