// Viewers of a node through its real play path, receiving into the shared RTP sink: one command
// channel session each (connect, getRouterRtpCapabilities, play over a plain transport,
// connectTransport to a sink port, resumeConsumer), as the SDK's plain-RTP players do. The consumers'
// SSRCs name the viewers in the sink's counts.
import { TestClient } from '../test/helpers/client';

export interface Viewer {
  client: TestClient;
  /** SSRCs of its consumers (video first when both). */
  ssrcs: number[];
  /** The node it plays from, when it followed a redirect. */
  nodeId?: string;
}

/** Plays `stream` on the node at `url` into the sink port; with `follow`, follows one redirect. */
export async function joinViewer(url: string, stream: string, sinkPort: number, follow = false): Promise<Viewer> {
  let client = await TestClient.connect(url);
  let nodeId: string | undefined;
  try {
    let { rtpCapabilities } = await client.request('getRouterRtpCapabilities');
    let answer = await client.request('play', { stream, rtpCapabilities, transport: 'plain' });
    if (answer.redirect) {
      if (!follow) throw new Error(`unexpected redirect to ${answer.redirect.nodeId}`);
      nodeId = answer.redirect.nodeId;
      await client.close();
      client = await TestClient.connect(answer.redirect.url);
      ({ rtpCapabilities } = await client.request('getRouterRtpCapabilities'));
      answer = await client.request('play', { stream, rtpCapabilities, transport: 'plain' });
    }
    await client.request('connectTransport', { transportId: answer.transport.id, ip: '127.0.0.1', port: sinkPort });
    const consumers = [...answer.consumers].sort((a: { kind: string }, b: { kind: string }) => (a.kind === 'video' ? -1 : b.kind === 'video' ? 1 : 0));
    for (const c of consumers) await client.request('resumeConsumer', { consumerId: c.id });
    return { client, ssrcs: consumers.map((c: { rtpParameters: { encodings: { ssrc: number }[] } }) => c.rtpParameters.encodings[0].ssrc), nodeId };
  } catch (err) {
    await client.close();
    throw err;
  }
}

/** Runs `count` tasks, `parallel` at a time. */
export async function inBatches<T>(count: number, parallel: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(parallel, count) }, async () => {
      while (next < count) {
        const i = next++;
        out[i] = await task(i);
      }
    }),
  );
  return out;
}
