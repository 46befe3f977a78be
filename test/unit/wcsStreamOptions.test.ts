// WCS createStream() options this server ignores (named once in the console) and the two it refuses
// at publish() (record, rtmpUrl), from src/client/wcs/streamOptions.ts and docs/wcs-migration.md.
import { ignoredOptionsWarning, unsupportedPublish } from '../../src/client/wcs/streamOptions';

describe('ignoredOptionsWarning', () => {
  test('no warning for the options this SDK uses, nor for none at all', () => {
    expect(ignoredOptionsWarning({ name: 'cam' })).toBeNull();
    expect(
      ignoredOptionsWarning({
        name: 'cam',
        receiveAudio: true,
        receiveVideo: false,
        playWidth: 640,
        playHeight: '360',
        failover: true,
        unmutePlayOnStart: false,
      }),
    ).toBeNull();
  });

  test("names each WCS option that means nothing here, in one warning, in the SDK's order", () => {
    expect(ignoredOptionsWarning({ name: 'cam', transport: 'TCP' })).toBe('[flashphoner] createStream: transport not supported by this server; ignored');
    expect(ignoredOptionsWarning({ name: 'cam', sdpHook: () => '', mediaProvider: 'WebRTC', playoutDelay: 0, cvoExtension: false })).toBe(
      '[flashphoner] createStream: mediaProvider, sdpHook, cvoExtension, playoutDelay not supported by this server; ignored',
    );
  });

  test('an option given as null, 0, false or "" counts as given; only an absent (undefined) one does not', () => {
    expect(ignoredOptionsWarning({ name: 'cam', custom: null, stripCodecs: '', playoutDelay: 0, useCanvasMediaStream: false })).toBe(
      '[flashphoner] createStream: custom, stripCodecs, playoutDelay, useCanvasMediaStream not supported by this server; ignored',
    );
    expect(ignoredOptionsWarning({ name: 'cam', transport: undefined })).toBeNull();
  });

  test('keys it does not know are not named (they are not WCS options it ignores)', () => {
    expect(ignoredOptionsWarning({ name: 'cam', somethingElse: 1 })).toBeNull();
  });
});

describe('unsupportedPublish', () => {
  test('record: true refuses publish with the reason getInfo() shows', () => {
    expect(unsupportedPublish({ name: 'cam', record: true })).toBe('Stream recording is not supported by this server (record: true)');
  });

  test('an rtmpUrl refuses publish with its own reason', () => {
    expect(unsupportedPublish({ name: 'cam', rtmpUrl: 'rtmp://example/live' })).toBe('Republishing to RTMP is not supported by this server (rtmpUrl)');
  });

  test('both given: recording is named', () => {
    expect(unsupportedPublish({ name: 'cam', record: true, rtmpUrl: 'rtmp://example/live' })).toBe(
      'Stream recording is not supported by this server (record: true)',
    );
  });

  test('record: false, an empty rtmpUrl, or neither: publish may go on', () => {
    expect(unsupportedPublish({ name: 'cam' })).toBeNull();
    expect(unsupportedPublish({ name: 'cam', record: false })).toBeNull();
    expect(unsupportedPublish({ name: 'cam', rtmpUrl: '' })).toBeNull();
  });
});
