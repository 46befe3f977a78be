// The pure decisions of origin failover (issue 21): the SDK's heartbeat, its list of origins, what a
// publisher does when its publication fails, which relay an edge keeps when two origins relay one
// name, and the event log a taken-over stream starts again from.
import { heartbeatStep, heartbeatTimeout, smoothRtt, tickLate } from '../../src/client/heartbeat';
import { configuredUrls, originCandidates, parseOrigins } from '../../src/client/origins';
import { NAME_TAKEN_GRACE_MS, republishAfter } from '../../src/client/republish';
import { relayTakeover } from '../../src/cluster/relayTakeover';
import { StreamEventLog } from '../../src/streams/streamEvents';
import { TRACK_WAIT_MS, trackWaitMs } from '../../src/streams/trackWait';

describe('heartbeat', () => {
  test('a ping goes out first, and again each time the previous one was answered', () => {
    expect(heartbeatStep({ lastHeardAt: 0, pingSentAt: null }, 1000, 1250)).toBe('ping');
    expect(heartbeatStep({ lastHeardAt: 1010, pingSentAt: 1000 }, 1250, 1250)).toBe('ping');
  });

  test('an unanswered ping is waited for until the timeout, then the node is gone', () => {
    expect(heartbeatStep({ lastHeardAt: 900, pingSentAt: 1000 }, 2249, 1250)).toBe('wait');
    expect(heartbeatStep({ lastHeardAt: 900, pingSentAt: 1000 }, 2250, 1250)).toBe('dead');
  });

  test('any frame heard after the ping counts as its answer', () => {
    expect(heartbeatStep({ lastHeardAt: 1001, pingSentAt: 1000 }, 60_000, 1250)).toBe('ping');
  });

  test("a throttled tab's late tick is not the node's silence: only the ping's own wait counts", () => {
    // The tick came a minute late (a hidden tab), but the ping it judges was answered.
    expect(heartbeatStep({ lastHeardAt: 1005, pingSentAt: 1000 }, 61_000, 1250)).toBe('ping');
  });
});

describe('heartbeat timeout', () => {
  test('the configured time, or four smoothed round trips of the pings when the link is slower', () => {
    expect(heartbeatTimeout(1000, null)).toBe(1000);
    expect(heartbeatTimeout(1000, 5)).toBe(1000);
    expect(heartbeatTimeout(1000, 400)).toBe(1600);
  });

  test('the round trip is smoothed: one slow answer moves it by an eighth', () => {
    expect(smoothRtt(null, 80)).toBe(80);
    expect(smoothRtt(80, 880)).toBe(180);
    expect(smoothRtt(180, 180)).toBe(180);
  });
});

describe('origins', () => {
  test('urlServer is one URL or a list of them; anything else is no URL', () => {
    expect(configuredUrls('ws://a/')).toEqual(['ws://a/']);
    expect(configuredUrls(['ws://a/', 'ws://b/'])).toEqual(['ws://a/', 'ws://b/']);
    expect(configuredUrls(['ws://a/', 3, '', null])).toEqual(['ws://a/']);
    expect(configuredUrls(undefined)).toEqual([]);
    expect(configuredUrls(42)).toEqual([]);
  });

  test("the connect answer's origins are checked entry by entry; an absent or odd list is none", () => {
    expect(parseOrigins(undefined)).toEqual([]);
    expect(parseOrigins('ws://a/')).toEqual([]);
    expect(parseOrigins({ id: 'a' })).toEqual([]);
    expect(
      parseOrigins([
        { id: 'a', url: 'ws://a:8080/' },
        { id: 'b', url: 'ws://b:8080/', secureUrl: 'wss://b:8443/' },
        { id: '', url: 'ws://c/' },
        { id: 'd', url: 'http://d/' },
        { id: 'e', url: 'not a url' },
        { id: 'f', url: 'ws://f/', secureUrl: 'ws://f/' },
        { id: 7, url: 'ws://g/' },
        null,
        'ws://h/',
      ]),
    ).toEqual([
      { id: 'a', url: 'ws://a:8080/' },
      { id: 'b', url: 'ws://b:8080/', secureUrl: 'wss://b:8443/' },
    ]);
  });

  test("candidates: the page's URLs, then the discovered ones, each once, the lost one last", () => {
    const discovered = [
      { id: 'a', url: 'ws://a/' },
      { id: 'c', url: 'ws://c/', secureUrl: 'wss://c/' },
    ];
    expect(originCandidates(['ws://a/', 'ws://b/'], discovered, null)).toEqual(['ws://a/', 'ws://b/', 'ws://c/']);
    expect(originCandidates(['ws://a/', 'ws://b/'], discovered, 'ws://a/')).toEqual(['ws://b/', 'ws://c/', 'ws://a/']);
    expect(originCandidates(['ws://a/'], [], 'ws://a/')).toEqual(['ws://a/']);
  });

  test('a page on wss:// is given the secure URLs of the discovered origins, and only those that have one', () => {
    const discovered = [
      { id: 'a', url: 'ws://a/' },
      { id: 'c', url: 'ws://c/', secureUrl: 'wss://c/' },
    ];
    expect(originCandidates(['wss://a/'], discovered, null)).toEqual(['wss://a/', 'wss://c/']);
  });
});

describe('republish', () => {
  const facts = { wasPublishing: true, republish: true, lostAt: null, now: 10_000 };

  test('a publisher that lost its node moves on, whatever the way it lost it', () => {
    for (const code of ['CONNECTION_LOST', 'CONNECTION_FAILED', 'TIMEOUT', 'NODE_CLOSING'] as const) {
      expect(republishAfter({ code }, facts)).toBe('node-lost');
      expect(republishAfter({ code }, { ...facts, lostAt: 9000 })).toBe('node-lost');
    }
  });

  test('the first attempt reports its failure, as does a stream with republish off', () => {
    expect(republishAfter({ code: 'CONNECTION_LOST' }, { ...facts, wasPublishing: false })).toBe('fail');
    expect(republishAfter({ code: 'CONNECTION_LOST' }, { ...facts, republish: false })).toBe('fail');
  });

  test('a republish refused with STREAM_NAME_TAKEN is tried again for a while after the loss, then reported', () => {
    expect(republishAfter({ code: 'STREAM_NAME_TAKEN' }, { ...facts, lostAt: 10_000 - NAME_TAKEN_GRACE_MS + 1 })).toBe('name-taken');
    expect(republishAfter({ code: 'STREAM_NAME_TAKEN' }, { ...facts, lostAt: 10_000 - NAME_TAKEN_GRACE_MS })).toBe('fail');
    // Not a republish: the name is someone else's.
    expect(republishAfter({ code: 'STREAM_NAME_TAKEN' }, facts)).toBe('fail');
  });

  test('other refusals are reported at once', () => {
    for (const code of ['UNAUTHORIZED', 'FORBIDDEN', 'MEDIA_ACCESS_FAILED', 'NOT_ALLOWED'] as const) {
      expect(republishAfter({ code }, { ...facts, lostAt: 9000 })).toBe('fail');
    }
  });
});

describe('relay takeover on an edge', () => {
  test("another origin's relay takes over a name whose holder is in grace or gone", () => {
    expect(relayTakeover({ originId: 'A', holder: 'in-grace' }, 'B', false)).toBe('take');
    expect(relayTakeover({ originId: 'A', holder: 'gone' }, 'B', false)).toBe('take');
  });

  test('a live holder keeps its stream: the newcomer waits for the edge to notice a silent holder, then is refused', () => {
    expect(relayTakeover({ originId: 'A', holder: 'up' }, 'B', false)).toBe('wait');
    expect(relayTakeover({ originId: 'A', holder: 'up' }, 'B', true)).toBe('refuse');
  });

  test('an origin never takes over its own relay (a newer relay of its own replaces the stale one elsewhere)', () => {
    expect(relayTakeover({ originId: 'A', holder: 'in-grace' }, 'A', false)).toBe('refuse');
  });
});

test("a taken-over stream's event log keeps the mute state and numbers from the new origin's start", () => {
  const log = new StreamEventLog();
  log.record('audioMuted', {});
  log.record('data', { x: 1 });
  const rebased = log.rebased();
  expect(rebased.state).toEqual({ seq: 0, audioMuted: true, videoMuted: false });
  expect(rebased.since(0)).toEqual([]);
  // The new origin's first event (its seq 1) is taken, though the old log was past it.
  expect(rebased.accept({ seq: 1, type: 'data', payload: { y: 2 } })).not.toBeNull();
  // Its state (unmuted) brings the players there with one event.
  expect(rebased.reset({ seq: 1, audioMuted: false, videoMuted: false })).toEqual(['audioUnmuted']);
});

test("a WHEP play waits for the kinds it asks for while the stream's tracks are young, and no longer", () => {
  // Audio arrived, video not yet, 300 ms after the tracks began (a start, or a takeover).
  expect(trackWaitMs(10_300, 10_000, ['audio'], ['audio', 'video'])).toBe(TRACK_WAIT_MS - 300);
  expect(trackWaitMs(10_300, 10_000, [], ['video'])).toBe(TRACK_WAIT_MS - 300);
  // Everything asked for is there, or the stream is past its start: answer now.
  expect(trackWaitMs(10_300, 10_000, ['audio', 'video'], ['audio', 'video'])).toBe(0);
  expect(trackWaitMs(10_300, 10_000, ['video'], ['video'])).toBe(0);
  expect(trackWaitMs(10_000 + TRACK_WAIT_MS, 10_000, ['audio'], ['audio', 'video'])).toBe(0);
  expect(trackWaitMs(60_000, 10_000, ['audio'], ['audio', 'video'])).toBe(0);
});

test('a late tick of the heartbeat (the page itself stalled) never calls the node dead; the next one on time does', () => {
  expect(tickLate(null, 5000, 250)).toBe(false);
  expect(tickLate(1000, 1500, 250)).toBe(false);
  expect(tickLate(1000, 1501, 250)).toBe(true);
  // A ping out for 1.5 s, an answer maybe queued behind this timer: wait one more tick.
  expect(heartbeatStep({ lastHeardAt: 900, pingSentAt: 1000 }, 2500, 1000, true)).toBe('wait');
  expect(heartbeatStep({ lastHeardAt: 900, pingSentAt: 1000 }, 2750, 1000, false)).toBe('dead');
  // Still answered in between: alive.
  expect(heartbeatStep({ lastHeardAt: 2600, pingSentAt: 1000 }, 2750, 1000, false)).toBe('ping');
});
