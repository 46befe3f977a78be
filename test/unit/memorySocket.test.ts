// The in-memory socket pair behaves like a WebSocket where the relay core can tell: frames arrive
// later and in order, close reaches the other end with its code and reason, and a Peer runs on it.
import pino from 'pino';
import { AppError } from '../../src/errors';
import { Peer } from '../../src/rpc/Peer';
import { ABNORMAL_CLOSURE, memorySocketPair } from '../helpers/memorySocket';
import { until } from '../helpers/until';

const logger = pino({ level: 'silent' });
const nextTick = () => new Promise((r) => setImmediate(r));
const closeOf = (socket: { once(e: 'close', l: (code: number, reason: Buffer) => void): unknown }) =>
  new Promise<[number, string]>((resolve) => socket.once('close', (code, reason) => resolve([code, reason.toString()])));

test('the client end opens on a later tick and frames arrive on a later tick, in order', async () => {
  const { client, server } = memorySocketPair();
  expect(client.readyState).toBe(0);
  expect(() => client.send('too early')).toThrow('not open');
  await new Promise((r) => client.once('open', r));
  const got: string[] = [];
  server.on('message', (data: Buffer) => got.push(data.toString()));
  client.send('one');
  client.send('two');
  expect(got).toEqual([]);
  await nextTick();
  await nextTick();
  expect(got).toEqual(['one', 'two']);
});

test('closing one end closes the other with the same code and reason, after the frames sent before it', async () => {
  const { client, server } = memorySocketPair();
  await new Promise((r) => client.once('open', r));
  const got: string[] = [];
  server.on('message', (data: Buffer) => got.push(data.toString()));
  const serverClosed = closeOf(server);
  const clientClosed = closeOf(client);
  client.send('last words');
  client.close(4001, 'going away');
  expect(await serverClosed).toEqual([4001, 'going away']);
  expect(await clientClosed).toEqual([4001, 'going away']);
  expect(got).toEqual(['last words']);
  expect([client.readyState, server.readyState]).toEqual([3, 3]);
});

test('terminating one end drops both with 1006', async () => {
  const { client, server } = memorySocketPair();
  const serverClosed = closeOf(server);
  const clientClosed = closeOf(client);
  server.terminate();
  expect((await serverClosed)[0]).toBe(ABNORMAL_CLOSURE);
  expect((await clientClosed)[0]).toBe(ABNORMAL_CLOSURE);
});

test('a held end gets nothing until released, then everything in order', async () => {
  const { client, server } = memorySocketPair();
  await new Promise((r) => client.once('open', r));
  const got: string[] = [];
  server.on('message', (data: Buffer) => got.push(data.toString()));
  server.hold();
  client.send('a');
  client.send('b');
  await new Promise((r) => setTimeout(r, 20));
  expect(got).toEqual([]);
  server.release();
  await until(() => got.length === 2, 1000, 'the held frames');
  expect(got).toEqual(['a', 'b']);
});

test('two Peers on a pair answer requests, keep their heartbeat, and refuse requests after the close', async () => {
  const { client, server } = memorySocketPair();
  const caller = new Peer(client, { logger, heartbeatMs: 10 });
  const answerer = new Peer(server, { logger, heartbeatMs: 10 });
  answerer.setRequestHandler(async (req) => {
    if (req.method === 'fail') throw new AppError('STREAM_NOT_FOUND', 'no such stream');
    return { echo: req.data.text };
  });
  await new Promise((r) => client.once('open', r));
  expect(await caller.request('echo', { text: 'hi' })).toEqual({ echo: 'hi' });
  await expect(caller.request('fail')).rejects.toMatchObject({ code: 'STREAM_NOT_FOUND' });
  // Several heartbeat intervals pass: pongs come back, so neither side terminates the link.
  await new Promise((r) => setTimeout(r, 60));
  expect([caller.closed, answerer.closed]).toEqual([false, false]);
  const closed = new Promise<number>((r) => answerer.once('close', (code) => r(code)));
  caller.close(1000, 'done');
  expect(await closed).toBe(1000);
  await expect(caller.request('echo')).rejects.toMatchObject({ code: 'NODE_CLOSING' });
});

test('a Peer whose other end stops answering pings terminates the link', async () => {
  const { client, server } = memorySocketPair();
  const caller = new Peer(client, { logger, heartbeatMs: 10 });
  await new Promise((r) => client.once('open', r));
  server.hold();
  const closed = new Promise<number>((r) => caller.once('close', (code) => r(code)));
  expect(await closed).toBe(ABNORMAL_CLOSURE);
});
