// Embed Player: player.html?urlServer=ws://origin:8080/&streamName=NAME&autoplay=true plays one
// stream full-window (fit for an <iframe>); without streamName it asks for one. Written the way
// the WCS Web SDK's Embed Player is (global `Flashphoner`); the SDK follows the origin's redirect
// to an edge, and with this product's `failover: true` moves to another edge by itself, so the
// page also says which node it plays from, which simulcast layer, and why it is retrying.
// `window.player` mirrors the state for tests: {status, nodeId, layers, error, retrying, stream}.
'use strict';
const SESSION_STATUS = Flashphoner.constants.SESSION_STATUS;
const STREAM_STATUS = Flashphoner.constants.STREAM_STATUS;
const STREAM_EVENT = Flashphoner.constants.STREAM_EVENT;
const STREAM_EVENT_TYPE = Flashphoner.constants.STREAM_EVENT_TYPE;
const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const state = (window.player = { status: 'NEW', nodeId: null, layers: null, error: null, retrying: null, stream: null, session: null, events: [] });

const urlServer = params.get('urlServer') || defaultServerUrl();
const streamName = params.get('streamName');
const autoplay = params.get('autoplay') === 'true';
const retryIntervalMs = Number(params.get('retryIntervalMs')) || undefined;
// Caps what the node sends this player (bits/s, at least 30000).
const maxBitrate = Number(params.get('maxBitrate')) || undefined;

initPage();

function initPage() {
  try {
    Flashphoner.init({});
  } catch (e) {
    $('overlay').classList.remove('hidden');
    setMessage('This browser cannot play WebRTC: ' + e.message);
    $('playBtn').disabled = true;
    return;
  }
  $('volume').oninput = () => {
    const stream = state.stream;
    if (!stream) return;
    if (stream.isRemoteAudioMuted()) stream.unmuteRemoteAudio();
    stream.setVolume(Number($('volume').value));
    updateUnmute(stream);
  };
  $('unmuteBtn').onclick = () => {
    if (!state.stream) return;
    state.stream.unmuteRemoteAudio();
    updateUnmute(state.stream);
  };
  $('fullScreenBtn').onclick = () => state.stream && state.stream.fullScreen();
  if (!streamName) {
    $('form').classList.remove('hidden');
    $('url').value = urlServer;
    $('playForm').onsubmit = (ev) => {
      ev.preventDefault();
      $('form').classList.add('hidden');
      start($('url').value.trim(), $('streamName').value.trim());
    };
    return;
  }
  $('overlay').classList.remove('hidden');
  if (autoplay) start(urlServer, streamName);
  else {
    setMessage('Press Play to watch "' + streamName + '".');
    $('playBtn').onclick = () => start(urlServer, streamName);
  }
}

/** A short history of what happened, for tests and for a look from the console. */
function note(event, detail) {
  state.events.push({ at: Date.now(), event, detail });
  if (state.events.length > 200) state.events.shift();
}

function set(status) {
  note(status);
  state.status = status;
  document.body.dataset.status = status;
  showStatus($('status'), status);
}

function setMessage(text) {
  $('message').textContent = text;
}

function setNode(nodeId) {
  state.nodeId = nodeId;
  document.body.dataset.node = nodeId || '';
  $('node').textContent = nodeId ? 'from ' + nodeId : '';
  $('node').classList.toggle('hidden', !nodeId);
}

function setControls(playing) {
  $('volume').classList.toggle('hidden', !playing);
  $('fullScreenBtn').classList.toggle('hidden', !playing);
  if (!playing) $('unmuteBtn').classList.add('hidden');
}

/** Plays on the session to `url`: the one already open if it goes there, as WCS's player does. */
function start(url, name) {
  state.stream = null;
  state.error = null;
  $('playBtn').textContent = 'Stop';
  $('playBtn').onclick = stop;
  set('PENDING');
  setMessage('Connecting…');
  const open = Flashphoner.getSessions()[0];
  if (open && open.getServerUrl() === url && open.status() === SESSION_STATUS.ESTABLISHED) {
    playStream(open, name);
    return;
  }
  if (open) {
    // Silence the old session first (`on` replaces its callbacks), then let it go.
    open.on(SESSION_STATUS.DISCONNECTED, () => {}).on(SESSION_STATUS.FAILED, () => {});
    open.disconnect();
  }
  state.session = Flashphoner.createSession({ urlServer: url, clientName: 'embed_player' })
    .on(SESSION_STATUS.ESTABLISHED, (session) => playStream(session, name))
    .on(SESSION_STATUS.FAILED, (session, data) => {
      state.error = { code: 'CONNECTION_FAILED', message: (data && data.info) || 'no connection' };
      set('FAILED');
      setMessage(describeError(state.error) + ' (' + url + ')');
      offerPlay(url, name);
    })
    .on(SESSION_STATUS.DISCONNECTED, () => {
      // A player on an edge plays on without the origin, and failover reconnects to the origin by
      // itself; only a session lost before play matters here.
      if (state.stream) return;
      set('FAILED');
      setMessage('Connection to the server closed.');
      offerPlay(url, name);
    });
}

function playStream(session, name) {
  setMessage('Looking for "' + name + '"…');
  state.session = session;
  const stream = session
    .createStream({ name, display: $('display'), failover: true, retryIntervalMs, maxBitrate })
    .on(STREAM_STATUS.PENDING, () => set('PENDING'))
    .on(STREAM_STATUS.PLAYING, (s) => {
      set('PLAYING');
      state.error = null;
      state.retrying = null;
      setMessage('');
      setControls(true);
      s.setVolume(Number($('volume').value));
      updateUnmute(s);
    })
    .on(STREAM_STATUS.NOT_ENOUGH_BANDWIDTH, () => {
      set('NOT_ENOUGH_BANDWIDTH');
      setMessage('Your connection is too slow for this stream.');
    })
    .on(STREAM_STATUS.UNPUBLISHED, () => {
      set('UNPUBLISHED');
      setControls(false);
      setMessage('The stream has ended; waiting for it to come back…');
    })
    .on(STREAM_STATUS.STOPPED, (s) => {
      set('STOPPED');
      setControls(false);
      // "Stopped by publisher stop" when the publisher ended it, as WCS says.
      setMessage(s.getInfo() === Flashphoner.constants.STREAM_STATUS_INFO.STOPPED_BY_PUBLISHER_STOP ? 'The stream has ended.' : '');
      setNode(null);
      offerPlay(session.getServerUrl(), name);
    })
    .on(STREAM_STATUS.FAILED, (s) => {
      state.error = { code: s.errorCode(), message: s.getErrorInfo(), info: s.getInfo() };
      set('FAILED');
      setControls(false);
      setNode(null);
      setMessage(describeError(state.error));
      offerPlay(session.getServerUrl(), name);
    })
    .on(STREAM_EVENT, (event) => onStreamEvent(event));
  state.stream = stream;
  stream.play();
}

function onStreamEvent(event) {
  switch (event.type) {
    case STREAM_EVENT_TYPE.NODE_CHANGED:
      setNode(event.payload.nodeId);
      note('NODE_CHANGED', event.payload.nodeId);
      return;
    case STREAM_EVENT_TYPE.LAYERS_CHANGED: {
      const layers = event.payload;
      state.layers = layers;
      $('layers').textContent = layers ? 'layer ' + layers.spatialLayer + (layers.temporalLayer !== undefined ? '.' + layers.temporalLayer : '') : '';
      $('layers').classList.toggle('hidden', !layers);
      return;
    }
    case STREAM_EVENT_TYPE.RETRYING: {
      const retry = event.payload;
      state.retrying = retry;
      note('RETRYING', retry.attempt + ' ' + retry.reason.code + ': ' + retry.reason.message);
      const lost = retry.reason.code !== 'STREAM_NOT_FOUND';
      if (lost) setNode(null);
      setMessage((lost ? 'Connection lost, retrying' : 'Stream not found, retrying') + ' (' + retry.attempt + '/' + retry.maxRetries + ')…');
      return;
    }
    case STREAM_EVENT_TYPE.UNMUTE_REQUIRED:
      // The browser refused to start with sound: the SDK plays muted, we offer to unmute.
      $('unmuteBtn').classList.remove('hidden');
      return;
    default:
      return;
  }
}

function stop() {
  set('STOPPED');
  setNode(null);
  setControls(false);
  if (state.stream) state.stream.stop();
  offerPlay(urlServer, streamName || (state.stream && state.stream.name()));
}

function offerPlay(url, name) {
  $('playBtn').textContent = 'Play';
  $('playBtn').onclick = () => start(url, name);
}

function updateUnmute(stream) {
  $('unmuteBtn').classList.toggle('hidden', !stream.isRemoteAudioMuted());
}
