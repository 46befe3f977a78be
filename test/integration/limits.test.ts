// WebSocket hygiene on a real node: the connection cap refuses handshakes with HTTP 503, and the
// heartbeat terminates a client that stopped answering pings.
import WebSocket from 'ws';
import { TestClient } from '../helpers/client';
import { type NodeProcess, startNode, until } from '../helpers/nodes';

let node: NodeProcess;

beforeAll(async () => {
  node = await startNode({ name: 'limits', props: { max_connections: 2, 'ws.heartbeat_ms': 200, 'publish.allow_direct': true } });
});

afterAll(async () => {
  expect(await node.stop()).toBe(0);
});

async function connectionCount(): Promise<number> {
  return (await (await fetch(`${node.http}/rest-api/connection/find_all`, { method: 'POST' })).json()).length;
}

test('a handshake beyond max_connections is refused with HTTP 503 and TOO_MANY_CONNECTIONS', async () => {
  const a = await TestClient.connect(node.url);
  const b = await TestClient.connect(node.url);
  const ws = new WebSocket(node.url);
  const refused = await new Promise<{ status: number; body: string }>((resolve) =>
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }),
  );
  expect(refused.status).toBe(503);
  expect(refused.body).toContain('TOO_MANY_CONNECTIONS');
  await a.close();
  await until(async () => (await connectionCount()) < 2);
  const c = await TestClient.connect(node.url);
  await Promise.all([b.close(), c.close()]);
});

test('a client that stops answering pings is terminated by the heartbeat', async () => {
  await until(async () => (await connectionCount()) === 0);
  const client = await TestClient.connect(node.url);
  expect(await connectionCount()).toBe(1);
  // Stop reading the socket: pings go unanswered, as with a vanished peer.
  (client.ws as unknown as { _socket: { pause(): void } })._socket.pause();
  const ms = await until(async () => (await connectionCount()) === 0, 3000, 'the dead client to be dropped');
  expect(ms).toBeLessThan(3000);
  client.ws.terminate();
});

test('an exhausted media port range is answered with MEDIA_UNAVAILABLE, and freed ports are used again', async () => {
  // Three ports: one for the publisher's plain transport, two for players.
  const small = await startNode({ name: 'small', props: { media_port_from: 48900, media_port_to: 48902, 'publish.allow_direct': true } });
  const open: { close(): Promise<unknown> }[] = [];
  try {
    const connect = async () => {
      const c = await TestClient.connect(small.url);
      open.push(c);
      return c;
    };
    const publisher = await connect();
    open.push(await publisher.publishRtp('tight'));
    const [p1, p2, p3] = [await connect(), await connect(), await connect()];
    open.push((await p1.playRtp('tight')).receiver);
    open.push((await p2.playRtp('tight')).receiver);
    await expect(p3.playRtp('tight')).rejects.toMatchObject({ code: 'MEDIA_UNAVAILABLE' });
    await until(() => /"level":40.*MEDIA_UNAVAILABLE/.test(small.output()), 3000, 'the warning in the log');
    await p1.request('stop', { stream: 'tight' });
    const r3 = (await p3.playRtp('tight')).receiver;
    open.push(r3);
    await r3.waitFor(5);
  } finally {
    for (const x of open.reverse()) await x.close();
    expect(await small.stop()).toBe(0);
  }
});
