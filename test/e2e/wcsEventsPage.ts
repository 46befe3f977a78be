// The page side of wcsEvents.test.ts: `window.e`, steps written the way a WCS page calls the
// `Flashphoner` global (and nothing else) to publish, send data, mute, and play with a STREAM_EVENT
// handler; installed into a page loaded from the cluster (it loads web/sdk/flashphoner.js).
import type { Page } from 'playwright-core';
import type { Fp, FpSession, FpStream } from './wcsPage';

/** The publisher's stream, with the calls of issue 20 (sendData, muteAudio). */
export interface FpPublished extends FpStream {
  sendData(payload: unknown): Promise<void> | void;
  muteAudio(): void;
  unmuteAudio(): void;
}

export interface EventPage {
  published: FpPublished | null;
  /** Per player key: its publisher's STREAM_EVENTs, as "data <n>" or "<type> <payload.streamName>". */
  events: Record<string, string[]>;
  /** Publishes `name` on `url`; resolves with stream.nodeId() once PUBLISHING. */
  publish(url: string, name: string): Promise<string | null>;
  /** The publisher sends {n} for n = from..to, one every 70 ms (well inside the session's and the stream's rates). */
  send(from: number, to: number): Promise<void>;
  /** Plays `name` on `url` in a <div id=key>, recording its events under `key`; resolves with stream.nodeId() once PLAYING. */
  play(key: string, url: string, name: string): Promise<string | null>;
  /** A session through `lbUrl`, then publish: where the session went, where the stream went, its status. */
  publishVia(url: string, lbUrl: string, name: string): Promise<{ session: string | null; stream: string | null; status: string }>;
  /** Stops every stream and disconnects every session of the page. */
  stopAll(): void;
}

export async function eventPage(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { Flashphoner: Fp; e: EventPage };
    const F = w.Flashphoner;
    F.init({});
    const { SESSION_STATUS, STREAM_STATUS } = F.constants;
    const STREAM_EVENT = F.constants.STREAM_EVENT;
    const sessions: FpSession[] = [];
    const streams: FpStream[] = [];
    const connect = (options: Record<string, unknown>) =>
      new Promise<FpSession>((resolve, reject) => {
        F.createSession(options)
          .on(SESSION_STATUS.ESTABLISHED, (session: FpSession) => {
            sessions.push(session);
            resolve(session);
          })
          .on(SESSION_STATUS.FAILED, (_s: FpSession, data: { info?: string }) => reject(new Error(`session FAILED: ${data?.info}`)));
      });
    const box = (id?: string) => {
      const div = document.createElement('div');
      if (id) div.id = id;
      div.style.cssText = 'width:320px;height:240px';
      document.body.appendChild(div);
      return div;
    };
    const publishOn = (session: FpSession, name: string) =>
      new Promise<FpPublished>((resolve, reject) => {
        const stream = session.createStream({ name, display: box(), receiveAudio: false, receiveVideo: false }) as FpPublished;
        streams.push(stream);
        stream.on(STREAM_STATUS.PUBLISHING, () => resolve(stream)).on(STREAM_STATUS.FAILED, () => reject(new Error(stream.getInfo())));
        stream.publish();
      });
    const e: EventPage = {
      published: null,
      events: {},
      async publish(url, name) {
        const stream = await publishOn(await connect({ urlServer: url }), name);
        e.published = stream;
        return stream.nodeId();
      },
      async send(from, to) {
        for (let n = from; n <= to; n++) {
          await e.published!.sendData({ n });
          await new Promise((r) => setTimeout(r, 70));
        }
      },
      async play(key, url, name) {
        const session = await connect({ urlServer: url });
        const events: string[] = (e.events[key] = []);
        return new Promise((resolve, reject) => {
          const stream = session.createStream({ name, display: box(key) });
          streams.push(stream);
          stream
            .on(STREAM_STATUS.PLAYING, () => resolve(stream.nodeId()))
            .on(STREAM_STATUS.FAILED, () => reject(new Error(stream.getInfo())))
            .on(STREAM_EVENT, (event: { type: string; payload?: { n?: number; streamName?: string } }) => {
              // The publisher's events only (not this player's own: layersChanged, resizeVideo, ...).
              if (event.type === 'data') events.push(`data ${event.payload?.n}`);
              else if (/^(audio|video)(Muted|Unmuted)$/.test(event.type)) events.push(`${event.type} ${event.payload?.streamName}`);
            });
          stream.play();
        });
      },
      async publishVia(url, lbUrl, name) {
        const session = await connect({ urlServer: url, lbUrl });
        const stream = await publishOn(session, name);
        return { session: session.nodeId(), stream: stream.nodeId(), status: stream.status() };
      },
      stopAll() {
        for (const stream of streams.splice(0)) stream.stop();
        for (const session of sessions.splice(0)) session.disconnect();
      },
    };
    w.e = e;
  });
}
