// Two Way Streaming: connect to a node (the origin), publish the camera, play any stream.
// `window.app` exposes the session and streams for tests and for poking at from the console.
'use strict';
const { SESSION_STATUS, STREAM_STATUS, STREAM_EVENT } = CDN;
const $ = (id) => document.getElementById(id);
const app = (window.app = { session: null, publishStream: null, playStream: null });

$('url').value = new URLSearchParams(location.search).get('urlServer') || defaultServerUrl();
$('publishName').value = new URLSearchParams(location.search).get('streamName') || randomName();
$('playName').value = $('publishName').value;
// The Play box follows the published name until someone types in it.
let playNameEdited = false;
$('playName').addEventListener('input', () => (playNameEdited = true));
$('publishName').addEventListener('input', () => {
  if (!playNameEdited) $('playName').value = $('publishName').value;
  updateEmbedLink();
});
updateEmbedLink();

function updateEmbedLink() {
  $('embedLink').href = pageUrl('player.html', { urlServer: $('url').value, streamName: $('publishName').value, autoplay: 'true' });
}

$('connectBtn').onclick = () => {
  if (app.session && app.session.status() === SESSION_STATUS.ESTABLISHED) {
    app.session.disconnect();
    return;
  }
  $('connectBtn').disabled = true;
  showStatus($('connectStatus'), 'PENDING');
  $('connectInfo').textContent = '';
  app.session = CDN.createSession({ urlServer: $('url').value.trim(), clientName: 'two_way_streaming' })
    .on(SESSION_STATUS.ESTABLISHED, (session) => {
      showStatus($('connectStatus'), session.status());
      $('connectInfo').textContent = 'node ' + session.nodeId();
      $('connectBtn').textContent = 'Disconnect';
      $('connectBtn').disabled = false;
      $('publishBtn').disabled = false;
      $('playBtn').disabled = false;
    })
    .on(SESSION_STATUS.DISCONNECTED, () => onDisconnected(SESSION_STATUS.DISCONNECTED, ''))
    .on(SESSION_STATUS.FAILED, (session) => onDisconnected(SESSION_STATUS.FAILED, describeError(session.getErrorInfo())));
};

function onDisconnected(status, info) {
  showStatus($('connectStatus'), status);
  $('connectInfo').textContent = info;
  $('connectInfo').className = 'info' + (info ? ' bad' : '');
  $('connectBtn').textContent = 'Connect';
  $('connectBtn').disabled = false;
  $('publishBtn').disabled = true;
  $('playBtn').disabled = true;
  $('publishBtn').textContent = 'Publish';
  $('playBtn').textContent = 'Play';
}

$('publishBtn').onclick = () => {
  const active = app.publishStream && [STREAM_STATUS.PENDING, STREAM_STATUS.PUBLISHING].includes(app.publishStream.status());
  if (active) {
    $('publishBtn').disabled = true;
    app.publishStream.stop();
    return;
  }
  $('publishBtn').disabled = true;
  $('publishInfo').textContent = '';
  app.publishStream = app.session
    .createStream({ name: $('publishName').value.trim(), display: $('localVideo'), simulcast: $('simulcast').checked })
    .on(STREAM_STATUS.PENDING, (s) => showStatus($('publishStatus'), s.status()))
    .on(STREAM_STATUS.PUBLISHING, (s) => {
      showStatus($('publishStatus'), s.status());
      $('publishInfo').textContent = 'on node ' + s.nodeId();
      $('publishBtn').textContent = 'Stop';
      $('publishBtn').disabled = false;
    })
    .on(STREAM_STATUS.UNPUBLISHED, (s) => publishEnded(s, ''))
    .on(STREAM_STATUS.FAILED, (s) => publishEnded(s, describeError(s.getErrorInfo())))
    .publish();
};

function publishEnded(stream, info) {
  showStatus($('publishStatus'), stream.status());
  $('publishInfo').textContent = info;
  $('publishInfo').className = 'info' + (info ? ' bad' : '');
  $('publishBtn').textContent = 'Publish';
  $('publishBtn').disabled = !app.session || app.session.status() !== SESSION_STATUS.ESTABLISHED;
}

$('playBtn').onclick = () => {
  const s = app.playStream;
  if (s && s.status() !== STREAM_STATUS.STOPPED && s.status() !== STREAM_STATUS.FAILED) {
    s.stop();
    return;
  }
  $('playInfo').textContent = '';
  $('playBtn').textContent = 'Stop';
  app.playStream = app.session
    .createStream({ name: $('playName').value.trim(), display: $('remoteVideo') })
    .on(STREAM_STATUS.PENDING, (st) => showStatus($('playStatus'), st.status()))
    .on(STREAM_STATUS.PLAYING, (st) => {
      showStatus($('playStatus'), st.status());
      setPlayInfo('from node ' + st.nodeId(), false);
    })
    .on(STREAM_STATUS.NOT_ENOUGH_BANDWIDTH, (st) => {
      showStatus($('playStatus'), st.status());
      setPlayInfo('Your connection is too slow for this stream.', true);
    })
    .on(STREAM_STATUS.UNPUBLISHED, (st) => {
      showStatus($('playStatus'), st.status());
      setPlayInfo('The stream has ended; waiting for it to come back…', false);
    })
    .on(STREAM_EVENT.RETRYING, (st, r) => {
      const why = r.reason.code === 'STREAM_NOT_FOUND' ? 'Waiting for the stream' : 'Connection lost';
      setPlayInfo(why + ', retrying (' + r.attempt + '/' + r.maxRetries + ')…', r.reason.code !== 'STREAM_NOT_FOUND');
    })
    .on(STREAM_STATUS.STOPPED, (st) => {
      showStatus($('playStatus'), st.status());
      setPlayInfo('', false);
      $('playBtn').textContent = 'Play';
    })
    .on(STREAM_STATUS.FAILED, (st) => {
      showStatus($('playStatus'), st.status());
      setPlayInfo(describeError(st.getErrorInfo()), true);
      $('playBtn').textContent = 'Play';
    })
    .play();
};

function setPlayInfo(text, bad) {
  $('playInfo').textContent = text;
  $('playInfo').className = 'info' + (bad ? ' bad' : '');
}
