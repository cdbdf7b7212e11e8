// The pool's page: overview (charts, chain, clients, blocks) and a page per client (#/client/<id>).
import { useMemo, useRef, useState } from 'preact/hooks';
import { Card, Chart, Frame, Reasons, Seg, ago, bars, clock, difficulty, duration, getJson, hashrate, historyColumns, html, int, plural, shortHash, usePoll, useRoute } from './common.js';

const POLL_MS = 3000;
const BLOCKS_SHOWN = 10;
const CLIENTS_SHOWN = 200;
const HASHRATE_SERIES = [{ label: 'hashrate', stroke: '#f7931a', width: 2, fill: 'rgba(247,147,26,0.12)', value: (_u, v) => hashrate(v), spanGaps: false }];
const SHARE_SERIES = [
  { label: 'accepted', stroke: '#3fcf8e', fill: 'rgba(63,207,142,0.55)', paths: bars(), points: { show: false } },
  { label: 'rejected', stroke: '#ff6b6b', fill: 'rgba(255,107,107,0.7)', paths: bars(), points: { show: false } },
];

export function Page() {
  const route = useRoute();
  const poll = usePoll(async () => {
    const [g, clients, blocks] = await Promise.all([getJson('/api/v1/global'), getJson(`/api/v1/clients?limit=${CLIENTS_SHOWN}`), getJson(`/api/v1/blocks?limit=${BLOCKS_SHOWN}`)]);
    return { g, clients, blocks };
  }, POLL_MS);
  return html`<${Frame} role="pool" poll=${poll}>
    ${poll.data === null ? html`<p class="muted">waiting for the pool…</p>` : route[0] === 'client' ? html`<${ClientPage} id=${route[1]} now=${poll.data.g.now} />` : html`<${Overview} d=${poll.data} />`}
  </${Frame}>`;
}

function Overview({ d }) {
  const { g, clients, blocks } = d;
  const [minutes, setMinutes] = useState(60);
  const interval = g.history_interval_secs;
  // A new point comes every interval: no sense asking more often (but at least every 30 s).
  const hist = usePoll(() => getJson(`/api/v1/history?minutes=${minutes}`), Math.min(30_000, Math.max(POLL_MS, interval * 1000)), [minutes]);
  const points = hist.data?.points ?? [];
  const rateData = useMemo(() => historyColumns(points, interval, ['hashrate'], { t: g.now, hashrate: g.estimated_hashrate }), [hist.data, g.now]);
  // Up to now, like the hashrate chart (the current interval has no count yet), so their time axes line up.
  const shareData = useMemo(() => historyColumns(points, interval, ['accepted', 'rejected'], { t: g.now }), [hist.data, g.now]);
  const total = g.shares_accepted + g.shares_rejected;
  const per = interval === 60 ? 'minute' : `${interval} s`;
  return html`
    <section class="cards">
      <${Card} hl k="Hashrate" v=${hashrate(g.estimated_hashrate)} s="10-minute average" />
      <${Card} k="Connections" v=${int(g.connections)} s=${plural(g.channels, 'channel')} />
      <${Card} k="Shares accepted" v=${int(g.shares_accepted)} s="since start" />
      <${Card} k="Rejected" v=${int(g.shares_rejected)} s=${total > 0 ? `${((100 * g.shares_rejected) / total).toFixed(2)} %` : 'none yet'} />
      <${Card} k="Blocks found" v=${int(g.blocks_recorded)} s=${`${int(g.blocks_found)} since start`} />
      <${Card} k="Best share" v=${difficulty(g.best_share_difficulty)} s="difficulty" />
      <${Card} k="Uptime" v=${duration(g.uptime_secs)} />
    </section>
    <section class="grid2">
      <div class="panel">
        <h2>Hashrate <span class="right"><${Seg} value=${minutes} onChange=${setMinutes} options=${[[60, 'last hour'], [1440, 'last day']]} /></span></h2>
        <${Chart} testid="hashrate-chart" windowSecs=${minutes * 60} minSecs=${30 * interval} data=${rateData} series=${HASHRATE_SERIES} format=${(v) => hashrate(v)} />
        <h2 style="margin-top:12px">Shares per ${per}</h2>
        <${Chart} small testid="shares-chart" windowSecs=${minutes * 60} minSecs=${30 * interval} data=${shareData} series=${SHARE_SERIES} format=${(v) => int(v)} />
      </div>
      <div class="panel">
        <h2>Chain and templates</h2>
        <dl class="kv">
          <dt>Template source</dt><dd>${g.template_source}</dd>
          <dt>Tip height</dt><dd data-testid="tip-height">${int(g.tip_height)}</dd>
          <dt>Network difficulty</dt><dd>${difficulty(g.network_difficulty)}</dd>
          <dt>Tip hash</dt><dd class="mono" title=${g.prev_hash}>${shortHash(g.prev_hash)}</dd>
          <dt>Templates</dt><dd>${int(g.templates_received)} received</dd>
          <dt>Last template</dt><dd>${ago(g.last_template_at, g.now)}</dd>
        </dl>
        <h2 style="margin-top:18px">Rejected shares by reason</h2>
        <${Reasons} byReason=${g.rejected_by_reason} />
      </div>
    </section>
    <${Clients} clients=${clients.items} total=${clients.total} now=${g.now} />
    <${Blocks} blocks=${blocks} now=${g.now} total=${g.blocks_recorded} />`;
}

const usersOf = (c) => [...new Set(c.channels.map((ch) => ch.user_identity))].join(', ') || '–';

function difficultyOf(c) {
  const ds = c.channels.map((ch) => ch.difficulty);
  if (ds.length === 0) return '–';
  const lo = Math.min(...ds);
  const hi = Math.max(...ds);
  return lo === hi ? difficulty(lo) : `${difficulty(lo)} – ${difficulty(hi)}`;
}

function Device({ c }) {
  const rest = [c.hardware_version, c.firmware].filter(Boolean).join(' · ');
  return html`<div>${c.vendor || html`<span class="muted">unnamed</span>`}</div>${rest ? html`<div class="sub">${rest}</div>` : null}`;
}

function Clients({ clients, total, now }) {
  return html`<section class="panel">
    <h2>Clients <span class="right muted">${total} connected${total > clients.length ? `, the first ${clients.length} shown` : ''}</span></h2>
    ${clients.length === 0
      ? html`<div class="empty">No client connected.</div>`
      : html`<div class="scroll"><table data-testid="clients">
        <thead><tr><th>Client</th><th>User</th><th>Device</th><th class="num">Hashrate</th><th class="num">Difficulty</th><th class="num">Accepted</th><th>Rejected</th><th>Last share</th><th>Connected</th></tr></thead>
        <tbody>${clients.map(
          (c) => html`<tr class="link" onClick=${() => (location.hash = `#/client/${c.id}`)} data-client=${c.id}>
            <td><a href=${`#/client/${c.id}`}>#${c.id}</a><div class="sub mono">${c.address}</div></td>
            <td>${usersOf(c)}<div class="sub">${c.channels.length} channel${c.channels.length === 1 ? '' : 's'}</div></td>
            <td><${Device} c=${c} /></td>
            <td class="num">${hashrate(c.hashrate)}</td>
            <td class="num">${difficultyOf(c)}</td>
            <td class="num" data-testid="accepted">${int(c.shares_accepted)}</td>
            <td>${c.shares_rejected === 0 ? html`<span class="muted">0</span>` : html`<${Reasons} byReason=${c.rejected_by_reason} />`}</td>
            <td>${ago(c.last_share_at, now)}</td>
            <td>${duration(c.connected_secs)}</td>
          </tr>`,
        )}</tbody></table></div>`}
  </section>`;
}

function Blocks({ blocks, now, total }) {
  return html`<section class="panel">
    <h2>Blocks found <span class="right muted">${total > blocks.length ? `latest ${blocks.length} of ${int(total)}` : ''}</span></h2>
    ${blocks.length === 0
      ? html`<div class="empty">No block found yet.</div>`
      : html`<div class="scroll"><table data-testid="blocks">
        <thead><tr><th class="num">Height</th><th>Hash</th><th>Found</th><th>Found by</th><th>Status</th><th class="num">Confirmations</th></tr></thead>
        <tbody>${blocks.map(
          (b) => html`<tr>
            <td class="num">${int(b.height)}</td>
            <td class="mono" title=${b.hash}>${shortHash(b.hash)}</td>
            <td>${clock(b.time_ms)}<div class="sub">${ago(b.time_ms, now)}</div></td>
            <td>${b.user_identity}<div class="sub">channel ${b.channel_id}</div></td>
            <td><span class=${`status ${b.status}`} title=${b.reject_reason ?? ''}>${b.status}</span>${b.reject_reason ? html`<div class="sub">${b.reject_reason}</div>` : null}</td>
            <td class="num">${b.status === 'accepted' ? int(b.confirmations) : '–'}</td>
          </tr>`,
        )}</tbody></table></div>`}
  </section>`;
}

/** One client: its device, its channels, and a hashrate line drawn from this page's own polls. */
function ClientPage({ id, now }) {
  const seen = useRef([]);
  const poll = usePoll(
    async () => {
      const res = await fetch(`/api/v1/clients/${encodeURIComponent(id)}`, { signal: AbortSignal.timeout(4000), cache: 'no-store' });
      if (res.status === 404) return { gone: true };
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const c = await res.json();
      seen.current.push({ t: Date.now(), hashrate: c.hashrate });
      if (seen.current.length > 1200) seen.current.shift();
      return { c };
    },
    POLL_MS,
    [id],
  );
  const data = useMemo(() => historyColumns(seen.current, POLL_MS / 1000, ['hashrate']), [poll.data]);
  if (poll.data === null) return html`<p class="muted">loading client ${id}…</p>`;
  if (poll.data.gone) return html`<div class="panel"><a href="#/">← all clients</a><p>Client #${id} is not connected (any more).</p></div>`;
  const c = poll.data.c;
  return html`
    <p><a href="#/">← all clients</a></p>
    <section class="cards">
      <${Card} hl k=${`Client #${c.id}`} v=${hashrate(c.hashrate)} s=${usersOf(c)} />
      <${Card} k="Difficulty" v=${difficultyOf(c)} />
      <${Card} k="Accepted" v=${int(c.shares_accepted)} s=${`last ${ago(c.last_share_at, now)}`} />
      <${Card} k="Rejected" v=${int(c.shares_rejected)} />
      <${Card} k="Best share" v=${difficulty(c.best_share_difficulty)} />
      <${Card} k="Blocks" v=${int(c.blocks_found)} />
      <${Card} k="Connected" v=${duration(c.connected_secs)} />
    </section>
    <section class="grid2">
      <div class="panel"><h2>Hashrate <span class="right muted">while this page is open</span></h2>
        <${Chart} testid="client-chart" data=${data} series=${HASHRATE_SERIES} format=${(v) => hashrate(v)} /></div>
      <div class="panel"><h2>Device</h2>
        <dl class="kv">
          <dt>Vendor</dt><dd>${c.vendor || '–'}</dd>
          <dt>Hardware</dt><dd>${c.hardware_version || '–'}</dd>
          <dt>Firmware</dt><dd>${c.firmware || '–'}</dd>
          <dt>Device id</dt><dd>${c.device_id || '–'}</dd>
          <dt>Address</dt><dd class="mono">${c.address}</dd>
          <dt>Setup flags</dt><dd class="mono">0x${(c.flags ?? 0).toString(16)}</dd>
          <dt>Extensions</dt><dd>${c.extensions.length ? c.extensions.map((e) => `0x${e.toString(16).padStart(4, '0')}`).join(', ') : '–'}</dd>
        </dl>
        <h2 style="margin-top:18px">Rejected by reason</h2><${Reasons} byReason=${c.rejected_by_reason} />
      </div>
    </section>
    <section class="panel"><h2>Channels</h2><div class="scroll"><table data-testid="channels">
      <thead><tr><th>Channel</th><th>User</th><th class="num">Measured</th><th class="num">Vardiff estimate</th><th class="num">Difficulty</th><th class="num">Accepted</th><th>Rejected</th><th class="num">Best share</th><th class="num">Blocks</th><th>Last share</th></tr></thead>
      <tbody>${c.channels.map(
        (ch) => html`<tr>
          <td>${ch.channel_id}<div class="sub">${ch.kind}</div></td>
          <td>${ch.user_identity}</td>
          <td class="num">${hashrate(ch.hashrate)}</td>
          <td class="num">${hashrate(ch.nominal_hashrate)}</td>
          <td class="num">${difficulty(ch.difficulty)}</td>
          <td class="num">${int(ch.shares_accepted)}</td>
          <td><${Reasons} byReason=${ch.rejected} /></td>
          <td class="num">${difficulty(ch.best_share_difficulty)}</td>
          <td class="num">${int(ch.blocks_found)}</td>
          <td>${ago(ch.last_share_at, now)}</td>
        </tr>`,
      )}</tbody></table></div></section>`;
}
