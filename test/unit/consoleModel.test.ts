import { accumulate, type Counters } from '../../src/cluster/RelayStats';
import { buildSnapshot, type ConsoleInputs, type EdgeInput, edgeIsStale, lossRatio, relayView, type StreamInput } from '../../src/http/consoleModel';

const NOW = 1_700_000_000_000;

function edge(id: string, over: Partial<EdgeInput> = {}): EdgeInput {
  return {
    id,
    cluster: 'default',
    url: `ws://127.0.0.1:1/`,
    state: 'up',
    stateSince: NOW - 60_000,
    players: 0,
    cpuLoad: 0.1,
    loadAt: NOW - 200,
    streamPlayers: {},
    bitrateOut: null,
    lastError: '',
    redirects: 0,
    failures: {},
    relay: null,
    ...over,
  };
}

function stream(name: string, relays: StreamInput['relays'], over: Partial<StreamInput> = {}): StreamInput {
  return { name, status: 'PUBLISHING', source: 'local', publisher: 'pub 127.0.0.1', createdAt: NOW - 5000, tracks: [], players: 0, relays, ...over };
}

function inputs(over: Partial<ConsoleInputs> = {}): ConsoleInputs {
  return {
    now: NOW,
    loadReportMs: 1000,
    node: { id: 'origin', role: 'origin', mode: 'ROUNDROBIN', cpuLoad: 0.2, players: 0, traffic: { in: 1000, out: 500 }, origins: [] },
    edges: [],
    streams: [],
    ...over,
  };
}

const traffic = { bitrate: 800_000, bytesSent: 10_000, packetsSent: 95, packetsLost: 5, packetsRetransmitted: 3 };

describe('relay state as the console shows it', () => {
  test('a relay is "relayed" only when its pipe is up and every track is on the edge', () => {
    expect(relayView('relayed', true)).toBe('relayed');
    expect(relayView('relayed', false)).toBe('pending');
    expect(relayView('pending', false)).toBe('pending');
    expect(relayView('failed', false)).toBe('failed');
    expect(relayView('none', false)).toBe('none');
    expect(relayView('closed', false)).toBe('none');
  });

  test('a failed relay carries its reason; a stream not relayed to a down edge says the link is down', () => {
    const snap = buildSnapshot(
      inputs({
        edges: [edge('e1'), edge('e2', { state: 'down' }), edge('e3', { state: 'down' })],
        streams: [
          stream('cam', [
            { id: 'e1', state: 'failed', complete: false, error: 'STREAM_NAME_TAKEN: relayStream: taken', traffic: null },
            { id: 'e2', state: 'none', complete: false, error: null, traffic: null },
            // Kept by the origin through a blip of the link: still no player goes there.
            { id: 'e3', state: 'relayed', complete: true, error: null, traffic: null },
          ]),
        ],
      }),
    );
    expect(snap.streams[0].edges).toEqual([
      expect.objectContaining({ id: 'e1', relay: 'failed', reason: 'STREAM_NAME_TAKEN: relayStream: taken', players: 0 }),
      expect.objectContaining({ id: 'e2', relay: 'none', reason: 'link down', players: null }),
      expect.objectContaining({ id: 'e3', relay: 'none', reason: 'link down; relay kept for cdn.link_grace_ms', players: null }),
    ]);
  });
});

describe('staleness', () => {
  test("an edge's figures are stale when its link is not up or its last load report is older than three periods", () => {
    expect(edgeIsStale({ state: 'up', loadAt: NOW - 2900 }, NOW, 1000)).toBe(false);
    expect(edgeIsStale({ state: 'up', loadAt: NOW - 3100 }, NOW, 1000)).toBe(true);
    expect(edgeIsStale({ state: 'up', loadAt: null }, NOW, 1000)).toBe(true);
    expect(edgeIsStale({ state: 'down', loadAt: NOW }, NOW, 1000)).toBe(true);
    expect(edgeIsStale({ state: 'connecting', loadAt: NOW }, NOW, 1000)).toBe(true);
  });

  test('a down edge shows no incoming bitrate, and its state since when the link went down', () => {
    const snap = buildSnapshot(inputs({ edges: [edge('e1', { state: 'down', stateSince: NOW - 1500, relay: { ...traffic } })] }));
    expect(snap.edges[0]).toEqual(expect.objectContaining({ state: 'down', since: NOW - 1500, stale: true, bitrateIn: null }));
  });
});

describe('the map', () => {
  test('edges are grouped by cluster in file order, and each counts the streams completely relayed to it', () => {
    const snap = buildSnapshot(
      inputs({
        edges: [edge('a1', { cluster: 'A' }), edge('b1', { cluster: 'B' }), edge('a2', { cluster: 'A' })],
        streams: [
          stream('s1', [
            { id: 'a1', state: 'relayed', complete: true, error: null, traffic },
            { id: 'b1', state: 'relayed', complete: false, error: null, traffic: null },
            { id: 'a2', state: 'pending', complete: false, error: null, traffic: null },
          ]),
          stream('s2', [
            { id: 'a1', state: 'relayed', complete: true, error: null, traffic },
            { id: 'b1', state: 'relayed', complete: true, error: null, traffic },
            { id: 'a2', state: 'failed', complete: false, error: 'TIMEOUT: x', traffic: null },
          ]),
        ],
      }),
    );
    expect(snap.clusters).toEqual([
      { name: 'A', edges: ['a1', 'a2'] },
      { name: 'B', edges: ['b1'] },
    ]);
    expect(snap.edges.map((e) => [e.id, e.streams])).toEqual([
      ['a1', 2],
      ['b1', 1],
      ['a2', 0],
    ]);
  });

  test("an edge's incoming bitrate is what the origin's pipes send it; the origin's outgoing bitrate includes its pipes", () => {
    const snap = buildSnapshot(inputs({ edges: [edge('e1', { relay: { ...traffic, bitrate: 2_000_000 }, bitrateOut: 4_000_000 })] }));
    expect(snap.edges[0].bitrateIn).toBe(2_000_000);
    expect(snap.edges[0].bitrateOut).toBe(4_000_000);
    expect(snap.node.bitrateIn).toBe(1000);
    expect(snap.node.bitrateOut).toBe(500 + 2_000_000);
  });
});

describe('per stream', () => {
  test('bitrate sums the encodings, simulcast layers are the rids with traffic, players per edge come from its load report', () => {
    const snap = buildSnapshot(
      inputs({
        edges: [edge('e1', { streamPlayers: { cam: 3 } })],
        streams: [
          stream('cam', [{ id: 'e1', state: 'relayed', complete: true, error: null, traffic }], {
            tracks: [
              { kind: 'audio', codec: 'audio/opus', paused: false, encodings: [{ rid: null, bitrate: 40_000, score: 10 }] },
              {
                kind: 'video',
                codec: 'video/VP8',
                paused: false,
                encodings: [
                  { rid: 'r0', bitrate: 150_000, score: 10 },
                  { rid: 'r1', bitrate: 500_000, score: 10 },
                  { rid: 'r2', bitrate: 0, score: 0 },
                ],
              },
            ],
          }),
        ],
      }),
    );
    const s = snap.streams[0];
    expect(s.bitrate).toBe(690_000);
    expect(s.tracks[1]).toEqual({ kind: 'video', codec: 'video/VP8', paused: false, bitrate: 650_000, layers: ['r0', 'r1'] });
    expect(s.tracks[0].layers).toEqual(['-']);
    expect(s.edges[0]).toEqual(expect.objectContaining({ players: 3, bitrate: 800_000, packetsLost: 5, packetsRetransmitted: 3, lossRatio: 0.05 }));
  });

  test('the loss ratio is lost over sent plus lost, and unknown before anything was sent', () => {
    expect(lossRatio(0, 0)).toBeNull();
    expect(lossRatio(99, 1)).toBeCloseTo(0.01);
  });
});

describe('relay traffic totals', () => {
  const zero: Counters = { bytesSent: 0, packetsSent: 0, packetsLost: 0, packetsRetransmitted: 0 };

  test('only grow: each relay adds what it sent since its last reading, a new relay counts from zero, a dropped relay keeps what it added', () => {
    const totals = { ...zero };
    let readings = accumulate(totals, new Map(), new Map([['r1', { bytesSent: 100, packetsSent: 10, packetsLost: 1, packetsRetransmitted: 0 }]]));
    readings = accumulate(
      totals,
      readings,
      new Map([
        ['r1', { bytesSent: 150, packetsSent: 15, packetsLost: 1, packetsRetransmitted: 2 }],
        ['r2', { bytesSent: 40, packetsSent: 4, packetsLost: 0, packetsRetransmitted: 0 }],
      ]),
    );
    expect(totals).toEqual({ bytesSent: 190, packetsSent: 19, packetsLost: 1, packetsRetransmitted: 2 });
    // r1 ended (a retry makes a new pipe, r3, whose counters start again at zero).
    readings = accumulate(totals, readings, new Map([['r3', { bytesSent: 10, packetsSent: 1, packetsLost: 0, packetsRetransmitted: 0 }]]));
    expect(totals).toEqual({ bytesSent: 200, packetsSent: 20, packetsLost: 1, packetsRetransmitted: 2 });
    expect([...readings.keys()]).toEqual(['r3']);
  });

  test('a counter that went down adds nothing', () => {
    const totals = { ...zero };
    const readings = accumulate(totals, new Map(), new Map([['r1', { ...zero, bytesSent: 100 }]]));
    accumulate(totals, readings, new Map([['r1', { ...zero, bytesSent: 50 }]]));
    expect(totals.bytesSent).toBe(100);
  });
});

describe('on-demand edges', () => {
  test('each edge of a stream says why it holds it (pushed or pulled); a stream not relayed there says nothing', () => {
    const snap = buildSnapshot(
      inputs({
        edges: [edge('p1'), edge('d1'), edge('d2')],
        streams: [
          stream('cam', [
            { id: 'p1', state: 'relayed', complete: true, error: null, traffic: null, held: 'pushed' },
            { id: 'd1', state: 'relayed', complete: true, error: null, traffic: null, held: 'pulled' },
            { id: 'd2', state: 'none', complete: false, error: null, traffic: null, held: null },
          ]),
        ],
      }),
    );
    expect(snap.streams[0].edges.map((e) => [e.id, e.relay, e.held])).toEqual([
      ['p1', 'relayed', 'pushed'],
      ['d1', 'relayed', 'pulled'],
      ['d2', 'none', null],
    ]);
  });
});

describe('relay tiers in the console', () => {
  test('a node below a relay says via which relay it holds each stream; a node the origin feeds says nothing of it', () => {
    const snap = buildSnapshot(
      inputs({
        edges: [edge('r1'), edge('e1', { via: 'r1', streamPlayers: { cam: 2 } })],
        streams: [
          stream('cam', [
            { id: 'r1', state: 'relayed', complete: true, error: null, traffic, held: 'pushed' },
            { id: 'e1', state: 'relayed', complete: true, error: null, traffic: null, held: 'pulled', via: 'r1' },
          ]),
        ],
      }),
    );
    expect(snap.edges.map((e) => [e.id, e.via ?? null, e.streams])).toEqual([
      ['r1', null, 1],
      ['e1', 'r1', 1],
    ]);
    expect(snap.streams[0].edges.map((r) => [r.id, r.relay, r.held, r.via ?? null, r.players])).toEqual([
      ['r1', 'relayed', 'pushed', null, 0],
      ['e1', 'relayed', 'pulled', 'r1', 2],
    ]);
  });
});
