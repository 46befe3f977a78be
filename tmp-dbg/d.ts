import { TestClient } from '../test/helpers/client';
import { edgesXml, until } from '../test/helpers/nodes';
import { AUDIO_RTP_PARAMETERS, VIDEO_PT, VIDEO_RTP_PARAMETERS } from '../test/helpers/rtp';
import { Generator } from '../bench/generator';
import { startBenchNode } from '../bench/node';
async function main() {
  const edge = await startBenchNode({ name: 'edge1', props: { 'log.level': 'info' } });
  const origin = await startBenchNode({ name: 'origin', props: { load_balancing_enabled: true, 'log.level': 'info' }, xml: edgesXml([{ id: 'edge1', port: edge.port, relayPort: edge.relayPort }]) });
  const gen = new Generator(20, 3_600_000);
  try {
    await until(async () => (await (await fetch(`${origin.http}/rest-api/cdn/show_routes`)).json()).edges.every((e: { state: string }) => e.state === 'up'), 10000);
    const c = await TestClient.connect(origin.url);
    const { transport } = await c.request('publish', { stream: 's', transport: 'plain' });
    await c.request('produce', { transportId: transport.id, kind: 'video', rtpParameters: VIDEO_RTP_PARAMETERS(300000) });
    await c.request('produce', { transportId: transport.id, kind: 'audio', rtpParameters: AUDIO_RTP_PARAMETERS(300001) });
    await c.request('connectTransport', { transportId: transport.id, ip: '127.0.0.1', port: await gen.port() });
    const src = gen.add({ target: { ip: transport.ip, port: transport.port }, videoSsrc: 300000, audioSsrc: 300001, rate: 10, packetBytes: 300, audioRate: 10 });
    await new Promise((r) => setTimeout(r, 1500));
    const p = await TestClient.connect(edge.url);
    const t0 = performance.now();
    const { receiver } = await p.playRtp('s', { noRedirect: true });
    try { await receiver.waitFor(1, VIDEO_PT, 5000); console.log('first video after', performance.now() - t0); } catch (e) { console.log('FAIL', (e as Error).message, 'any', receiver.count(), 'sent', src.sent); }
    console.log(receiver.packets.slice(0, 3));
    await p.close(); await receiver.close(); await c.close();
  } finally {
    await gen.close(); await origin.stop(); await edge.stop();
    console.log(origin.output().split('\n').filter((l) => /warn|error/i.test(l)).slice(0, 5).join('\n'));
  }
}
main();
