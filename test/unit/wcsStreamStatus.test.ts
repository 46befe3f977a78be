// The WCS status and getInfo() string each status of the core stream becomes
// (src/client/wcs/streamStatus.ts), as docs/wcs-migration.md's table of statuses gives them: above
// all, a player whose publisher stops ends STOPPED "Stopped by publisher stop" unless the page asked
// for failover; and which statuses end the stream or keep getRemoteBitrate() measuring.
import { STREAM_STATUS as CORE_STATUS, type StreamStatus } from '../../src/client/constants';
import { STREAM_STATUS, STREAM_STATUS_INFO } from '../../src/client/wcs/constants';
import { type CoreFacts, isEnded, measuresBitrate, wcsStatusOf } from '../../src/client/wcs/streamStatus';

const player: CoreFacts = { role: 'player', failover: false, statusMessage: null, error: null };
const publisher: CoreFacts = { role: 'publisher', failover: false, statusMessage: null, error: null };

describe('wcsStatusOf', () => {
  test("a player whose publisher stops ends STOPPED, 'Stopped by publisher stop', as from WCS", () => {
    expect(wcsStatusOf(CORE_STATUS.UNPUBLISHED, player)).toEqual({ status: 'STOPPED', info: 'Stopped by publisher stop' });
    // The node's words for a REST terminate are the publisher's; its players still see the publisher stop.
    expect(wcsStatusOf(CORE_STATUS.UNPUBLISHED, { ...player, statusMessage: STREAM_STATUS_INFO.STOPPED_BY_REST_TERMINATE })).toEqual({
      status: 'STOPPED',
      info: 'Stopped by publisher stop',
    });
  });

  test("with failover (this product's extension) the player reports UNPUBLISHED, without an info string", () => {
    expect(wcsStatusOf(CORE_STATUS.UNPUBLISHED, { ...player, failover: true })).toEqual({ status: 'UNPUBLISHED', info: '' });
  });

  test("a publisher's UNPUBLISHED says the node's words when it ended the stream, else 'Stopped by user'", () => {
    expect(wcsStatusOf(CORE_STATUS.UNPUBLISHED, publisher)).toEqual({ status: 'UNPUBLISHED', info: 'Stopped by user' });
    expect(wcsStatusOf(CORE_STATUS.UNPUBLISHED, { ...publisher, failover: true })).toEqual({ status: 'UNPUBLISHED', info: 'Stopped by user' });
    expect(wcsStatusOf(CORE_STATUS.UNPUBLISHED, { ...publisher, statusMessage: 'Stopped by rest /terminate' })).toEqual({
      status: 'UNPUBLISHED',
      info: 'Stopped by rest /terminate',
    });
  });

  test("a player's own stop() is STOPPED, 'Stopped by user'", () => {
    expect(wcsStatusOf(CORE_STATUS.STOPPED, player)).toEqual({ status: 'STOPPED', info: 'Stopped by user' });
    expect(wcsStatusOf(CORE_STATUS.STOPPED, { ...player, failover: true })).toEqual({ status: 'STOPPED', info: 'Stopped by user' });
  });

  test('FAILED carries the WCS string for the error, and "Failed by error" when there is none', () => {
    expect(wcsStatusOf(CORE_STATUS.FAILED, { ...player, error: { code: 'STREAM_NOT_FOUND', message: 'CDN stream not found: cam' } })).toEqual({
      status: 'FAILED',
      info: 'CDN stream not found',
    });
    expect(wcsStatusOf(CORE_STATUS.FAILED, { ...publisher, error: { code: 'STREAM_NAME_TAKEN', message: 'taken' } })).toEqual({
      status: 'FAILED',
      info: 'Stream name is already in use',
    });
    expect(wcsStatusOf(CORE_STATUS.FAILED, { ...player, error: { code: 'CONNECTION_LOST', message: 'media connection failed' } })).toEqual({
      status: 'FAILED',
      info: 'Failed by ICE error',
    });
    expect(wcsStatusOf(CORE_STATUS.FAILED, player)).toEqual({ status: 'FAILED', info: 'Failed by error' });
    // A stream that failed before it knew its role (e.g. its session was not ready) still says why.
    expect(wcsStatusOf(CORE_STATUS.FAILED, { ...player, role: null, error: { code: 'NOT_CONNECTED', message: 'not connected' } })).toEqual({
      status: 'FAILED',
      info: 'Session not ready',
    });
  });

  test('the other statuses pass through unchanged, with an empty info string, whatever the facts', () => {
    const passing: StreamStatus[] = [CORE_STATUS.NEW, CORE_STATUS.PENDING, CORE_STATUS.PUBLISHING, CORE_STATUS.PLAYING, CORE_STATUS.NOT_ENOUGH_BANDWIDTH];
    for (const core of passing) {
      for (const facts of [player, publisher, { ...player, failover: true, statusMessage: 'words', role: null }]) {
        expect(wcsStatusOf(core, facts)).toEqual({ status: core, info: '' });
      }
    }
  });

  test('before the role is known, UNPUBLISHED is neither a publisher stop nor a player stop', () => {
    expect(wcsStatusOf(CORE_STATUS.UNPUBLISHED, { ...player, role: null })).toEqual({ status: 'UNPUBLISHED', info: '' });
  });

  test("every status it gives is one of WCS's STREAM_STATUS", () => {
    const wcsStatuses: string[] = Object.values(STREAM_STATUS);
    for (const core of Object.values(CORE_STATUS)) {
      for (const facts of [player, publisher, { ...player, failover: true }]) expect(wcsStatuses).toContain(wcsStatusOf(core, facts).status);
    }
  });
});

describe('isEnded', () => {
  test('FAILED, STOPPED and UNPUBLISHED end the stream; the others do not', () => {
    expect([STREAM_STATUS.FAILED, STREAM_STATUS.STOPPED, STREAM_STATUS.UNPUBLISHED].map(isEnded)).toEqual([true, true, true]);
    const live = [
      STREAM_STATUS.NEW,
      STREAM_STATUS.PENDING,
      STREAM_STATUS.PUBLISHING,
      STREAM_STATUS.PLAYING,
      STREAM_STATUS.PAUSED,
      STREAM_STATUS.PLAYBACK_PROBLEM,
      STREAM_STATUS.RESIZE,
      STREAM_STATUS.SNAPSHOT_COMPLETE,
      STREAM_STATUS.NOT_ENOUGH_BANDWIDTH,
    ];
    expect(live.map(isEnded)).toEqual(live.map(() => false));
  });

  test('an unknown status, or one in the wrong case, is not an end', () => {
    expect(isEnded('')).toBe(false);
    expect(isEnded('DONE')).toBe(false);
    expect(isEnded('stopped')).toBe(false);
  });
});

describe('measuresBitrate', () => {
  test('a playing player measures, and so does one short of bandwidth (it still receives)', () => {
    expect(measuresBitrate(STREAM_STATUS.PLAYING)).toBe(true);
    expect(measuresBitrate(STREAM_STATUS.NOT_ENOUGH_BANDWIDTH)).toBe(true);
  });

  test('no other status measures: not before play, not after the end, not a publisher, not an unknown status', () => {
    const others = Object.values(STREAM_STATUS).filter((s) => s !== STREAM_STATUS.PLAYING && s !== STREAM_STATUS.NOT_ENOUGH_BANDWIDTH);
    expect(others).toContain(STREAM_STATUS.PUBLISHING);
    expect(others.map(measuresBitrate)).toEqual(others.map(() => false));
    expect(measuresBitrate('playing')).toBe(false);
    expect(measuresBitrate('')).toBe(false);
  });
});
