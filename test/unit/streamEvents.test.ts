// The log of one stream's events (src/streams/streamEvents.ts): numbering, the mute state they
// add up to, what an edge that missed some is sent again, and the payload size rule.
import type { AppError } from '../../src/errors';
import { checkEventSize, muteChanges, payloadBytes, REPLAY_BYTES, REPLAY_EVENTS, StreamEventLog } from '../../src/streams/streamEvents';

test('events are numbered from 1 in the order taken, and mute events make the mute state', () => {
  const log = new StreamEventLog();
  expect(log.state).toEqual({ seq: 0, audioMuted: false, videoMuted: false });
  expect(log.record('data', { n: 1 })).toEqual({ seq: 1, type: 'data', payload: { n: 1 } });
  log.record('audioMuted', { streamName: 'cam' });
  log.record('videoMuted', { streamName: 'cam' });
  log.record('audioUnmuted', { streamName: 'cam' });
  expect(log.state).toEqual({ seq: 4, audioMuted: false, videoMuted: true });
});

test('an edge takes the origin-numbered events once each: a replayed duplicate is dropped', () => {
  const edge = new StreamEventLog();
  expect(edge.accept({ seq: 1, type: 'data', payload: 'a' })).not.toBeNull();
  expect(edge.accept({ seq: 2, type: 'videoMuted', payload: {} })).not.toBeNull();
  expect(edge.accept({ seq: 2, type: 'videoMuted', payload: {} })).toBeNull();
  expect(edge.accept({ seq: 1, type: 'data', payload: 'a' })).toBeNull();
  expect(edge.state).toEqual({ seq: 2, audioMuted: false, videoMuted: true });
});

test('since(seq) gives the events an edge missed, oldest first, or null once they are no longer kept', () => {
  const log = new StreamEventLog();
  for (let n = 1; n <= 10; n++) log.record('data', n);
  expect(log.since(10)).toEqual([]);
  expect(log.since(7)!.map((e) => e.payload)).toEqual([8, 9, 10]);
  expect(log.since(0)!.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);

  for (let n = 11; n <= REPLAY_EVENTS + 20; n++) log.record('data', n);
  expect(log.since(0)).toBeNull();
  expect(log.since(20)!.map((e) => e.seq)).toEqual(Array.from({ length: REPLAY_EVENTS }, (_, i) => i + 21));
  expect(log.since(19)).toBeNull();
});

test('the replay keeps at most REPLAY_BYTES of payloads, whatever the count', () => {
  const log = new StreamEventLog();
  const big = 'x'.repeat(60_000);
  for (let n = 1; n <= 10; n++) log.record('data', big);
  // Four of 60002 bytes fit in 256 KiB, five do not.
  expect(4 * payloadBytes(big)).toBeLessThanOrEqual(REPLAY_BYTES);
  expect(5 * payloadBytes(big)).toBeGreaterThan(REPLAY_BYTES);
  expect(log.since(6)!.map((e) => e.seq)).toEqual([7, 8, 9, 10]);
  expect(log.since(5)).toBeNull();
});

test("reset() starts from the origin's state and says which mute events bring the players there", () => {
  const edge = new StreamEventLog();
  edge.accept({ seq: 3, type: 'audioMuted', payload: {} });
  expect(edge.reset({ seq: 40, audioMuted: false, videoMuted: true })).toEqual(['audioUnmuted', 'videoMuted']);
  expect(edge.state).toEqual({ seq: 40, audioMuted: false, videoMuted: true });
  expect(edge.reset({ seq: 41, audioMuted: false, videoMuted: true })).toEqual([]);
  expect(muteChanges({ audioMuted: true, videoMuted: false }, { audioMuted: true, videoMuted: false })).toEqual([]);
});

test('a payload is any JSON value up to the byte limit of its UTF-8 JSON; none at all is a bad request', () => {
  expect(checkEventSize({ text: 'é' }, 13)).toBe(13); // {"text":"é"} is 13 bytes in UTF-8
  const tooLarge = (() => {
    try {
      checkEventSize({ text: 'é' }, 12);
    } catch (err) {
      return err as AppError;
    }
    return null;
  })();
  expect(tooLarge).toMatchObject({ code: 'EVENT_TOO_LARGE', message: expect.stringContaining('stream.event_max_bytes') });
  expect(checkEventSize(null, 10)).toBe(4);
  expect(checkEventSize('caption', 10)).toBe(9);
  expect(() => checkEventSize(undefined, 10)).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
});
