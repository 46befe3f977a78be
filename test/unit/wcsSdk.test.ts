// The pure parts of the WCS layer of the browser SDK (src/client/wcs/): reading a load balancer's
// answer, the info string of a failure, the simulcast layer that stands in for playWidth/playHeight,
// and the getStats summary.
import { urlFromBalancer } from '../../src/client/wcs/loadBalancer';
import { layerForSize, sizeOption } from '../../src/client/wcs/playSize';
import { failureInfo } from '../../src/client/wcs/statusInfo';
import { bytesReceived, summarizeStats } from '../../src/client/wcs/stats';

describe('urlFromBalancer', () => {
  test("WCS's JSON {server, ws, wss} gives ws://server:ws/, or wss://server:wss/ for a secure page", () => {
    expect(urlFromBalancer('{"server":"10.0.0.2","ws":8080,"wss":8443}', false)).toBe('ws://10.0.0.2:8080/');
    expect(urlFromBalancer('{"server":"10.0.0.2","ws":8080,"wss":8443}', true)).toBe('wss://10.0.0.2:8443/');
    expect(urlFromBalancer('{"server":"fd00::2","ws":"8080"}', false)).toBe('ws://[fd00::2]:8080/');
  });

  test("this product's JSON is read by its url/secureUrl, which keep the edge's path prefix", () => {
    const answer = JSON.stringify({ server: '10.0.0.2', ws: 8080, wss: null, url: 'ws://10.0.0.2:8080/media', secureUrl: 'wss://origin:8443/proxy/e1' });
    expect(urlFromBalancer(answer, false)).toBe('ws://10.0.0.2:8080/media');
    expect(urlFromBalancer(answer, true)).toBe('wss://origin:8443/proxy/e1');
  });

  test('a bare ws:// answer is used as it is; errors, garbage and a JSON without a port name nothing', () => {
    expect(urlFromBalancer('ws://10.0.0.3:8080\n', false)).toBe('ws://10.0.0.3:8080');
    expect(urlFromBalancer('ERROR: NO_NODE_AVAILABLE: every edge is down', false)).toBeNull();
    expect(urlFromBalancer('{not json', false)).toBeNull();
    expect(urlFromBalancer('{"server":"10.0.0.2","ws":8080,"wss":null}', true)).toBeNull();
  });
});

describe('failureInfo', () => {
  test('gives the strings WCS sends for a missing stream, a taken name and a lost node', () => {
    expect(failureInfo({ code: 'STREAM_NOT_FOUND', message: 'CDN stream not found: "x"' })).toBe('CDN stream not found');
    expect(failureInfo({ code: 'STREAM_NOT_FOUND', message: 'stream "x" ended' })).toBe('Stream not found');
    expect(failureInfo({ code: 'STREAM_NAME_TAKEN', message: 'in use' })).toBe('Stream name is already in use');
    expect(failureInfo({ code: 'CONNECTION_LOST', message: 'lost the connection to node edge1' })).toBe('Stopped by session disconnect');
    expect(failureInfo({ code: 'CONNECTION_LOST', message: 'media connection to node edge1 failed' })).toBe('Failed by ICE error');
    expect(failureInfo({ code: 'INTERNAL', message: 'boom' })).toBe('Failed by error');
  });
});

describe('layerForSize', () => {
  test('picks the largest layer that fits the asked size, knowing the current layer and its frame size', () => {
    // Receiving layer 2 at 1280x720: layer 1 is 640x360, layer 0 320x180.
    expect(layerForSize({ width: 640, height: 360 }, { width: 1280, height: 720 }, 2)).toBe(1);
    expect(layerForSize({ height: 200 }, { width: 1280, height: 720 }, 2)).toBe(0);
    expect(layerForSize({ width: 1920 }, { width: 320, height: 180 }, 0)).toBe(2);
    // Nothing fits: the smallest layer.
    expect(layerForSize({ width: 100 }, { width: 640, height: 360 }, 1)).toBe(0);
  });

  test('reads sizes given as numbers or strings, and ignores the rest', () => {
    expect(sizeOption('640')).toBe(640);
    expect(sizeOption(360)).toBe(360);
    expect(sizeOption(undefined)).toBeUndefined();
    expect(sizeOption('auto')).toBeUndefined();
  });
});

describe('summarizeStats and bytesReceived', () => {
  // A player's report as Chromium gives it once the node probes the bandwidth: mediasoup-client's
  // probator receiver is a second inbound video that never decodes a frame.
  const report = (): RTCStatsReport => {
    const entries: Record<string, unknown>[] = [
      { id: 'v', type: 'inbound-rtp', kind: 'video', mid: '1', ssrc: 31415926, framesDecoded: 240, frameWidth: 1280, bytesReceived: 900_000 },
      { id: 'a', type: 'inbound-rtp', kind: 'audio', mid: '0', ssrc: 27182818, bytesReceived: 40_000 },
      { id: 'p', type: 'inbound-rtp', kind: 'video', mid: 'probator', ssrc: 1234, framesDecoded: 0, frameWidth: 0, bytesReceived: 120_000 },
    ];
    return new Map(entries.map((e) => [e.id as string, e])) as unknown as RTCStatsReport;
  };

  test("a player's video summary is the stream's video, not the bandwidth probes' receiver", () => {
    const video = summarizeStats(report(), false).inboundStream?.video;
    expect(video?.framesDecoded).toBe(240);
    expect(video?.frameWidth).toBe(1280);
    expect(video?.bytesReceived).toBe(900_000);
  });

  test('bytes received count the audio and video, not the padding of the probes', () => {
    expect(bytesReceived(report())).toBe(940_000);
  });
});
