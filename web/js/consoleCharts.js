// One small chart per edge: its players and the bitrate it receives over the last minutes, drawn
// with uPlot (served from node_modules by the node, see docs/console.md). The history lives in
// the page: it starts when the page opens.
'use strict';

window.ConsoleCharts = (() => {
  /** Five minutes of one-second snapshots. */
  const KEEP = 300;
  const charts = new Map();

  function options(width) {
    return {
      width,
      height: 120,
      legend: { show: true, live: false },
      cursor: { show: false },
      scales: {
        x: { time: true },
        players: { range: (_u, _min, max) => [0, Math.max(4, max + 1)] },
        mbps: { range: (_u, _min, max) => [0, Math.max(1, max * 1.2)] },
      },
      axes: [
        {
          size: 28,
          font: '10px system-ui',
          // Whole seconds at least: finer ticks would print the same mm:ss twice.
          space: 50,
          incrs: [1, 5, 10, 15, 30, 60, 120, 300],
          values: (_u, ticks) => ticks.map((t) => new Date(t * 1000).toLocaleTimeString([], { minute: '2-digit', second: '2-digit' })),
        },
        { scale: 'players', size: 34, font: '10px system-ui', stroke: '#2563eb' },
        { scale: 'mbps', side: 1, size: 40, font: '10px system-ui', stroke: '#15803d', grid: { show: false } },
      ],
      series: [
        {},
        { label: 'players', scale: 'players', stroke: '#2563eb', width: 2 },
        { label: 'Mbit/s in', scale: 'mbps', stroke: '#15803d', width: 2, value: (_u, v) => (v === null ? '–' : v.toFixed(2)) },
        { label: 'Mbit/s out', scale: 'mbps', stroke: '#b45309', width: 2, dash: [4, 3], value: (_u, v) => (v === null ? '–' : v.toFixed(2)) },
      ],
    };
  }

  function stop(chart) {
    chart.observer.disconnect();
    chart.plot.destroy();
  }

  /** Adds one point per edge (seconds, players, Mbit/s in and out) and redraws; `hostOf(id)` gives each chart's container. */
  function update(edges, at, hostOf) {
    const seen = new Set();
    for (const edge of edges) {
      seen.add(edge.id);
      const host = hostOf(edge.id);
      let chart = charts.get(edge.id);
      if (!chart || chart.host !== host) {
        if (chart) stop(chart);
        const data = chart ? chart.data : [[], [], [], []];
        const width = Math.max(200, host.clientWidth || 280);
        const plot = new window.uPlot(options(width), data, host);
        // Follow the card's width at once (a phone turned, a window resized), not at the next snapshot.
        const observer = new ResizeObserver(() => {
          const w = Math.max(200, host.clientWidth);
          if (Math.abs(w - plot.width) > 4) plot.setSize({ width: w, height: 120 });
        });
        observer.observe(host);
        chart = { host, data, plot, observer };
        charts.set(edge.id, chart);
      }
      const [xs, players, mbpsIn, mbpsOut] = chart.data;
      xs.push(at / 1000);
      players.push(edge.stale ? null : edge.players);
      mbpsIn.push(edge.bitrateIn === null ? null : edge.bitrateIn / 1e6);
      mbpsOut.push(edge.bitrateOut === null || edge.stale ? null : edge.bitrateOut / 1e6);
      if (xs.length > KEEP) for (const series of chart.data) series.shift();
      chart.plot.setData(chart.data);
    }
    for (const [id, chart] of charts) {
      if (seen.has(id)) continue;
      stop(chart);
      charts.delete(id);
    }
  }

  return { update };
})();
