// Hostile request arguments shared by the garbage and fuzz tests: wrong types, huge values,
// prototype-pollution keys, and shapes that are nearly right.

export const GARBAGE: unknown[] = [
  {},
  { stream: null },
  { stream: 42, transportId: [], consumerId: {}, producerId: true },
  { stream: 'ok', rtpCapabilities: 'x', transport: 'webrtc' },
  { stream: 'ok', rtpCapabilities: { codecs: [{ mimeType: 7 }] } },
  { transportId: 'x'.repeat(5000) },
  { transportId: 'nope', kind: 'video', rtpParameters: { codecs: [], encodings: [{}] } },
  { consumerId: 'nope', spatialLayer: -1 },
  { consumerId: 'nope', spatialLayer: 1 },
  { transportId: 'nope', bitrate: 1e12 },
  { transportId: 'nope', dtlsParameters: { role: 'evil', fingerprints: 'no' } },
  { __proto__: { polluted: true }, constructor: { prototype: { x: 1 } } },
  { stream: 'ok', ip: '::::', port: 70000, srtpParameters: 'x', producerId: 'p', kind: 'data', rtpParameters: [], paused: 'no' },
];
