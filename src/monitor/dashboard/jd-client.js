// The JD client's page: solo or pool, the upstream in use and its custom jobs, the devices, and the blocks found.
import { Card, Frame, ago, hashrate, html, int, shortHash, usePoll, getJson } from './common.js';

export function Page() {
  const poll = usePoll(async () => {
    const [g, clients, channels, blocks] = await Promise.all([getJson('/api/v1/global'), getJson('/api/v1/clients?limit=200'), getJson('/api/v1/server/channels'), getJson('/api/v1/blocks')]);
    return { g, clients, channels, blocks };
  }, 3000);
  return html`<${Frame} role="jd-client" poll=${poll}>
    ${poll.data === null ? html`<p class="muted">waiting for the JD client…</p>` : html`<${Overview} d=${poll.data} />`}
  </${Frame}>`;
}

function Overview({ d }) {
  const { g, blocks } = d;
  const clients = d.clients.items;
  const channels = d.channels.extended_channels;
  const up = g.upstream;
  const jobs = channels[0]?.jobs ?? [];
  return html`
    <section class="cards">
      <${Card} hl k="Mining" v=${g.mode === 'pool' ? html`<span class="good">declared jobs</span>` : html`<span class="bad">solo</span>`} s=${g.mode === 'pool' ? up.in_use : 'to coinbase_reward_script'} />
      <${Card} k="Devices" v=${int(g.devices)} s=${`${int(g.channels)} channels, ${hashrate(g.devices_hashrate)}`} />
      <${Card} k="Shares" v=${int(g.shares_accepted)} s=${`${int(g.shares_rejected)} rejected`} />
      <${Card} k="Custom jobs" v=${int(up.custom_jobs_accepted)} s=${`${int(up.jobs_declared)} declared (${g.jd_mode})`} />
      <${Card} k="Blocks found" v=${int(g.blocks_found)} s=${`${int(g.blocks_solo)} solo`} />
      <${Card} k="Fallbacks" v=${int(g.fallbacks)} />
    </section>
    <section class="grid2">
      <div class="panel">
        <h2>Devices</h2>
        ${clients.length === 0
          ? html`<div class="empty">No device connected.</div>`
          : html`<div class="scroll"><table data-testid="clients">
            <thead><tr><th>Client</th><th>Vendor</th><th class="num">Channels</th><th class="num">Accepted</th><th class="num">Sent up</th></tr></thead>
            <tbody>${clients.map(
              (c) => html`<tr>
                <td>#${c.id}<div class="sub mono">${c.address}</div></td>
                <td>${c.vendor || '–'}</td>
                <td class="num">${c.channels.length}</td>
                <td class="num">${int(c.channels.reduce((s, ch) => s + ch.shares_accepted, 0))}</td>
                <td class="num">${int(c.channels.reduce((s, ch) => s + ch.upstream.forwarded, 0))}</td>
              </tr>`,
            )}</tbody></table></div>`}
        <h2 style="margin-top:18px">Upstream</h2>
        <dl class="kv" data-testid="upstream">
          <dt>In use</dt><dd>${up.in_use ?? html`<span class="bad">none (solo)</span>`}</dd>
          <dt>Channel</dt><dd>${up.channel_id ?? '–'}</dd>
          <dt>Shares sent up</dt><dd>${int(up.shares_forwarded)} (${int(up.shares_accepted)} accepted)</dd>
          <dt>Last error</dt><dd>${up.last_error ?? '–'}</dd>
        </dl>
      </div>
      <div class="panel">
        <h2>Custom jobs</h2>
        ${jobs.length === 0
          ? html`<div class="empty">None on this upstream.</div>`
          : html`<table data-testid="jobs"><thead><tr><th>Template</th><th>State</th><th class="num">Job id</th></tr></thead>
            <tbody>${jobs.slice(-8).reverse().map((j) => html`<tr><td class="mono">${j.template_id}</td><td>${j.state}</td><td class="num">${j.job_id ?? '–'}</td></tr>`)}</tbody></table>`}
        <h2 style="margin-top:18px">Blocks found</h2>
        ${blocks.length === 0
          ? html`<div class="empty">None yet.</div>`
          : html`<table data-testid="blocks"><thead><tr><th>Hash</th><th>Template by</th><th>For</th><th>When</th></tr></thead>
            <tbody>${blocks.slice(0, 10).map((b) => html`<tr><td class="mono">${shortHash(b.hash)}</td><td>${b.template_by}</td><td>${b.upstream ?? 'solo'}</td><td>${ago(Date.parse(b.at))}</td></tr>`)}</tbody></table>`}
      </div>
    </section>`;
}
