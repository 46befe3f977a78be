// The console's live feed and actions. The feed is server-sent events read with fetch(), not
// EventSource: EventSource cannot send an Authorization header, and the admin token must not go in
// the URL (access logs, history). The token, when the node asks for one, is kept in sessionStorage:
// gone when the tab closes.
'use strict';

(() => {
  const TOKEN_KEY = 'cdnConsoleAdminToken';
  /** No snapshot for this long: the page says its figures are stale (the node sends one a second). */
  const STALE_AFTER_MS = 3000;
  const feedState = document.getElementById('feedState');
  const tokenForm = document.getElementById('tokenForm');
  let lastSnapshotAt = 0;
  let retryTimer = null;

  function headers() {
    const token = sessionStorage.getItem(TOKEN_KEY);
    return token ? { Authorization: 'Bearer ' + token } : {};
  }

  function setFeed(state, text) {
    feedState.dataset.state = state;
    feedState.textContent = text;
  }

  function askToken(message) {
    tokenForm.classList.remove('hidden');
    document.getElementById('tokenError').textContent = message || '';
    setFeed('locked', 'admin token needed');
  }

  tokenForm.addEventListener('submit', (event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, document.getElementById('token').value.trim());
    tokenForm.classList.add('hidden');
    connect();
  });

  /** Splits the event stream into events; calls onEvent(name, data) for each complete one. */
  function eventParser(onEvent) {
    let buffer = '';
    return (chunk) => {
      buffer += chunk;
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let name = 'message';
        const data = [];
        for (const line of block.split('\n')) {
          if (line.startsWith('event:')) name = line.slice(6).trim();
          else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
        }
        if (data.length) onEvent(name, data.join('\n'));
      }
    };
  }

  function retryLater() {
    if (retryTimer) return;
    retryTimer = setTimeout(() => {
      retryTimer = null;
      connect();
    }, 1000);
  }

  async function connect() {
    setFeed('connecting', 'connecting…');
    let response;
    try {
      response = await fetch('rest-api/console/events', { headers: headers(), cache: 'no-store' });
    } catch (err) {
      setFeed('down', 'node unreachable: ' + err.message);
      return retryLater();
    }
    if (response.status === 401) return askToken(sessionStorage.getItem(TOKEN_KEY) ? 'That token was refused.' : '');
    if (!response.ok || !response.body) {
      setFeed('down', 'feed refused: HTTP ' + response.status);
      return retryLater();
    }
    setFeed('live', 'live');
    const parse = eventParser((name, data) => {
      if (name !== 'snapshot') return;
      lastSnapshotAt = Date.now();
      document.body.classList.remove('stale');
      setFeed('live', 'live');
      window.ConsoleView.render(JSON.parse(data));
    });
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        parse(value);
      }
      setFeed('down', 'feed ended; reconnecting');
    } catch (err) {
      setFeed('down', 'feed lost: ' + err.message);
    }
    retryLater();
  }

  // Figures older than a few seconds are shown as such, whatever the reason (node down, network).
  setInterval(() => {
    if (!lastSnapshotAt) return;
    const age = Date.now() - lastSnapshotAt;
    const stale = age > STALE_AFTER_MS;
    document.body.classList.toggle('stale', stale);
    if (stale) setFeed('stale', 'stale: no update for ' + Math.round(age / 1000) + ' s');
  }, 500);

  document.getElementById('reloadBtn').addEventListener('click', async () => {
    const button = document.getElementById('reloadBtn');
    button.disabled = true;
    try {
      const response = await fetch('rest-api/cdn/reload', { method: 'POST', headers: headers() });
      const body = await response.json();
      if (response.status === 401) return askToken('The node refused the token.');
      window.ConsoleView.renderReload(response.ok ? body : { error: body });
    } catch (err) {
      window.ConsoleView.renderReload({ error: { message: 'reload failed: ' + err.message } });
    } finally {
      button.disabled = false;
    }
  });

  void connect();
})();
