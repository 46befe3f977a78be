// Embed Player: player.html?urlServer=ws://origin:8080/&streamName=NAME&autoplay=true plays one
// stream full-window (fit for an <iframe>); without streamName it asks for one. The SDK follows
// the origin's redirect to an edge and fails over by itself; this page only says what happens.
// `window.player` mirrors the state for tests: {status, nodeId, layers, error, retrying, stream}.
'use strict';
const { SESSION_STATUS, STREAM_STATUS, STREAM_EVENT } = CDN;
const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const state = (window.player = { status: 'NEW', nodeId: null, layers: null, error: null, retrying: null, stream: null, session: null, events: [] });

/** A short history of what happened, for tests and for a look from the console. */
function note(event, detail) {
  state.events.push({ at: Date.now(), event, detail });
  if (state.events.length > 200) state.events.shift();
}

const urlServer = params.get('urlServer') || defaultServerUrl();
const streamName = params.get('streamName');
const autoplay = params.get('autoplay') === 'true';
const retryIntervalMs = Number(params.get('retryIntervalMs')) || undefined;
// Caps what the node sends this player (bits/s, at least 1000000 with mediasoup 3.8.4).
const maxBitrate = Number(params.get('maxBitrate')) || undefined;

if (!streamName) {
  $('form').classList.remove('hidden');
  $('url').value = urlServer;
  $('playForm').onsubmit = (ev) => {
    ev.preventDefault();
    $('form').classList.add('hidden');
    start($('url').value.trim(), $('streamName').value.trim());
  };
} else {
  $('overlay').classList.remove('hidden');
  if (autoplay) start(urlServer, streamName);
  else {
    setMessage('Press Play to watch "' + streamName + '".');
    $('playBtn').onclick = () => start(urlServer, streamName);
  }
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

function start(url, name) {
  state.stream = null;
  $('overlay').classList.remove('hidden');
  $('playBtn').textContent = 'Stop';
  $('playBtn').onclick = stop;
  set('PENDING');
  setMessage('Connecting…');
  state.error = null;
  state.session = CDN.createSession({ urlServer: url, clientName: 'embed_player' })
    .on(SESSION_STATUS.ESTABLISHED, (session) => play(session, name))
    .on(SESSION_STATUS.FAILED, (session) => {
      state.error = session.getErrorInfo();
      set('FAILED');
      setMessage(describeError(state.error) + ' (' + url + ')');
      offerPlay(url, name);
    })
    .on(SESSION_STATUS.DISCONNECTED, (session) => {
      // Ignore sessions we closed ourselves. A player on an edge plays on without the origin, and
      // failover reconnects to the origin by itself; only a session lost before play matters.
      if (session !== state.session || state.stream) return;
      set('FAILED');
      setMessage('Connection to the server closed.');
      offerPlay(url, name);
    });
}

function play(session, name) {
  setMessage('Looking for "' + name + '"…');
  state.stream = session
    .createStream({ name, display: $('display'), retryIntervalMs, maxBitrate })
    .on(STREAM_STATUS.PENDING, () => set('PENDING'))
    .on(STREAM_STATUS.PLAYING, () => {
      set('PLAYING');
      state.error = null;
      state.retrying = null;
      setMessage('');
      updateUnmute();
    })
    .on(STREAM_STATUS.NOT_ENOUGH_BANDWIDTH, () => {
      set('NOT_ENOUGH_BANDWIDTH');
      setMessage('Your connection is too slow for this stream.');
    })
    .on(STREAM_STATUS.UNPUBLISHED, () => {
      set('UNPUBLISHED');
      setMessage('The stream has ended; waiting for it to come back…');
    })
    .on(STREAM_EVENT.NODE_CHANGED, (s, nodeId) => {
      setNode(nodeId);
      note('NODE_CHANGED', nodeId);
    })
    .on(STREAM_EVENT.LAYERS_CHANGED, (s, layers) => {
      state.layers = layers;
      $('layers').textContent = layers ? 'layer ' + layers.spatialLayer + (layers.temporalLayer !== undefined ? '.' + layers.temporalLayer : '') : '';
      $('layers').classList.toggle('hidden', !layers);
    })
    .on(STREAM_EVENT.RETRYING, (s, r) => {
      state.retrying = r;
      note('RETRYING', r.attempt + ' ' + r.reason.code + ': ' + r.reason.message);
      const lost = r.reason.code !== 'STREAM_NOT_FOUND';
      if (lost) setNode(null);
      setMessage((lost ? 'Connection lost, retrying' : 'Stream not found, retrying') + ' (' + r.attempt + '/' + r.maxRetries + ')…');
    })
    .on(STREAM_STATUS.STOPPED, () => {
      set('STOPPED');
      setMessage('');
      setNode(null);
    })
    .on(STREAM_STATUS.FAILED, (s) => {
      state.error = s.getErrorInfo();
      set('FAILED');
      setNode(null);
      setMessage(describeError(state.error));
      offerPlay(session.getServerUrl(), name);
    })
    .play();
}

function stop() {
  const session = state.session;
  state.session = null;
  if (session) session.disconnect();
  set('STOPPED');
  setNode(null);
  offerPlay(urlServer, streamName || (state.stream && state.stream.name()));
}

function offerPlay(url, name) {
  if (state.session && state.status === 'FAILED') {
    const session = state.session;
    state.session = null;
    session.disconnect();
  }
  $('playBtn').textContent = 'Play';
  $('playBtn').onclick = () => start(url, name);
}

// Browsers may refuse to autoplay sound; the SDK then plays muted and we offer to unmute.
function updateUnmute() {
  const video = $('display').querySelector('video');
  const muted = !!(video && video.muted);
  $('unmuteBtn').classList.toggle('hidden', !muted);
  $('unmuteBtn').onclick = () => {
    video.muted = false;
    $('unmuteBtn').classList.add('hidden');
  };
}
