// A narrow edge->player link: origin, two edges and the clients on hosts of their own; the
// publisher page publishes the fake camera as VP8 simulcast (the SDK's three layers, 320, 640 and
// 1280 px wide) to the origin, and the SDK's Embed Player is sent to an edge. Then the clients'
// downlink (everything the edge sends the player) is limited by a token bucket to a rate the top
// layer does not fit in. The player must move to a lower layer within a few seconds (the SDK's
// layer event and the decoded frame width both say so), keep playing there without freezing
// (every sample below the top layer from then on; after 3 s of settling, under 0.5 s frozen per
// 10 s and at least the layer's base temporal layer decoded), and, once the limit goes, climb back
// to the top layer within a bounded time. The times are printed: to switch down, frozen while
// limited, to climb back. NARROW_HOLD_MS=0 runs it without the node's layer hold.
import { until } from './bed';
import { type BedCluster, holds, layerHoldLog, startBedCluster } from './bedCluster';
import { describeLayers, describeNarrow, NARROW_OPTIONS, type NarrowFigures, type NarrowStory, narrowRun, TOP } from './narrowRun';
import { bedUnavailable } from './shell';
import { narrowRow } from '../../bench/netNarrow';

const FREEZE_PER_10S = 0.5;
const NARROW = NARROW_OPTIONS;
const LIMIT_KBIT = NARROW.limitKbit;
let cluster: BedCluster;

beforeAll(async () => {
  const why = bedUnavailable();
  if (why) throw new Error(why);
  cluster = await startBedCluster({
    stream: NARROW.stream,
    props: {
      // info: the edges' layer holds are printed when the test fails.
      'log.level': process.env.NARROW_LOG ?? 'info',
      // NARROW_HOLD_MS=0 runs the test without the layer hold, to see what it is for.
      ...(process.env.NARROW_HOLD_MS ? { 'play.layer_hold_ms': process.env.NARROW_HOLD_MS } : {}),
    },
  });
  await until(
    async () => (await holds(cluster.edges[0], NARROW.stream)) && (await holds(cluster.edges[1], NARROW.stream)),
    15000,
    'both edges to hold the stream',
  );
}, 90000);

afterAll(async () => {
  await cluster?.close();
}, 30000);

test(`limited to ${LIMIT_KBIT} kbit/s, an SDK player on an edge moves below the top layer within a few seconds, plays on without freezing, and climbs back once the limit goes`, async () => {
  const story: NarrowStory = { lines: [], t0: Date.now() };
  let passed = false;
  try {
    const f: NarrowFigures = await narrowRun(cluster, NARROW, story);
    console.log(`narrow: the publisher sent ${describeLayers(f.sentBefore)} before the limit`);
    console.log(`${describeNarrow(f, NARROW)}\nas a row of BENCHMARKS.md: ${narrowRow(f, 0, NARROW)}`);
    expect(['edge1', 'edge2']).toContain(f.node);
    // Playing the top layer steadily before the link narrowed.
    expect(f.free.layer).toBe(TOP);
    expect(f.switchMs).toBeLessThanOrEqual(NARROW.switchDownMs + 1000);
    expect(f.switched.layer).not.toBeNull();
    expect(f.switched.layer!).toBeLessThan(TOP);
    expect(f.switched.video.frameWidth).toBeLessThan(f.topWidth);
    // Playing on the narrow link: every sample below the top layer, frames coming, little frozen.
    for (const s of f.limitedSamples) {
      expect(s.status).toBe('PLAYING');
      expect(s.layer === null ? -1 : s.layer).toBeLessThan(TOP);
    }
    expect(f.frozenLimitedS * (10 / f.windowS)).toBeLessThan(FREEZE_PER_10S);
    expect(f.layerSent).toBeDefined();
    // At least the layer's base temporal layer (a quarter of its frames, with three temporal layers).
    expect(f.fps).toBeGreaterThan(0.2 * f.layerSent!.fps);
    expect(f.climbed.layer).toBe(TOP);
    expect(f.climbed.video.frameWidth).toBe(f.topWidth);
    passed = true;
  } finally {
    // On a failure (or with NARROW_LOG set): the player's story and the edges' layer holds
    // (src/streams/LayerHolder.ts), times from the player's start.
    if (!passed || process.env.NARROW_LOG) {
      console.log(`narrow: the player's story\n${story.lines.join('\n')}\nlayer holds on the edges:\n${layerHoldLog(cluster, story.t0)}`);
    }
  }
}, 120000);
