// Two Way Streaming, written the way the WCS Web SDK's example is (global `Flashphoner`):
// Flashphoner.init(), createSession().on(SESSION_STATUS...), session.createStream().on(STREAM_STATUS...)
// and publish()/play(). What WCS has no call for comes from this product's extensions: the node a
// session or stream is on (nodeId()), and failover for the Play box (failover: true).
// `window.app` exposes the session and streams for tests and for poking at from the console.
'use strict';
const SESSION_STATUS = Flashphoner.constants.SESSION_STATUS;
const STREAM_STATUS = Flashphoner.constants.STREAM_STATUS;
const STREAM_EVENT = Flashphoner.constants.STREAM_EVENT;
const STREAM_EVENT_TYPE = Flashphoner.constants.STREAM_EVENT_TYPE;
const $ = (id) => document.getElementById(id);
const app = (window.app = { session: null, publishStream: null, playStream: null });

initPage();

function initPage() {
  try {
    Flashphoner.init({});
  } catch (e) {
    $('connectInfo').textContent = 'This browser cannot publish or play WebRTC: ' + e.message;
    $('connectBtn').disabled = true;
    return;
  }
  const params = new URLSearchParams(location.search);
  $('url').value = params.get('urlServer') || defaultServerUrl();
  $('publishName').value = params.get('streamName') || randomName();
  $('playName').value = $('publishName').value;
  // The Play box follows the published name until someone types in it.
  let playNameEdited = false;
  $('playName').addEventListener('input', () => (playNameEdited = true));
  $('publishName').addEventListener('input', () => {
    if (!playNameEdited) $('playName').value = $('publishName').value;
    updateEmbedLink();
  });
  $('playVolume').addEventListener('input', () => {
    const stream = app.playStream;
    if (!stream) return;
    if (stream.isRemoteAudioMuted()) stream.unmuteRemoteAudio();
    stream.setVolume(Number($('playVolume').value));
  });
  $('connectBtn').onclick = connectBtnClick;
  $('publishBtn').onclick = publishBtnClick;
  $('playBtn').onclick = playBtnClick;
  updateEmbedLink();
}

function updateEmbedLink() {
  $('embedLink').href = pageUrl('player.html', { urlServer: $('url').value, streamName: $('publishName').value, autoplay: 'true' });
}

function connectBtnClick() {
  if (app.session && app.session.status() === SESSION_STATUS.ESTABLISHED) {
    app.session.disconnect();
    return;
  }
  $('connectBtn').disabled = true;
  showStatus($('connectStatus'), SESSION_STATUS.PENDING);
  $('connectInfo').textContent = '';
  app.session = Flashphoner.createSession({ urlServer: $('url').value.trim(), clientName: 'two_way_streaming' })
    .on(SESSION_STATUS.ESTABLISHED, (session) => {
      showStatus($('connectStatus'), session.status());
      $('connectInfo').textContent = 'node ' + session.nodeId();
      $('connectBtn').textContent = 'Disconnect';
      $('connectBtn').disabled = false;
      $('publishBtn').disabled = false;
      $('playBtn').disabled = false;
    })
    .on(SESSION_STATUS.DISCONNECTED, () => onDisconnected(SESSION_STATUS.DISCONNECTED, ''))
    .on(SESSION_STATUS.FAILED, (session, data) =>
      onDisconnected(SESSION_STATUS.FAILED, describeError({ code: 'CONNECTION_FAILED', message: data && data.info })),
    );
}

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

/** Words for a person: the product's messages by error code, else the WCS info string. */
function streamError(stream) {
  return describeError({ code: stream.errorCode(), message: stream.getInfo() || stream.getErrorInfo() });
}

function publishBtnClick() {
  const active = app.publishStream && [STREAM_STATUS.PENDING, STREAM_STATUS.PUBLISHING].includes(app.publishStream.status());
  $('publishBtn').disabled = true;
  if (active) {
    app.publishStream.stop();
    return;
  }
  $('publishInfo').textContent = '';
  app.publishStream = app.session
    .createStream({
      name: $('publishName').value.trim(),
      display: $('localVideo'),
      receiveAudio: false,
      receiveVideo: false,
      simulcast: $('simulcast').checked,
    })
    .on(STREAM_STATUS.PENDING, (stream) => showStatus($('publishStatus'), stream.status()))
    .on(STREAM_STATUS.PUBLISHING, (stream) => {
      showStatus($('publishStatus'), stream.status());
      $('publishInfo').textContent = 'on node ' + stream.nodeId();
      $('publishInfo').className = 'info';
      $('publishBtn').textContent = 'Stop';
      $('publishBtn').disabled = false;
    })
    .on(STREAM_STATUS.UNPUBLISHED, (stream) => publishEnded(stream, ''))
    .on(STREAM_STATUS.FAILED, (stream) => publishEnded(stream, streamError(stream)));
  app.publishStream.publish();
}

function publishEnded(stream, info) {
  showStatus($('publishStatus'), stream.status());
  $('publishInfo').textContent = info;
  $('publishInfo').className = 'info' + (info ? ' bad' : '');
  $('publishBtn').textContent = 'Publish';
  $('publishBtn').disabled = !app.session || app.session.status() !== SESSION_STATUS.ESTABLISHED;
}

function playBtnClick() {
  const current = app.playStream;
  if (current && current.status() !== STREAM_STATUS.STOPPED && current.status() !== STREAM_STATUS.FAILED) {
    current.stop();
    return;
  }
  $('playInfo').textContent = '';
  $('playBtn').textContent = 'Stop';
  app.playStream = app.session
    .createStream({ name: $('playName').value.trim(), display: $('remoteVideo'), failover: true })
    .on(STREAM_STATUS.PENDING, (stream) => showStatus($('playStatus'), stream.status()))
    .on(STREAM_STATUS.PLAYING, (stream) => {
      showStatus($('playStatus'), stream.status());
      stream.setVolume(Number($('playVolume').value));
      setPlayInfo('from node ' + stream.nodeId(), false);
    })
    .on(STREAM_STATUS.NOT_ENOUGH_BANDWIDTH, (stream) => {
      showStatus($('playStatus'), stream.status());
      setPlayInfo('Your connection is too slow for this stream.', true);
    })
    .on(STREAM_STATUS.UNPUBLISHED, (stream) => {
      showStatus($('playStatus'), stream.status());
      setPlayInfo('The stream has ended; waiting for it to come back…', false);
    })
    .on(STREAM_STATUS.STOPPED, (stream) => {
      showStatus($('playStatus'), stream.status());
      setPlayInfo('', false);
      $('playBtn').textContent = 'Play';
    })
    .on(STREAM_STATUS.FAILED, (stream) => {
      showStatus($('playStatus'), stream.status());
      setPlayInfo(streamError(stream), true);
      $('playBtn').textContent = 'Play';
    })
    .on(STREAM_EVENT, (event) => {
      if (event.type !== STREAM_EVENT_TYPE.RETRYING) return;
      const retry = event.payload;
      const waiting = retry.reason.code === 'STREAM_NOT_FOUND';
      setPlayInfo((waiting ? 'Waiting for the stream' : 'Connection lost') + ', retrying (' + retry.attempt + '/' + retry.maxRetries + ')…', !waiting);
    });
  app.playStream.play();
}

function setPlayInfo(text, bad) {
  $('playInfo').textContent = text;
  $('playInfo').className = 'info' + (bad ? ' bad' : '');
}
