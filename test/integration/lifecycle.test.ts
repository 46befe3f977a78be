// close() is idempotent, closes what the object owns, and calls after close fail clearly.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type * as ms from 'mediasoup/types';
import pino from 'pino';
import { MediaPool } from '../../src/media/MediaPool';
import { StreamRegistry } from '../../src/streams/StreamRegistry';

const logger = pino({ level: 'silent' });

/** A pool's port range (100 ports from `from`), and where this file's own transports listen in it. */
function ports(from: number): { portRange: ms.TransportPortRange; listenInfo: ms.TransportListenInfo } {
  const portRange = { min: from, max: from + 99 };
  return { portRange, listenInfo: { protocol: 'udp', ip: '127.0.0.1', portRange } };
}

test('a media pool closes its workers once, and refuses work after close', async () => {
  const pool = await MediaPool.create({ workers: 1, portRange: ports(47000).portRange, logger });
  const router = pool.pickRouter();
  const transport = await router.createPlainTransport({ listenInfo: ports(47000).listenInfo });
  pool.track(router, transport);
  pool.close();
  pool.close();
  expect(pool.closed).toBe(true);
  expect(router.closed).toBe(true);
  expect(transport.closed).toBe(true);
  expect(() => pool.pickRouter()).toThrow('MediaPool is closed');
});

test('closing a stream closes its producers, tells listeners once, and frees the name', async () => {
  const pool = await MediaPool.create({ workers: 1, portRange: ports(47100).portRange, logger });
  try {
    const registry = new StreamRegistry();
    const router = pool.pickRouter();
    const stream = registry.create('s', router, { kind: 'local', sessionId: 'x' });
    expect(() => registry.create('s', router, { kind: 'local', sessionId: 'y' })).toThrow(expect.objectContaining({ code: 'STREAM_NAME_TAKEN' }));
    const transport = await router.createPlainTransport({ listenInfo: ports(47100).listenInfo, comedia: true, rtcpMux: true });
    const producer = await transport.produce({
      kind: 'video',
      rtpParameters: { codecs: [{ mimeType: 'video/VP8', payloadType: 101, clockRate: 90000 }], encodings: [{ ssrc: 1 }] },
    });
    stream.addProducer(producer);
    expect(stream.status).toBe('PUBLISHING');
    const removed = jest.fn();
    registry.on('remove', removed);
    stream.close();
    stream.close();
    expect(producer.closed).toBe(true);
    expect(stream.status).toBe('UNPUBLISHED');
    expect(removed).toHaveBeenCalledTimes(1);
    expect(registry.get('s')).toBeUndefined();
    expect(() => stream.addProducer(producer)).toThrow('stream s is closed');
    registry.create('s', router, { kind: 'local', sessionId: 'z' });
  } finally {
    pool.close();
  }
});

test('a listener that throws is logged and does not stop the other listeners', async () => {
  const registry = new StreamRegistry();
  const pool = await MediaPool.create({ workers: 1, portRange: ports(47200).portRange, logger });
  const errors = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    const seen: string[] = [];
    registry.on('add', () => {
      throw new Error('bad listener');
    });
    registry.on('add', (s) => seen.push(s.name));
    registry.create('t', pool.pickRouter(), { kind: 'local', sessionId: 'x' });
    expect(seen).toEqual(['t']);
    expect(errors.mock.calls.some((c) => String(c[0]).includes('bad listener'))).toBe(true);
  } finally {
    errors.mockRestore();
    pool.close();
  }
});

test('a configured DTLS certificate (dtls.cert_file / dtls.key_file) is the one the workers use', async () => {
  // Without one, each worker uses its own (mediasoup makes an ECDSA P-256 one signed with SHA-256;
  // test/e2e/whipWhep.test.ts reads it from Chromium's side of the handshake).
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdn-dtls-test-'));
  const certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=dtls-test',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    {
      stdio: 'ignore',
    },
  );
  const pool = await MediaPool.create({ workers: 1, portRange: ports(47300).portRange, dtlsCertificateFile: certFile, dtlsPrivateKeyFile: keyFile, logger });
  try {
    const transport = await pool.pickRouter().createWebRtcTransport({ listenInfos: [ports(47300).listenInfo] });
    const sha256 = transport.dtlsParameters.fingerprints.find((f) => f.algorithm === 'sha-256')!.value;
    const expected = execFileSync('openssl', ['x509', '-in', certFile, '-noout', '-fingerprint', '-sha256']).toString();
    expect(expected.trim().split('=')[1]).toBe(sha256);
  } finally {
    pool.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('players with the same codec list share one router per worker, with each producer piped in once', async () => {
  const pool = await MediaPool.create({ workers: 1, portRange: ports(47400).portRange, logger });
  try {
    const source = pool.pickRouter();
    const worker = pool.workerOf(source)!;
    const sender = await source.createPlainTransport({ listenInfo: ports(47400).listenInfo, comedia: true, rtcpMux: true });
    const producer = await sender.produce({
      kind: 'video',
      rtpParameters: { codecs: [{ mimeType: 'video/VP8', payloadType: 101, clockRate: 90000 }], encodings: [{ ssrc: 7 }] },
    });
    const codecs = [{ kind: 'video' as const, mimeType: 'video/VP8', clockRate: 90000, preferredPayloadType: 96 }];
    const a = await pool.codecRouters.acquire(worker, codecs);
    const b = await pool.codecRouters.acquire(worker, codecs);
    const other = await pool.codecRouters.acquire(worker, [{ ...codecs[0], preferredPayloadType: 120 }]);
    expect(a.router).toBe(b.router);
    expect(other.router).not.toBe(a.router);
    const [piped, again] = await Promise.all([a.pipe(source, producer), b.pipe(source, producer)]);
    expect(again).toBe(piped);
    expect(await a.pipe(source, producer)).toBe(piped);
    // One worker: the pipe producer has an id of its own (a worker refuses a second producer
    // with an id it has).
    expect(piped.id).not.toBe(producer.id);
    const consumerTransport = await a.router.createPlainTransport({ listenInfo: ports(47400).listenInfo });
    const consumer = await consumerTransport.consume({ producerId: piped.id, rtpCapabilities: a.router.rtpCapabilities });
    expect(consumer.rtpParameters.codecs[0].payloadType).toBe(96);
    a.release();
    a.release();
    expect(b.router.closed).toBe(false);
    b.release();
    expect(b.router.closed).toBe(true);
    other.release();
    expect(pool.codecRouters.size).toBe(0);
  } finally {
    pool.close();
  }
});
