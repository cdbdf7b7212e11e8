// Shared by every role's page: fetching and polling, formatting, the chart, the page frame.
import { h } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import htm from 'htm';

export const html = htm.bind(h);

/** GET a JSON path of this server; rejects on a network error, a timeout or a non-2xx answer. */
export async function getJson(path, timeoutMs = 4000) {
  const res = await fetch(path, { signal: AbortSignal.timeout(timeoutMs), cache: 'no-store' });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return res.json();
}

/**
 * Calls `load` now and every `ms`; returns the last data, the last error (null once it answers
 * again) and when it last answered. `deps` restart the loop (a new range, a new client).
 */
export function usePoll(load, ms, deps = []) {
  const [state, setState] = useState({ data: null, error: null, okAt: null, failedSince: null });
  useEffect(() => {
    let stopped = false;
    let timer;
    const tick = async () => {
      try {
        const data = await load();
        if (!stopped) setState({ data, error: null, okAt: Date.now(), failedSince: null });
      } catch (e) {
        if (!stopped) setState((s) => ({ ...s, error: String(e?.message ?? e), failedSince: s.failedSince ?? Date.now() }));
      }
      if (!stopped) timer = setTimeout(tick, ms);
    };
    tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, deps);
  return state;
}

/** The hash route: '#/client/3' → ['client', '3']. */
export function useRoute() {
  const read = () => location.hash.replace(/^#\/?/, '').split('/').filter(Boolean);
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const on = () => setRoute(read());
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}

const UNITS = ['', 'k', 'M', 'G', 'T', 'P', 'E', 'Z'];

/** 1234567 → '1.23 M' (SI prefixes, three significant digits). */
export function si(n, digits = 3) {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–';
  if (n === 0) return '0';
  let i = 0;
  let v = Math.abs(n);
  while (v >= 1000 && i < UNITS.length - 1) {
    v /= 1000;
    i++;
  }
  const s = v >= 100 ? v.toFixed(0) : v.toPrecision(digits);
  return `${n < 0 ? '-' : ''}${s}${UNITS[i] ? ` ${UNITS[i]}` : ''}`;
}

export function hashrate(hs) {
  if (hs === null || hs === undefined) return '–';
  const s = si(hs);
  return /[a-zA-Z]$/.test(s) ? `${s}H/s` : `${s} H/s`;
}

export const plural = (n, word) => `${int(n)} ${word}${n === 1 ? '' : 's'}`;
export const difficulty = (d) => (d < 1 && d > 0 ? d.toPrecision(3) : si(d));
export const int = (n) => (n === null || n === undefined ? '–' : Number(n).toLocaleString('en-US'));

/** Seconds → '3 d 4 h', '12 min', '40 s'. */
export function duration(secs) {
  if (secs === null || secs === undefined) return '–';
  const s = Math.max(0, Math.round(secs));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
}

/** A past time (ms) as '12 s ago', relative to `now` (ms, the server's clock when given). */
export function ago(ms, now = Date.now()) {
  if (ms === null || ms === undefined) return 'never';
  return `${duration((now - ms) / 1000)} ago`;
}

/** ms → '2026-12-03 09:19:29' (local time). */
export function clock(ms) {
  const d = new Date(ms);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
export const shortHash = (hex) => (hex ? `${hex.slice(0, 10)}…${hex.slice(-8)}` : '–');

export function Reasons({ byReason }) {
  const entries = Object.entries(byReason ?? {}).filter(([, n]) => n > 0);
  if (entries.length === 0) return html`<span class="muted">–</span>`;
  return html`<div class="reasons">${entries.map(([code, n]) => html`<span title=${code}>${code} ${n}</span>`)}</div>`;
}

export function Card({ k, v, s, hl }) {
  return html`<div class=${`card${hl ? ' hl' : ''}`}><div class="k">${k}</div><div class="v">${v}</div>${s ? html`<div class="s">${s}</div>` : null}</div>`;
}

/** Live / unreachable, from a usePoll state. */
export function Status({ poll, what }) {
  if (poll.error !== null && poll.failedSince !== null) return html`<span class="pill down" data-testid="status">${what} unreachable</span>`;
  if (poll.okAt === null) return html`<span class="pill wait" data-testid="status">connecting…</span>`;
  return html`<span class="pill live" data-testid="status">live · ${new Date(poll.okAt).toLocaleTimeString('en-GB', { hour12: false })}</span>`;
}

export function Unreachable({ poll, what }) {
  if (poll.error === null || poll.failedSince === null) return null;
  return html`<div class="banner" role="alert"><b>${what} unreachable</b> since ${new Date(poll.failedSince).toLocaleTimeString('en-GB', { hour12: false })} (${poll.error}). Retrying; the figures below are the last ones it gave.</div>`;
}

/** The other roles' dashboards, when this server knows them (the local stack tells each). */
function useSiblings() {
  const [list, setList] = useState([]);
  useEffect(() => {
    getJson('/api/v1/dashboards').then(setList, () => setList([]));
  }, []);
  return list;
}

/** The page frame: title, status, links to the other roles and to the role's raw API. */
export function Frame({ role, poll, children }) {
  const siblings = useSiblings().filter((s) => s.name !== role && s.url);
  return html`<div class="wrap">
    <header class="top">
      <h1>stratum-v2 <span class="role">${role}</span></h1>
      <${Status} poll=${poll} what=${role} />
      <nav class="links">${siblings.map((s) => html`<a href=${s.url} data-testid="sibling">${s.name}</a>`)}<a href="#/">overview</a><a href="/api/v1/global">API</a><a href="/metrics">metrics</a></nav>
    </header>
    <${Unreachable} poll=${poll} what=${role} />
    <div class=${poll.error !== null && poll.okAt !== null ? 'stale' : ''}>${children}</div>
  </div>`;
}

/** Points of a history answer as uPlot columns; a gap of more than two intervals becomes a break in the line. */
export function historyColumns(points, intervalSecs, fields, live) {
  const xs = [];
  const cols = fields.map(() => []);
  let prev = null;
  const push = (p) => {
    const t = p.t / 1000;
    if (prev !== null && t - prev > 2.5 * intervalSecs) {
      xs.push(prev + intervalSecs);
      cols.forEach((c) => c.push(null));
    }
    xs.push(t);
    fields.forEach((f, i) => cols[i].push(p[f] ?? null));
    prev = t;
  };
  points.forEach(push);
  if (live && (prev === null || live.t / 1000 > prev)) push(live);
  return [xs, ...cols];
}

const AXIS = { stroke: '#8791a3', grid: { stroke: '#222832', width: 1 }, ticks: { stroke: '#222832', width: 1 } };

/**
 * A uPlot chart sized to its box. `series` are uPlot series options after the x series; `data`
 * is [xs, ...ys]; `format` formats y values on the axis.
 */
export function Chart({ data, series, format, small, testid, windowSecs, minSecs = 60 }) {
  const box = useRef(null);
  const plot = useRef(null);
  // The x axis spans the data, up to the chosen window, and at least a minute: one early point is not a year-wide axis.
  const span = useRef(windowSecs);
  span.current = windowSecs;
  const least = useRef(minSecs);
  least.current = minSecs;
  const xRange = (_u, min, max) => {
    if (min === null || max === null) return [Date.now() / 1000 - least.current, Date.now() / 1000];
    const lo = span.current ? Math.max(min, max - span.current) : min;
    return [Math.min(lo, max - least.current), max];
  };
  useEffect(() => {
    const el = box.current;
    const opts = {
      width: el.clientWidth || 600,
      height: small ? 150 : 220,
      cursor: { drag: { x: false, y: false } },
      legend: { show: true },
      scales: { x: { time: true, range: xRange }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.15 : 1] } },
      axes: [AXIS, { ...AXIS, size: 84, values: (_u, vals) => vals.map((v) => format(v)) }],
      series: [{}, ...series],
    };
    plot.current = new uPlot(opts, padded(data, least.current), el);
    const ro = new ResizeObserver(() => plot.current?.setSize({ width: el.clientWidth, height: opts.height }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, [series.length]);
  useEffect(() => {
    plot.current?.setData(padded(data, least.current));
  }, [data]);
  return html`<div class=${`chart${small ? ' small' : ''}`} ref=${box} data-testid=${testid}></div>`;
}

/** uPlot finds no sensible time axis for one point: give it an empty point `secs` earlier. */
function padded(data, secs) {
  if (data[0].length !== 1) return data;
  return data.map((col, i) => (i === 0 ? [col[0] - secs, col[0]] : [null, col[0]]));
}

export function Seg({ options, value, onChange }) {
  return html`<span class="seg">${options.map(([v, label]) => html`<button class=${v === value ? 'on' : ''} onClick=${() => onChange(v)}>${label}</button>`)}</span>`;
}

export const bars = () => uPlot.paths.bars({ size: [0.7, 24] });
