// Plain RTP only where it is safe, on real nodes: a plain player cannot point a stream at another
// address (no reflection), a stranger's packets cannot capture a plain publisher's transport, the
// allow-list opens chosen destinations, and rtp.plain_enabled=false refuses plain RTP altogether.
import dgram from 'node:dgram';
import { TestClient } from '../helpers/client';
import { Cleanup } from '../helpers/cluster';
import { type NodeProcess, startNode } from '../helpers/nodes';
import { RtpReceiver, RtpSender, VIDEO_PT, VIDEO_RTP_PARAMETERS } from '../helpers/rtp';

// Standalone nodes (no cdn_secret): clients publish on them directly.
let node: NodeProcess;
let lan: NodeProcess;
const cleanup = new Cleanup();

function track<T extends { close(): Promise<unknown> }>(x: T): T {
  return cleanup.track(x);
}

/** A UDP socket on another loopback address (127.0.0.2): a third party the node must not send to. */
async function bystander(): Promise<{ port: number; received: () => number; close(): Promise<void> }> {
  const socket = dgram.createSocket('udp4');
  let received = 0;
  socket.on('message', () => received++);
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.2', () => resolve()));
  return { port: socket.address().port, received: () => received, close: () => new Promise<void>((r) => socket.close(() => r())) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  [node, lan] = await Promise.all([
    startNode({ name: 'plain', props: { cdn_secret: '' } }),
    startNode({ name: 'plain-lan', props: { cdn_secret: '', 'rtp.plain_allowed_destinations': '127.0.0.2' } }),
  ]);
}, 30000);

afterEach(() => cleanup.run());

afterAll(async () => {
  expect(await Promise.all([node.stop(), lan.stop()])).toEqual([0, 0]);
});

test('a plain player cannot point a stream at another address: NOT_ALLOWED, and nothing reaches that address', async () => {
  const publisher = track(await TestClient.connect(node.url));
  track(await publisher.publishRtp('reflect'));
  const victim = track(await bystander());
  const player = track(await TestClient.connect(node.url));
  const { rtpCapabilities } = await player.request('getRouterRtpCapabilities');
  const answer = await player.request('play', { stream: 'reflect', rtpCapabilities, transport: 'plain' });
  for (const ip of ['127.0.0.2', '255.255.255.255', '224.0.0.1', '169.254.169.254']) {
    await expect(player.request('connectTransport', { transportId: answer.transport.id, ip, port: victim.port })).rejects.toMatchObject({
      code: 'NOT_ALLOWED',
      message: expect.stringContaining('rtp.plain_allowed_destinations'),
    });
  }
  for (const c of answer.consumers) await player.request('resumeConsumer', { consumerId: c.id });
  await sleep(500);
  expect(victim.received()).toBe(0);
  // Its own address is fine.
  const receiver = track(await RtpReceiver.create());
  await player.request('connectTransport', { transportId: answer.transport.id, ip: '127.0.0.1', port: receiver.port });
  await receiver.waitFor(10, VIDEO_PT);
});

test('rtp.plain_allowed_destinations lets a plain player send to a listed address', async () => {
  const publisher = track(await TestClient.connect(lan.url));
  track(await publisher.publishRtp('tolan'));
  const listed = track(await bystander());
  const player = track(await TestClient.connect(lan.url));
  const { rtpCapabilities } = await player.request('getRouterRtpCapabilities');
  const answer = await player.request('play', { stream: 'tolan', rtpCapabilities, transport: 'plain' });
  await player.request('connectTransport', { transportId: answer.transport.id, ip: '127.0.0.2', port: listed.port });
  for (const c of answer.consumers) await player.request('resumeConsumer', { consumerId: c.id });
  const deadline = Date.now() + 5000;
  while (listed.received() < 10 && Date.now() < deadline) await sleep(50);
  expect(listed.received()).toBeGreaterThanOrEqual(10);
});

test("a stranger's packets sent to a plain publisher's port before (and after) the publisher's own do not capture the stream", async () => {
  const publisher = track(await TestClient.connect(node.url));
  const { transport } = await publisher.request('publish', { stream: 'latch', transport: 'plain' });
  const ssrc = 4242;
  await publisher.request('produce', { transportId: transport.id, kind: 'video', rtpParameters: VIDEO_RTP_PARAMETERS(ssrc) });
  const player = track(await TestClient.connect(node.url));
  const { receiver } = await player.playRtp('latch');
  cleanup.add(async () => receiver.close());

  // The stranger knows the port and the SSRC, and sends first.
  const stranger = track(new RtpSender({ ip: transport.ip, port: transport.port }, { video: ssrc }));
  stranger.start(10);
  await sleep(600);
  expect(receiver.count(VIDEO_PT)).toBe(0);

  // The real publisher names its source; only its packets get through.
  const real = track(new RtpSender({ ip: transport.ip, port: transport.port }, { video: ssrc }));
  await publisher.request('connectTransport', { transportId: transport.id, ip: '127.0.0.1', port: await real.bind() });
  real.start(10);
  await receiver.waitFor(20, VIDEO_PT);
  await real.close();
  await sleep(300);
  const afterPublisherStopped = receiver.count(VIDEO_PT);
  await sleep(600);
  expect(receiver.count(VIDEO_PT)).toBe(afterPublisherStopped);
  expect(stranger.sent).toBeGreaterThan(100);
});

test('a plain publisher naming a source other than its own address is refused', async () => {
  const publisher = track(await TestClient.connect(node.url));
  const { transport } = await publisher.request('publish', { stream: 'spoof', transport: 'plain' });
  await expect(publisher.request('connectTransport', { transportId: transport.id, ip: '127.0.0.2', port: 5004 })).rejects.toMatchObject({
    code: 'NOT_ALLOWED',
  });
});

test('with rtp.plain_enabled=false plain RTP is refused for publishers and players, WebRTC still works', async () => {
  const closed = await startNode({ name: 'no-plain', props: { cdn_secret: '', 'rtp.plain_enabled': false } });
  cleanup.add(() => closed.stop());
  const client = track(await TestClient.connect(closed.url));
  await expect(client.request('publish', { stream: 'p', transport: 'plain' })).rejects.toMatchObject({
    code: 'NOT_ALLOWED',
    message: expect.stringContaining('rtp.plain_enabled'),
  });
  const { transport } = await client.request('publish', { stream: 'p', transport: 'webrtc' });
  expect(transport.kind).toBe('webrtc');
  const { rtpCapabilities } = await client.request('getRouterRtpCapabilities');
  await expect(client.request('play', { stream: 'p', rtpCapabilities, transport: 'plain' })).rejects.toMatchObject({ code: 'NOT_ALLOWED' });
});
