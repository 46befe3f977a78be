// Two pages written the way WCS's own examples are (Streamer and Stream Recording): the server
// URL is `ws://<page host>:<port>/<8 random characters>`, the stream name is that last path
// segment, and everything goes through the `Flashphoner` global loaded from the node. Served by
// the test from its own loopback port, as a WCS user's site would serve them; `?wsPort=` stands for
// WCS's fixed 8080 (the test's node listens on a free port).
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** The part both pages share: WCS's setURL(), createUUID() and the status line. */
const COMMON = `
  var SESSION_STATUS, STREAM_STATUS;
  function setURL() {
    var port = new URLSearchParams(window.location.search).get('wsPort') || '8080';
    return 'ws://' + window.location.hostname + ':' + port;
  }
  function createUUID(length) {
    var chars = '0123456789abcdef', out = '';
    for (var i = 0; i < length; i++) out += chars.charAt(Math.floor(Math.random() * chars.length));
    return out;
  }
  function field(id) { return document.getElementById(id).value; }
  function setStatus(status, info) {
    document.getElementById('status').textContent = status;
    if (status === 'PUBLISHING') document.getElementById('info').textContent = '';
    else if (status === 'FAILED' && info) document.getElementById('info').textContent = info;
  }
  function button(text, onClick) {
    var b = document.getElementById('publishBtn');
    b.textContent = text;
    b.disabled = false;
    b.onclick = function () { b.disabled = true; onClick(); };
  }
`;

/** WCS's Streamer: publishes the camera, and once PUBLISHING plays it back as a preview from the server. */
const STREAMER = `
  var localVideo, remoteVideo;
  function init_page() {
    Flashphoner.init();
    SESSION_STATUS = Flashphoner.constants.SESSION_STATUS;
    STREAM_STATUS = Flashphoner.constants.STREAM_STATUS;
    localVideo = document.getElementById('localVideo');
    remoteVideo = document.getElementById('remoteVideo');
    document.getElementById('url').value = setURL() + '/' + createUUID(8);
    onStopped();
  }
  function onStopped() { button('Start', start); }
  function onStarted(publishStream, previewStream) { button('Stop', function () { previewStream.stop(); }); }
  function start() {
    if (Flashphoner.getSessions().length > 0) return startStreaming(Flashphoner.getSessions()[0]);
    Flashphoner.createSession({ urlServer: field('url') })
      .on(SESSION_STATUS.ESTABLISHED, function (session) { startStreaming(session); })
      .on(SESSION_STATUS.DISCONNECTED, function () { setStatus(SESSION_STATUS.DISCONNECTED); onStopped(); })
      .on(SESSION_STATUS.FAILED, function () { setStatus(SESSION_STATUS.FAILED); onStopped(); });
  }
  function startStreaming(session) {
    var streamName = field('url').split('/')[3];
    session.createStream({ name: streamName, display: localVideo, cacheLocalResources: true, receiveVideo: false, receiveAudio: false })
      .on(STREAM_STATUS.PUBLISHING, function (publishStream) {
        setStatus(STREAM_STATUS.PUBLISHING);
        session.createStream({ name: streamName, display: remoteVideo })
          .on(STREAM_STATUS.PLAYING, function (previewStream) { onStarted(publishStream, previewStream); })
          .on(STREAM_STATUS.STOPPED, function () { publishStream.stop(); })
          .on(STREAM_STATUS.FAILED, function (stream) {
            if (publishStream.status() === STREAM_STATUS.PUBLISHING) { setStatus(STREAM_STATUS.FAILED, stream.getInfo()); publishStream.stop(); }
          })
          .play();
      })
      .on(STREAM_STATUS.UNPUBLISHED, function () { setStatus(STREAM_STATUS.UNPUBLISHED); onStopped(); })
      .on(STREAM_STATUS.FAILED, function (stream) { setStatus(STREAM_STATUS.FAILED, stream.getInfo()); onStopped(); })
      .publish();
  }
`;

/** WCS's Stream Recording: publishes with record: true and offers the recording's link when it ends. */
const RECORDING = `
  var localVideo;
  function init_page() {
    Flashphoner.init();
    SESSION_STATUS = Flashphoner.constants.SESSION_STATUS;
    STREAM_STATUS = Flashphoner.constants.STREAM_STATUS;
    localVideo = document.getElementById('localVideo');
    document.getElementById('url').value = setURL() + '/' + createUUID(8);
    onStopped();
  }
  function onStopped() { button('Start', startRecording); }
  function onStarted(stream) { button('Stop', function () { stream.stop(); }); }
  function startRecording() {
    var url = field('url');
    if (Flashphoner.getSessions().length > 0) {
      var session = Flashphoner.getSessions()[0];
      if (session.getServerUrl() === url) return publishStream(session);
      session.on(SESSION_STATUS.DISCONNECTED, function () {});
      session.on(SESSION_STATUS.FAILED, function () {});
      session.disconnect();
    }
    Flashphoner.createSession({ urlServer: url })
      .on(SESSION_STATUS.ESTABLISHED, function (session) { setStatus(session.status()); publishStream(session); })
      .on(SESSION_STATUS.DISCONNECTED, function () { setStatus(SESSION_STATUS.DISCONNECTED); onStopped(); })
      .on(SESSION_STATUS.FAILED, function () { setStatus(SESSION_STATUS.FAILED); onStopped(); });
  }
  function publishStream(session) {
    var streamName = field('url').split('/')[3];
    session.createStream({ name: streamName, display: localVideo, record: true, receiveVideo: false, receiveAudio: false })
      .on(STREAM_STATUS.PUBLISHING, function (stream) { setStatus(stream.status()); onStarted(stream); })
      .on(STREAM_STATUS.UNPUBLISHED, function (stream) { setStatus(stream.status()); showDownloadLink(stream.getRecordInfo()); onStopped(); })
      .on(STREAM_STATUS.FAILED, function (stream) { setStatus(stream.status(), stream.getInfo()); showDownloadLink(stream.getRecordInfo()); onStopped(); })
      .publish();
  }
  function showDownloadLink(name) {
    if (name) document.getElementById('link').textContent = '/client/records/' + name;
  }
`;

function page(title: string, sdk: string, script: string, extra: string): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${title}</title><script src="${sdk}"></script></head>
<body onload="init_page()">
  <input id="url" size="60"> <button id="publishBtn" disabled>Start</button>
  <div id="localVideo" style="width:320px;height:240px"></div>
  ${extra}
  <div>Status: <span id="status"></span> <span id="info"></span> <a id="link"></a></div>
  <script>${COMMON}${script}</script>
</body></html>`;
}

export interface ExampleSite {
  /** Base URL of the site, e.g. http://127.0.0.1:PORT; pages at /streamer.html and /recording.html. */
  url: string;
  close(): Promise<void>;
}

/** Serves the two pages on a free loopback port; their SDK comes from `nodeHttp` (the node's /sdk/flashphoner.js). */
export async function serveExamples(nodeHttp: string): Promise<ExampleSite> {
  const sdk = `${nodeHttp}/sdk/flashphoner.js`;
  const pages: Record<string, string> = {
    '/streamer.html': page('Streamer', sdk, STREAMER, '<div id="remoteVideo" style="width:320px;height:240px"></div>'),
    '/recording.html': page('Stream Recording', sdk, RECORDING, ''),
  };
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/favicon.ico') return void res.writeHead(204).end(); // no icon, and no 404 in the page's console
    const body = pages[path];
    res.writeHead(body ? 200 : 404, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(body ?? 'not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
