// The page side of wcs.test.ts: `window.t`, a few steps written the way a WCS page calls the
// `Flashphoner` global (and nothing else), installed into a page loaded from the cluster. The test
// runs each step with page.evaluate and asserts on what it returns and on the page itself.
import type { Page } from 'playwright-core';

type Callback = (...args: never[]) => void;
/** The part of the Flashphoner API the steps use (web/sdk/flashphoner.js, docs/wcs-migration.md). */
export interface FpStream {
  on(event: string, callback: Callback): FpStream;
  id(): string;
  status(): string;
  getInfo(): string;
  errorCode(): string | null;
  nodeId(): string | null;
  publish(): void;
  play(): void;
  stop(): void;
  setVolume(volume: number): void;
  getVolume(): number;
  muteRemoteAudio(): void;
  unmuteRemoteAudio(): void;
  muteVideo(): void;
  unmuteVideo(): void;
  getRemoteBitrate(): number;
  switchCam(deviceId?: string): Promise<string>;
  switchMic(deviceId?: string): Promise<string>;
  getMediaStream(): MediaStream | null;
  getStats(callback: (stats: { inboundStream?: Record<'audio' | 'video', Record<string, unknown> | undefined> }) => void): Promise<unknown>;
  available(): Promise<FpStream>;
}
export interface FpSession {
  on(event: string, callback: Callback): FpSession;
  nodeId(): string | null;
  getServerUrl(): string;
  createStream(options: Record<string, unknown>): FpStream;
  disconnect(): void;
  sendData(data: unknown): void;
  createCall(options: unknown): void;
}
export interface Fp {
  init(options: Record<string, unknown>): void;
  createSession(options: Record<string, unknown>): FpSession;
  getMediaProviders(): string[];
  Browser: { isChrome(): boolean };
  constants: Record<'SESSION_STATUS' | 'STREAM_STATUS', Record<string, string>> & { STREAM_EVENT: string };
}

export interface Probe {
  /** Statuses of the last played stream, with getInfo() where WCS pages show it. */
  log: string[];
  /** STREAM_EVENT types of the last played stream (with the payload's streamName). */
  events: string[];
  stream: FpStream | null;
  published: FpStream | null;
  publish(name: string): Promise<string>;
  play(name: string): Promise<{ id: string; nodeId: string | null; log: string[] }>;
  volume(): { sdk: number; element: number; mutedAfterMute: boolean; mutedAfterUnmute: boolean };
  stats(): Promise<{ bytesReceived: number; codec: string; width: number; audioBytes: number }>;
  /** A second player with receiveVideo: false; its tracks' kinds once PLAYING, and available(). */
  playAudioOnly(name: string): Promise<{ kinds: string[]; available: string }>;
  /** A player with playWidth/playHeight, unmutePlayOnStart: false and useControls; its <video>'s id once PLAYING. */
  playSized(name: string, width: number, height: number): Promise<{ id: string; muted: boolean; controls: boolean }>;
  /** Publisher: switchCam() with one camera, then switchMic() to the next microphone. */
  switchDevices(): Promise<{ cam: string; micBefore: string; micAfter: string; trackDevice: string; trackLive: boolean }>;
  playMissing(name: string): Promise<{ status: string; info: string; code: string | null; available: string }>;
  refusals(): Promise<string[]>;
  connectVia(lbUrls: string[]): Promise<string[]>;
}

/** Installs `window.t` (replacing an older one) for a session to `urlServer`. */
export async function probe(page: Page, urlServer: string): Promise<void> {
  await page.evaluate((url) => {
    const w = window as unknown as { Flashphoner: Fp; t: Probe };
    const F = w.Flashphoner;
    F.init({});
    const { SESSION_STATUS, STREAM_STATUS } = F.constants;
    const STREAM_EVENT = F.constants.STREAM_EVENT;
    const connect = (options: Record<string, unknown>) =>
      new Promise<FpSession>((resolve, reject) => {
        F.createSession(options)
          .on(SESSION_STATUS.ESTABLISHED, (session: FpSession) => resolve(session))
          .on(SESSION_STATUS.FAILED, (_s: FpSession, data: { info?: string }) => reject(new Error(`session FAILED: ${data?.info}`)));
      });
    const box = () => {
      const div = document.createElement('div');
      div.style.cssText = 'width:320px;height:240px';
      document.body.appendChild(div);
      return div;
    };
    const message = (fn: () => void) => {
      try {
        fn();
        return 'no error';
      } catch (err) {
        return (err as Error).message;
      }
    };
    const t: Probe = {
      log: [],
      events: [],
      stream: null,
      published: null,
      async publish(name) {
        const session = await connect({ urlServer: url });
        return new Promise((resolve, reject) => {
          const stream = session.createStream({ name, display: box(), receiveAudio: false, receiveVideo: false });
          t.published = stream;
          stream.on(STREAM_STATUS.PUBLISHING, () => resolve(stream.status())).on(STREAM_STATUS.FAILED, () => reject(new Error(stream.getInfo())));
          stream.publish();
        });
      },
      async play(name) {
        const session = await connect({ urlServer: url });
        t.log = [];
        t.events = [];
        return new Promise((resolve, reject) => {
          const stream = session.createStream({ name, display: box() });
          t.stream = stream;
          stream
            .on(STREAM_STATUS.PENDING, () =>
              t.log.push(document.getElementById(stream.id()) instanceof HTMLVideoElement ? 'PENDING video' : 'PENDING no video'),
            )
            .on(STREAM_STATUS.PLAYING, () => t.log.push('replaced callback'))
            .on(STREAM_STATUS.PLAYING, () => {
              t.log.push('PLAYING');
              resolve({ id: stream.id(), nodeId: stream.nodeId(), log: [...t.log] });
            })
            .on(STREAM_STATUS.UNPUBLISHED, () => t.log.push('UNPUBLISHED'))
            .on(STREAM_STATUS.STOPPED, () => t.log.push(`STOPPED ${stream.getInfo()}`))
            .on(STREAM_STATUS.FAILED, () => {
              t.log.push(`FAILED ${stream.getInfo()}`);
              reject(new Error(stream.getInfo()));
            })
            .on(STREAM_EVENT, (event: { type: string; payload?: { streamName?: string } }) => {
              t.events.push(event.type + (event.payload?.streamName ? ` streamName=${event.payload.streamName}` : ''));
            });
          stream.play();
        });
      },
      volume() {
        const stream = t.stream!;
        const video = document.getElementById(stream.id()) as HTMLVideoElement;
        stream.setVolume(30);
        const result = { sdk: stream.getVolume(), element: video.volume, mutedAfterMute: false, mutedAfterUnmute: true };
        stream.muteRemoteAudio();
        result.mutedAfterMute = video.muted;
        stream.unmuteRemoteAudio();
        result.mutedAfterUnmute = video.muted;
        return result;
      },
      stats() {
        return new Promise((resolve) => {
          void t.stream!.getStats((stats) => {
            const video = stats.inboundStream?.video ?? {};
            const audio = stats.inboundStream?.audio ?? {};
            resolve({
              bytesReceived: Number(video.bytesReceived),
              codec: String(video.codec),
              width: Number(video.frameWidth),
              audioBytes: Number(audio.bytesReceived),
            });
          });
        });
      },
      async playAudioOnly(name) {
        const session = await connect({ urlServer: url });
        const stream = session.createStream({ name, display: box(), receiveVideo: false });
        await new Promise<void>((resolve, reject) => {
          stream.on(STREAM_STATUS.PLAYING, () => resolve()).on(STREAM_STATUS.FAILED, () => reject(new Error(stream.getInfo())));
          stream.play();
        });
        // Tracks are added as they are consumed: give the last one a moment.
        await new Promise((r) => setTimeout(r, 500));
        const kinds = stream
          .getMediaStream()!
          .getTracks()
          .map((track) => track.kind);
        const available = await stream.available().then(
          () => 'resolved',
          (s: FpStream) => `rejected: ${s.getInfo()}`,
        );
        session.disconnect();
        return { kinds, available };
      },
      async playSized(name, width, height) {
        const session = await connect({ urlServer: url });
        const stream = session.createStream({
          name,
          display: box(),
          playWidth: width,
          playHeight: String(height),
          unmutePlayOnStart: false,
          useControls: true,
        });
        await new Promise<void>((resolve, reject) => {
          stream.on(STREAM_STATUS.PLAYING, () => resolve()).on(STREAM_STATUS.FAILED, () => reject(new Error(stream.getInfo())));
          stream.play();
        });
        const video = document.getElementById(stream.id()) as HTMLVideoElement;
        return { id: stream.id(), muted: video.muted, controls: video.controls };
      },
      async switchDevices() {
        const stream = t.published!;
        const cam = await stream.switchCam().then(
          () => 'switched',
          (err: Error) => err.message,
        );
        const micBefore = String(stream.getMediaStream()!.getAudioTracks()[0].getSettings().deviceId);
        const micAfter = await stream.switchMic();
        const track = stream.getMediaStream()!.getAudioTracks()[0];
        return { cam, micBefore, micAfter, trackDevice: String(track.getSettings().deviceId), trackLive: track.readyState === 'live' };
      },
      async playMissing(name) {
        const session = await connect({ urlServer: url });
        const stream = session.createStream({ name, display: box() });
        await new Promise<void>((resolve) => {
          stream.on(STREAM_STATUS.FAILED, () => resolve()).on(STREAM_STATUS.PLAYING, () => resolve());
          stream.play();
        });
        const result = { status: stream.status(), info: stream.getInfo(), code: stream.errorCode() };
        const available = await stream.available().then(
          () => 'resolved',
          (s: FpStream) => `rejected: ${s.getInfo()}`,
        );
        session.disconnect();
        return { ...result, available };
      },
      async refusals() {
        const session = await connect({ urlServer: url });
        const refused = [message(() => session.sendData({})), message(() => session.createCall({}))];
        session.disconnect();
        return refused;
      },
      async connectVia(lbUrls) {
        const reached: string[] = [];
        for (const lbUrl of lbUrls) {
          const session = await connect({ urlServer: url, lbUrl });
          reached.push(`${session.nodeId()} ${session.getServerUrl()}`);
          session.disconnect();
        }
        return reached;
      },
    };
    w.t = t;
  }, urlServer);
}
