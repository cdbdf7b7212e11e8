// The proxy's page: its devices and their channels, the one upstream channel and its pool.
import { useMemo, useState } from 'preact/hooks';
import { Card, Chart, Frame, Reasons, Seg, difficulty, duration, getJson, hashrate, historyColumns, html, int, plural, usePoll } from './common.js';

const POLL_MS = 3000;
const SERIES = [{ label: 'hashrate', stroke: '#f7931a', width: 2, fill: 'rgba(247,147,26,0.12)', value: (_u, v) => hashrate(v), spanGaps: false }];

export function Page() {
  const poll = usePoll(async () => {
    const [g, devices] = await Promise.all([getJson('/api/v1/global'), getJson('/api/v1/clients?limit=200')]);
    return { g, devices };
  }, POLL_MS);
  return html`<${Frame} role="proxy" poll=${poll}>
    ${poll.data === null ? html`<p class="muted">waiting for the proxy…</p>` : html`<${Overview} d=${poll.data} />`}
  </${Frame}>`;
}

const sum = (o) => Object.values(o ?? {}).reduce((a, b) => a + b, 0);

function Overview({ d }) {
  const { g, devices } = d;
  const [minutes, setMinutes] = useState(60);
  const interval = g.history_interval_secs;
  const hist = usePoll(() => getJson(`/api/v1/history?minutes=${minutes}`), Math.min(30_000, Math.max(POLL_MS, interval * 1000)), [minutes]);
  const data = useMemo(() => historyColumns(hist.data?.points ?? [], interval, ['hashrate'], { t: g.now, hashrate: g.devices_hashrate }), [hist.data, g.now]);
  const up = g.upstream;
  return html`
    <section class="cards">
      <${Card} hl k="Devices hashrate" v=${hashrate(g.devices_hashrate)} s="vardiff estimate" />
      <${Card} k="Devices" v=${int(g.devices)} s=${plural(g.channels, 'channel')} />
      <${Card} k="Shares accepted" v=${int(g.shares_accepted)} s=${`${int(up.shares_forwarded)} forwarded`} />
      <${Card} k="Rejected" v=${int(g.shares_rejected)} s=${`${int(sum(up.shares_rejected))} by the pool`} />
      <${Card} k="Upstream" v=${up.channel_open ? html`<span class="good">connected</span>` : html`<span class="bad">down</span>`} s=${up.address ?? '–'} />
      <${Card} k="Uptime" v=${duration(g.uptime_secs)} />
    </section>
    <section class="grid2">
      <div class="panel">
        <h2>Hashrate <span class="right"><${Seg} value=${minutes} onChange=${setMinutes} options=${[[60, 'last hour'], [1440, 'last day']]} /></span></h2>
        <${Chart} testid="hashrate-chart" windowSecs=${minutes * 60} minSecs=${30 * interval} data=${data} series=${SERIES} format=${(v) => hashrate(v)} />
      </div>
      <div class="panel">
        <h2>Upstream</h2>
        <dl class="kv">
          <dt>State</dt><dd data-testid="upstream-state">${up.channel_open ? html`<span class="good">${up.aggregate_channels === false ? `${up.channels} device channels open` : `channel ${up.channel_id} open`}</span>` : html`<span class="bad">no channel</span>`}</dd>
          <dt>Pool</dt><dd class="mono">${up.address ?? '–'}</dd>
          ${up.index !== undefined ? html`<dt>Upstream #</dt><dd>${up.index + 1} of the configured list</dd>` : null}
          <dt>Announced</dt><dd>${hashrate(up.nominal_hashrate)}</dd>
          <dt>Shares</dt><dd>${int(up.shares_forwarded)} forwarded, ${int(up.shares_accepted)} accepted, ${int(up.shares_unanswered)} unanswered</dd>
          <dt>Switches</dt><dd>${int(up.switches)}${up.last_switch_gap_ms !== null ? `, last gap ${int(up.last_switch_gap_ms)} ms` : ''}</dd>
          ${up.last_error ? html`<dt>Last error</dt><dd class="bad">${up.last_error}</dd>` : null}
        </dl>
        <h2 style="margin-top:18px">Rejected by the pool</h2>
        <${Reasons} byReason=${up.shares_rejected} />
      </div>
    </section>
    <${Devices} devices=${devices} />`;
}

function Devices({ devices }) {
  const rows = devices.items.flatMap((dev) => dev.channels.map((ch, i) => ({ dev, ch, first: i === 0 })));
  return html`<section class="panel">
    <h2>Devices <span class="right muted">${int(devices.total)} connected</span></h2>
    ${rows.length === 0
      ? html`<div class="empty">No device channel open.</div>`
      : html`<div class="scroll"><table data-testid="devices">
        <thead><tr><th>Device</th><th>Channel</th><th>User</th><th class="num">Hashrate</th><th class="num">Difficulty</th><th class="num">Accepted</th><th>Rejected</th><th class="num">Forwarded</th><th>Connected</th></tr></thead>
        <tbody>${rows.map(
          ({ dev, ch, first }) => html`<tr>
            <td>${first ? html`#${dev.id}<div class="sub">${dev.vendor ?? '–'}</div>` : ''}</td>
            <td>${ch.channel_id}<div class="sub">${ch.kind}${ch.group_channel_id ? `, group ${ch.group_channel_id}` : ''}</div></td>
            <td>${ch.user_identity}</td>
            <td class="num">${hashrate(ch.nominal_hashrate)}</td>
            <td class="num">${difficulty(ch.difficulty)}</td>
            <td class="num" data-testid="accepted">${int(ch.shares_accepted)}</td>
            <td>${sum(ch.rejected) === 0 ? html`<span class="muted">0</span>` : html`<${Reasons} byReason=${ch.rejected} />`}</td>
            <td class="num">${int(ch.upstream.forwarded)}</td>
            <td>${first ? duration(dev.connected_secs) : ''}</td>
          </tr>`,
        )}</tbody></table></div>`}
  </section>`;
}
