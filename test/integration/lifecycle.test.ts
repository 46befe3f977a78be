// close() is idempotent, closes what the object owns, and calls after close fail clearly.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import pino from 'pino';
import { MediaPool } from '../../src/media/MediaPool';
import { StreamRegistry } from '../../src/streams/StreamRegistry';

const logger = pino({ level: 'silent' });

test('a media pool closes its workers once, and refuses work after close', async () => {
  const pool = await MediaPool.create({ workers: 1, rtcMinPort: 47000, rtcMaxPort: 47099, logger });
  const router = pool.pickRouter();
  const transport = await router.createPlainTransport({ listenIp: { ip: '127.0.0.1' } });
  pool.track(router, transport);
  pool.close();
  pool.close();
  expect(pool.closed).toBe(true);
  expect(router.closed).toBe(true);
  expect(transport.closed).toBe(true);
  expect(() => pool.pickRouter()).toThrow('MediaPool is closed');
});

test('closing a stream closes its producers, tells listeners once, and frees the name', async () => {
  const pool = await MediaPool.create({ workers: 1, rtcMinPort: 47100, rtcMaxPort: 47199, logger });
  try {
    const registry = new StreamRegistry();
    const router = pool.pickRouter();
    const stream = registry.create('s', router, { kind: 'local', sessionId: 'x' });
    expect(() => registry.create('s', router, { kind: 'local', sessionId: 'y' })).toThrow(expect.objectContaining({ code: 'STREAM_NAME_TAKEN' }));
    const transport = await router.createPlainTransport({ listenIp: { ip: '127.0.0.1' }, comedia: true, rtcpMux: true });
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
  const pool = await MediaPool.create({ workers: 1, rtcMinPort: 47200, rtcMaxPort: 47299, logger });
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

test('without a configured DTLS certificate the workers use a SHA-256-signed ECDSA one, removed on close', async () => {
  const pool = await MediaPool.create({ workers: 1, rtcMinPort: 47300, rtcMaxPort: 47399, logger });
  const file = pool.dtlsCertificateFile!;
  try {
    const text = execFileSync('openssl', ['x509', '-in', file, '-noout', '-text']).toString();
    expect(text).toMatch(/Signature Algorithm: ecdsa-with-SHA256/);
    const transport = await pool.pickRouter().createWebRtcTransport({ listenIps: [{ ip: '127.0.0.1' }] });
    const sha256 = transport.dtlsParameters.fingerprints.find((f) => f.algorithm === 'sha-256')!.value;
    const expected = execFileSync('openssl', ['x509', '-in', file, '-noout', '-fingerprint', '-sha256']).toString();
    expect(expected.trim().split('=')[1]).toBe(sha256);
  } finally {
    pool.close();
  }
  expect(fs.existsSync(file)).toBe(false);
});

test('players with the same codec list share one router per worker, with each producer piped in once', async () => {
  const pool = await MediaPool.create({ workers: 1, rtcMinPort: 47400, rtcMaxPort: 47499, logger });
  try {
    const source = pool.pickRouter();
    const worker = pool.workerOf(source)!;
    const sender = await source.createPlainTransport({ listenIp: { ip: '127.0.0.1' }, comedia: true, rtcpMux: true });
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
    await Promise.all([a.pipe(source, producer), b.pipe(source, producer)]);
    await a.pipe(source, producer);
    const consumerTransport = await a.router.createPlainTransport({ listenIp: { ip: '127.0.0.1' } });
    const consumer = await consumerTransport.consume({ producerId: producer.id, rtpCapabilities: a.router.rtpCapabilities });
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
