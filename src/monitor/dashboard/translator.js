// The translator's page: its Sv1 miners, its upstream channels and its pool connection.
import { useMemo, useState } from 'preact/hooks';
import { Card, Chart, Frame, Reasons, Seg, difficulty, duration, getJson, hashrate, historyColumns, html, int, plural, usePoll } from './common.js';

const POLL_MS = 3000;
const INTERVAL_SECS = 60;
const SERIES = [{ label: 'hashrate', stroke: '#f7931a', width: 2, fill: 'rgba(247,147,26,0.12)', value: (_u, v) => hashrate(v), spanGaps: false }];

export function Page() {
  const poll = usePoll(async () => {
    const [g, miners, channels] = await Promise.all([getJson('/api/v1/global'), getJson('/api/v1/sv1/clients?limit=100'), getJson('/api/v1/server/channels?limit=100')]);
    return { g, miners, channels };
  }, POLL_MS);
  return html`<${Frame} role="translator" poll=${poll}>
    ${poll.data === null ? html`<p class="muted">waiting for the translator…</p>` : html`<${Overview} d=${poll.data} />`}
  </${Frame}>`;
}

const sum = (o) => Object.values(o ?? {}).reduce((a, b) => a + b, 0);

function Overview({ d }) {
  const { g, miners, channels } = d;
  const [minutes, setMinutes] = useState(60);
  const hist = usePoll(() => getJson(`/api/v1/history?minutes=${minutes}`), 30_000, [minutes]);
  const data = useMemo(() => historyColumns(hist.data?.points ?? [], INTERVAL_SECS, ['hashrate'], { t: Date.now(), hashrate: g.sv1_clients.total_hashrate }), [hist.data, g]);
  const up = g.upstream;
  const s = g.shares;
  return html`
    <section class="cards">
      <${Card} hl k="Sv1 hashrate" v=${hashrate(g.sv1_clients.total_hashrate)} s="measured from shares" />
      <${Card} k="Sv1 miners" v=${int(g.sv1_clients.total_clients)} s=${plural(g.server.total_channels, 'upstream channel')} />
      <${Card} k="Shares accepted" v=${int(s.shares_accepted)} s=${`${int(s.shares_forwarded)} forwarded`} />
      <${Card} k="Rejected" v=${int(sum(s.shares_rejected))} s=${`${int(sum(s.upstream_rejected))} by the pool`} />
      <${Card} k="Blocks found" v=${int(s.blocks_found)} />
      <${Card} k="Upstream" v=${up.connected ? html`<span class="good">connected</span>` : html`<span class="bad">down</span>`} s=${up.address ?? '–'} />
      <${Card} k="Uptime" v=${duration(g.uptime_secs)} />
    </section>
    <section class="grid2">
      <div class="panel">
        <h2>Hashrate <span class="right"><${Seg} value=${minutes} onChange=${setMinutes} options=${[[60, 'last hour'], [1440, 'last day']]} /></span></h2>
        <${Chart} testid="hashrate-chart" windowSecs=${minutes * 60} minSecs=${30 * INTERVAL_SECS} data=${data} series=${SERIES} format=${(v) => hashrate(v)} />
      </div>
      <div class="panel">
        <h2>Upstream</h2>
        <dl class="kv">
          <dt>State</dt><dd>${up.connected ? html`<span class="good">connected</span>` : html`<span class="bad">not connected</span>`}</dd>
          <dt>Pool</dt><dd class="mono">${up.address ?? '–'}</dd>
          ${up.index !== undefined ? html`<dt>Upstream #</dt><dd>${up.index + 1} of the configured list</dd>` : null}
          ${up.connections !== undefined ? html`<dt>Connections</dt><dd>${int(up.connections)} made</dd>` : null}
          ${up.failures !== undefined ? html`<dt>Failures</dt><dd>${int(up.failures)}</dd>` : null}
          <dt>Switches</dt><dd>${int(s.endpoint_changes)}</dd>
          ${up.last_error ? html`<dt>Last error</dt><dd class="bad">${up.last_error}</dd>` : null}
        </dl>
        <h2 style="margin-top:18px">Rejected by reason</h2>
        <${Reasons} byReason=${s.shares_rejected} />
        <h2 style="margin-top:18px">Rejected by the pool</h2>
        <${Reasons} byReason=${s.upstream_rejected} />
      </div>
    </section>
    <${Miners} miners=${miners} />
    <${Channels} channels=${channels.extended_channels} />`;
}

function Miners({ miners }) {
  return html`<section class="panel">
    <h2>Sv1 miners <span class="right muted">${int(miners.total)} connected</span></h2>
    ${miners.items.length === 0
      ? html`<div class="empty">No Sv1 miner connected.</div>`
      : html`<div class="scroll"><table data-testid="miners">
        <thead><tr><th>Miner</th><th>Worker</th><th>User agent</th><th class="num">Hashrate</th><th class="num">Difficulty</th><th class="num">Accepted</th><th>Rejected</th><th class="num">Best share</th><th>Version rolling</th><th>Connected</th></tr></thead>
        <tbody>${miners.items.map(
          (m) => html`<tr>
            <td>#${m.client_id}<div class="sub mono">${m.connection_ip}</div></td>
            <td>${m.sv1_worker_name || m.sv1_username || '–'}<div class="sub">channel ${m.channel_id ?? '–'}</div></td>
            <td>${m.user_agent || '–'}</td>
            <td class="num">${hashrate(m.hashrate)}${m.stable_hashrate ? '' : html`<div class="sub">settling</div>`}</td>
            <td class="num">${difficulty(m.difficulty)}</td>
            <td class="num" data-testid="accepted">${int(m.shares_accepted)}</td>
            <td>${m.shares_rejected === 0 ? html`<span class="muted">0</span>` : html`<${Reasons} byReason=${m.shares_rejected_by_reason} />`}</td>
            <td class="num">${difficulty(m.best_diff)}</td>
            <td class="mono">${m.version_rolling_mask ?? html`<span class="muted">off</span>`}</td>
            <td>${duration(m.connected_secs)}</td>
          </tr>`,
        )}</tbody></table></div>`}
  </section>`;
}

function Channels({ channels }) {
  return html`<section class="panel">
    <h2>Upstream channels</h2>
    ${channels.length === 0
      ? html`<div class="empty">No channel open with the pool.</div>`
      : html`<div class="scroll"><table data-testid="channels">
        <thead><tr><th>Channel</th><th>User</th><th class="num">Nominal hashrate</th><th class="num">Difficulty</th><th class="num">Submitted</th><th class="num">Acknowledged</th><th class="num">Rejected</th><th class="num">Blocks</th><th class="num">Miners</th></tr></thead>
        <tbody>${channels.map(
          (c) => html`<tr>
            <td>${c.channel_id}<div class="sub mono">${c.extranonce_prefix_hex}</div></td>
            <td>${c.user_identity}</td>
            <td class="num">${hashrate(c.nominal_hashrate)}</td>
            <td class="num">${difficulty(c.difficulty)}</td>
            <td class="num">${int(c.shares_submitted)}</td>
            <td class="num">${int(c.shares_acknowledged)}</td>
            <td class="num">${int(c.shares_rejected)}</td>
            <td class="num">${int(c.blocks_found)}</td>
            <td class="num">${int(c.miners)}</td>
          </tr>`,
        )}</tbody></table></div>`}
  </section>`;
}
