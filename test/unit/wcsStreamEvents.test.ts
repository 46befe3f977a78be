// A publisher muting or unmuting a track reaches WCS pages as one STREAM_EVENT type per kind and
// direction (src/client/wcs/streamEvents.ts).
import { trackPausedType } from '../../src/client/wcs/streamEvents';

describe('trackPausedType', () => {
  test("WCS's four types, by kind and by paused or resumed", () => {
    expect(trackPausedType('audio', true)).toBe('audioMuted');
    expect(trackPausedType('audio', false)).toBe('audioUnmuted');
    expect(trackPausedType('video', true)).toBe('videoMuted');
    expect(trackPausedType('video', false)).toBe('videoUnmuted');
  });
});
