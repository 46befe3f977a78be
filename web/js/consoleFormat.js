// Formatting and DOM helpers of the console (plain browser script; window.ConsoleFormat).
// Everything a client sent (stream names, client names) goes into the page as text, never as HTML.
'use strict';

window.ConsoleFormat = (() => {
  /** An element with attributes and children (strings become text nodes). */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') node.className = v;
      else if (k.startsWith('data-')) node.setAttribute(k, String(v));
      else node.setAttribute(k, String(v));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(typeof child === 'string' || typeof child === 'number' ? String(child) : child);
    }
    return node;
  }

  /** bits/s in words: "1.2 Mbit/s"; null is unknown. */
  function bitrate(bps) {
    if (bps === null || bps === undefined) return '–';
    if (bps >= 1e6) return (bps / 1e6).toFixed(bps >= 1e7 ? 0 : 1) + ' Mbit/s';
    if (bps >= 1e3) return Math.round(bps / 1e3) + ' kbit/s';
    return Math.round(bps) + ' bit/s';
  }

  function percent(ratio) {
    if (ratio === null || ratio === undefined) return '–';
    return (ratio * 100).toFixed(ratio < 0.01 ? 2 : 1) + ' %';
  }

  /** "12 s", "3 min", "2 h" since a time (ms since the epoch). */
  function ago(at, now) {
    const s = Math.max(0, Math.round((now - at) / 1000));
    if (s < 90) return s + ' s';
    if (s < 90 * 60) return Math.round(s / 60) + ' min';
    return Math.round(s / 3600) + ' h';
  }

  function clock(at) {
    return new Date(at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  }

  return { el, bitrate, percent, ago, clock };
})();
