// The relay channel's additions for the console: the edge's load report may carry its players per
// stream and its traffic, and the origin's `watch` notification turns the traffic on and off.
import { loadNotification, MAX_LOAD_STREAMS, watchNotification } from '../../src/cluster/relayProtocol';

describe('load report additions', () => {
  test('a report with players per stream and traffic is accepted, and one without them still is', () => {
    expect(loadNotification.safeParse({ players: 2, cpuLoad: 0.1, connections: 3, streams: { cam: 2 }, bitrateIn: 1e6, bitrateOut: 2e6 }).success).toBe(true);
    expect(loadNotification.safeParse({ players: 2, cpuLoad: 0.1 }).success).toBe(true);
  });

  test('a stream name that breaks the name rule, a negative count or too many streams is refused', () => {
    expect(loadNotification.safeParse({ players: 0, cpuLoad: 0, streams: { 'a/b': 1 } }).success).toBe(false);
    expect(loadNotification.safeParse({ players: 0, cpuLoad: 0, streams: { cam: -1 } }).success).toBe(false);
    expect(loadNotification.safeParse({ players: 0, cpuLoad: 0, bitrateOut: -5 }).success).toBe(false);
    const many = Object.fromEntries(Array.from({ length: MAX_LOAD_STREAMS + 1 }, (_, i) => [`s${i}`, 1]));
    expect(loadNotification.safeParse({ players: 0, cpuLoad: 0, streams: many }).success).toBe(false);
  });
});

test('watch carries on/off and nothing else', () => {
  expect(watchNotification.safeParse({ on: true }).success).toBe(true);
  expect(watchNotification.safeParse({ on: 'yes' }).success).toBe(false);
  expect(watchNotification.safeParse({ on: false, extra: 1 }).success).toBe(false);
});
