// Helpers shared by the demo pages (plain browser JavaScript, loaded before the page script).
'use strict';

/** The command channel of the node that served this page: same host, same path prefix. */
function defaultServerUrl() {
  const dir = location.pathname.replace(/[^/]*$/, '');
  return (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + dir;
}

/** A URL of another page next to this one (keeps any path prefix). */
function pageUrl(file, params) {
  const url = new URL(file, location.href);
  for (const [k, v] of Object.entries(params || {})) url.searchParams.set(k, v);
  return url.toString();
}

/** Words for a person, by error code; the SDK's message is the fallback. */
function describeError(info) {
  if (!info) return '';
  switch (info.code) {
    case 'STREAM_NOT_FOUND':
      return 'Stream not found.';
    case 'STREAM_NAME_TAKEN':
      return 'A stream with this name is already being published.';
    case 'CONNECTION_FAILED':
      return 'Cannot reach the server.';
    case 'CONNECTION_LOST':
      return 'Connection lost.';
    case 'MEDIA_ACCESS_FAILED':
      return 'Cannot open the camera or microphone. ' + info.message;
    case 'CANNOT_CONSUME':
      return "This browser cannot play the stream's codecs.";
    case 'TOO_MANY_CONNECTIONS':
      return 'The server is full; try again later.';
    case 'BAD_REQUEST':
      return 'Invalid request: ' + info.message;
    default:
      return info.message || info.code;
  }
}

/** Shows a status word with a colour class (ok / warn / bad). */
function showStatus(el, status) {
  el.textContent = status;
  el.className =
    'status ' +
    ({
      ESTABLISHED: 'ok',
      PUBLISHING: 'ok',
      PLAYING: 'ok',
      PENDING: 'warn',
      UNPUBLISHED: 'warn',
      NOT_ENOUGH_BANDWIDTH: 'warn',
      STOPPED: '',
      DISCONNECTED: '',
      FAILED: 'bad',
    }[status] || '');
}

function randomName() {
  return 'stream-' + Math.random().toString(36).slice(2, 7);
}
