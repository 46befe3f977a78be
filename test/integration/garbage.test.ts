// Every command and relay command fed garbage arguments: each gets an answer with a stable
// client-error code (never INTERNAL, never silence), and the node lives on.
import { ERROR_CODES } from '../../src/errors';
import { METHODS } from '../../src/signaling/protocol';
import { RELAY_METHODS } from '../../src/cluster/relayProtocol';
import { TestClient } from '../helpers/client';
import { GARBAGE } from '../helpers/garbage';
import { type NodeProcess, startNode, TEST_CDN_SECRET } from '../helpers/nodes';
import { openRelay, originHandshake } from '../helpers/relaySocket';

let node: NodeProcess;

beforeAll(async () => {
  // This file is about what garbage gets back, not about the rate limit (limits.test.ts): lifted.
  node = await startNode({
    name: 'garbage',
    props: { 'publish.allow_direct': true, 'limits.session.requests_per_s': 100000, 'limits.session.request_burst': 100000 },
  });
});

afterAll(async () => {
  expect(await node.stop()).toBe(0);
});

/** Well-formed relay commands whose inner parameters mediasoup refuses. */
const RELAY_DEEP: [string, Record<string, unknown>][] = [
  ['relayPipe', { pipeId: 'deep1', ip: '127.0.0.1', port: 9, srtpParameters: { cryptoSuite: 'ROT13', keyBase64: 'x' } }],
  ['relayPipe', { pipeId: 'deep2', ip: 'not-an-ip', port: 9, srtpParameters: { cryptoSuite: 'AES_CM_128_HMAC_SHA1_80', keyBase64: 'x' } }],
  ['relayStream', { stream: 'deep1', relayId: 'r1', pipeId: 'deep1' }],
  [
    'relayPipe',
    {
      pipeId: 'deep3',
      ip: '127.0.0.1',
      port: 9,
      srtpParameters: { cryptoSuite: 'AES_CM_128_HMAC_SHA1_80', keyBase64: 'YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0' },
    },
  ],
  ['relayStream', { stream: 'deep3', relayId: 'r3', pipeId: 'deep3' }],
  ['relayProducer', { stream: 'deep3', producerId: 'p1', kind: 'video', rtpParameters: { codecs: 'no' }, paused: false }],
  [
    'relayProducer',
    {
      stream: 'deep3',
      producerId: 'p2',
      kind: 'video',
      rtpParameters: { codecs: [{ mimeType: 'video/NOPE', payloadType: 300, clockRate: 1 }], encodings: [] },
      paused: false,
    },
  ],
];

test('garbage arguments to every client command get a client-error code and the session stays usable', async () => {
  const client = await TestClient.connect(node.url);
  const codes = new Set<string>();
  for (const method of METHODS) {
    for (const data of GARBAGE) {
      const answer = await client.request(method, data as Record<string, unknown>).then(
        () => 'ok',
        (err: { code: string }) => err.code,
      );
      codes.add(answer);
      expect([...ERROR_CODES, 'ok']).toContain(answer);
      expect(answer).not.toBe('INTERNAL');
    }
  }
  expect(codes.has('BAD_REQUEST')).toBe(true);
  expect(await client.request('getRouterRtpCapabilities')).toHaveProperty('rtpCapabilities');
  await client.close();
  expect((await fetch(`${node.http}/healthz`)).status).toBe(200);
});

test('garbage to every relay command is refused, authenticated or not, and the node lives on', async () => {
  const { ws, binding } = await openRelay(node.relayPort);
  const answers = new Map<number, { ok: boolean; error?: { code: string } }>();
  ws.on('message', (d) => {
    const frame = JSON.parse(d.toString());
    if (typeof frame.id === 'number') answers.set(frame.id, frame); // not the edge's load notifications
  });
  let id = 1;
  for (const method of RELAY_METHODS.filter((m) => m !== 'hello' && m !== 'challenge')) {
    for (const data of GARBAGE) ws.send(JSON.stringify({ id: id++, method, data }));
  }
  await new Promise((r) => setTimeout(r, 500));
  expect(answers.size).toBe(id - 1);
  for (const frame of answers.values()) {
    expect(frame.ok).toBe(false);
    expect(['UNAUTHORIZED', 'BAD_REQUEST']).toContain(frame.error!.code);
  }

  // Authenticated now: garbage still gets client-error codes, never INTERNAL.
  answers.clear();
  const handshake = originHandshake(TEST_CDN_SECRET, binding);
  ws.send(JSON.stringify({ id: 999, method: 'challenge', data: handshake.challenge }));
  await new Promise((r) => setTimeout(r, 200));
  const { nonce } = (answers.get(999) as unknown as { data: { nonce: string } }).data;
  answers.delete(999);
  ws.send(JSON.stringify({ id: 1000, method: 'hello', data: handshake.hello(nonce, 'fuzzer', 'i1') }));
  await new Promise((r) => setTimeout(r, 200));
  expect(answers.get(1000)?.ok).toBe(true);
  id = 1001;
  for (const method of RELAY_METHODS) {
    for (const data of GARBAGE) ws.send(JSON.stringify({ id: id++, method, data }));
  }
  for (const [method, data] of RELAY_DEEP) ws.send(JSON.stringify({ id: id++, method, data }));
  await new Promise((r) => setTimeout(r, 800));
  expect(answers.size).toBe(id - 1000);
  for (const [n, frame] of answers) {
    if (n === 1000 || frame.ok) continue; // deep3's relayPipe and relayStream are well formed and may succeed
    expect(frame.error!.code).not.toBe('INTERNAL');
  }
  expect([...answers.values()].filter((f) => !f.ok).length).toBeGreaterThan(RELAY_METHODS.length * GARBAGE.length);
  ws.close();
  expect((await fetch(`${node.http}/healthz`)).status).toBe(200);
});
