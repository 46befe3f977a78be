// Draws a console snapshot (src/http/consoleModel.ts) into the page: the cluster map, the streams
// and the node list. Edge cards are kept between snapshots (only their figures are redrawn), so
// each card's chart survives the one-second updates.
'use strict';

window.ConsoleView = (() => {
  const { el, bitrate, percent, ago, clock } = window.ConsoleFormat;
  const cards = new Map();

  /** replaceChildren without the nulls of optional parts (replaceChildren would write them as "null"). */
  function fill(host, ...children) {
    host.replaceChildren(...children.filter((c) => c !== null && c !== undefined && c !== false));
  }

  function stateBadge(state, stale) {
    return el('span', { class: 'state state-' + state + (stale ? ' stale' : '') }, state);
  }

  function figure(label, value) {
    return el('div', { class: 'figure' }, el('span', { class: 'label' }, label), el('span', { class: 'value' }, value));
  }

  /** A node's load figures (the origin's box and each edge's card show the same five). */
  function nodeFigures(node) {
    return el(
      'div',
      { class: 'figures' },
      figure('CPU', Math.round(node.cpuLoad * 100) + ' %'),
      figure('players', node.players),
      figure('streams', node.streams),
      figure('in', bitrate(node.bitrateIn)),
      figure('out', bitrate(node.bitrateOut)),
    );
  }

  function renderOrigin(snap) {
    const n = snap.node;
    const box = document.getElementById('originBox');
    const title = n.role === 'origin' ? 'origin' : n.role;
    fill(
      box,
      el('div', { class: 'node-head' }, el('strong', {}, n.id), el('span', { class: 'role' }, title + (n.mode ? ' · ' + n.mode : ''))),
      nodeFigures(n),
      n.origins.length ? el('div', { class: 'info' }, 'linked origins: ', n.origins.map((o) => o.originId + ' (' + o.streams + ' streams)').join(', ')) : null,
      // Several origins: each one, whether its link to this origin is up, and the streams it holds.
      n.peers && n.peers.length
        ? el(
            'div',
            { class: 'info', 'data-peers': '' },
            'origins: ',
            n.peers.map((p) => p.id + ' (' + (p.self ? 'this one' : p.state) + ', ' + p.streams + ' streams)').join(', '),
          )
        : null,
    );
    document.getElementById('nodeTitle').textContent = n.id + ' · ' + title;
  }

  function cardFor(edge) {
    let card = cards.get(edge.id);
    if (!card) {
      const info = el('div', { class: 'edge-info' });
      const relays = el('div', { class: 'relays' });
      const chart = el('div', { class: 'chart' });
      const root = el('article', { class: 'edge', 'data-edge': edge.id }, info, relays, chart);
      card = { root, info, relays, chart };
      cards.set(edge.id, card);
    }
    return card;
  }

  function renderEdge(edge, snap) {
    const card = cardFor(edge);
    card.root.dataset.state = edge.state;
    card.root.classList.toggle('is-stale', edge.stale);
    fill(
      card.info,
      el(
        'div',
        { class: 'node-head' },
        el('strong', {}, edge.id),
        stateBadge(edge.state, false),
        edge.stale ? el('span', { class: 'stale-tag' }, 'stale') : null,
      ),
      el('div', { class: 'since' }, edge.state + ' since ' + clock(edge.since) + ' (' + ago(edge.since, snap.at) + ')'),
      edge.lastError ? el('div', { class: 'info bad' }, edge.lastError) : null,
      nodeFigures(edge),
    );
    fill(
      card.relays,
      ...snap.streams.map((s) => {
        const r = s.edges.find((x) => x.id === edge.id);
        const view = r ? r.relay : 'none';
        return el(
          'div',
          { class: 'relay relay-' + view, 'data-stream': s.name, 'data-edge': edge.id, 'data-relay': view, title: r && r.reason ? r.reason : view },
          el('span', { class: 'relay-name' }, s.name),
          el('span', { class: 'relay-state' }, view === 'none' ? 'not relayed' : view),
          // On-demand edges: a stream a player pulled there, rather than one every edge is pushed.
          r && r.held === 'pulled' ? el('span', { class: 'relay-held' }, 'pulled') : null,
          // Relay tiers: the relay that feeds this node.
          r && r.via && r.relay !== 'none' ? el('span', { class: 'relay-held' }, 'via ' + r.via) : null,
          r && r.reason ? el('span', { class: 'relay-reason' }, r.reason) : null,
        );
      }),
    );
    return card;
  }

  function renderClusters(snap) {
    const host = document.getElementById('clusters');
    const groups = snap.clusters.map((c) =>
      el(
        'div',
        { class: 'cluster', 'data-cluster': c.name },
        el('h3', {}, 'cluster ' + c.name),
        el(
          'div',
          { class: 'edges' },
          ...c.edges.map(
            (id) =>
              renderEdge(
                snap.edges.find((e) => e.id === id),
                snap,
              ).root,
          ),
        ),
      ),
    );
    fill(host, ...groups);
    if (snap.edges.length === 0)
      fill(
        host,
        el(
          'p',
          { class: 'info' },
          snap.node.role === 'origin' ? 'loadbalancing.xml lists no edge.' : 'This node is not an origin: the cluster map is on the origin.',
        ),
      );
    for (const id of [...cards.keys()]) if (!snap.edges.some((e) => e.id === id)) cards.delete(id);
    window.ConsoleCharts.update(snap.edges, snap.at, (id) => cards.get(id).chart);
  }

  function renderStreams(snap) {
    document.getElementById('noStreams').classList.toggle('hidden', snap.streams.length > 0);
    const rows = snap.streams.map((s) =>
      el(
        'article',
        { class: 'stream', 'data-stream': s.name },
        el(
          'div',
          { class: 'node-head' },
          el('strong', {}, s.name),
          el('span', { class: 'state' }, s.status),
          el('span', { class: 'info' }, bitrate(s.bitrate)),
        ),
        el('div', { class: 'info' }, 'publisher: ' + s.publisher + ' · since ' + clock(s.since) + ' · players here: ' + s.players),
        el(
          'ul',
          { class: 'tracks' },
          ...s.tracks.map((t) =>
            el(
              'li',
              {},
              t.kind +
                ' ' +
                t.codec.replace(/^\w+\//, '') +
                (t.paused ? ' (paused)' : '') +
                ' · ' +
                bitrate(t.bitrate) +
                (t.kind === 'video' ? ' · layers: ' + (t.layers.join(', ') || 'none arriving') : ''),
            ),
          ),
        ),
        s.edges.length
          ? el(
              'div',
              { class: 'table-wrap' },
              el(
                'table',
                { class: 'per-edge' },
                el(
                  'thead',
                  {},
                  el(
                    'tr',
                    {},
                    el('th', {}, 'edge'),
                    el('th', {}, 'relay'),
                    el('th', {}, 'players'),
                    el('th', {}, 'bitrate'),
                    el('th', {}, 'loss'),
                    el('th', {}, 'retransmitted'),
                  ),
                ),
                el(
                  'tbody',
                  {},
                  ...s.edges.map((r) =>
                    el(
                      'tr',
                      { 'data-edge': r.id },
                      el('td', {}, r.id),
                      el(
                        'td',
                        { class: 'relay-' + r.relay },
                        (r.relay === 'none' ? 'not relayed' : r.relay) +
                          (r.held ? ' (' + r.held + (r.via ? ' via ' + r.via : '') + ')' : '') +
                          (r.reason ? ': ' + r.reason : ''),
                      ),
                      el('td', {}, r.players === null ? '–' : r.players),
                      el('td', {}, bitrate(r.bitrate)),
                      el('td', {}, r.packetsLost === null ? '–' : r.packetsLost + ' (' + percent(r.lossRatio) + ')'),
                      el('td', {}, r.packetsRetransmitted === null ? '–' : r.packetsRetransmitted),
                    ),
                  ),
                ),
              ),
            )
          : null,
      ),
    );
    fill(document.getElementById('streams'), ...rows);
  }

  function renderNodeList(snap) {
    const body = document.querySelector('#nodeList tbody');
    fill(
      body,
      ...snap.edges.map((e) =>
        el(
          'tr',
          { 'data-edge': e.id },
          el('td', {}, e.id),
          el('td', {}, e.cluster),
          el('td', {}, el('code', {}, e.url)),
          el('td', {}, stateBadge(e.state, e.stale)),
        ),
      ),
    );
    document.getElementById('reloadBtn').disabled = snap.node.role !== 'origin';
  }

  function render(snap) {
    renderOrigin(snap);
    renderClusters(snap);
    renderStreams(snap);
    renderNodeList(snap);
  }

  /** The outcome of POST rest-api/cdn/reload: what changed, or where the file is broken. */
  function renderReload(result) {
    const host = document.getElementById('reloadResult');
    if (result.error) {
      const e = result.error;
      fill(
        host,
        el(
          'div',
          { class: 'reload-error', 'data-outcome': 'error' },
          el('strong', {}, 'Reload refused, nothing changed. '),
          e.file ? e.file + (e.line ? ':' + e.line : '') + (e.key ? ' · ' + e.key : '') + ' · ' : '',
          e.reason || e.message,
        ),
      );
      return;
    }
    const list = (label, ids) => el('li', { class: 'change-' + label }, el('strong', {}, label + ': '), ids.length ? ids.join(', ') : 'none');
    fill(
      host,
      el(
        'div',
        { class: 'reload-ok', 'data-outcome': 'ok' },
        el('div', {}, 'Reloaded at ' + clock(Date.now())),
        el('ul', {}, list('added', result.edges.added), list('removed', result.edges.removed), list('kept', result.edges.kept)),
        result.needsRestart.length ? el('div', { class: 'info bad' }, 'need a restart: ' + result.needsRestart.join(', ')) : null,
      ),
    );
  }

  return { render, renderReload };
})();
