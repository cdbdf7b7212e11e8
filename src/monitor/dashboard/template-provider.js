// The Template Provider's page: its node, the tip, the templates it sends and its clients.
import { Card, Frame, ago, duration, getJson, html, int, shortHash, usePoll } from './common.js';

export function Page() {
  const poll = usePoll(async () => {
    const [g, clients, health] = await Promise.all([getJson('/api/v1/global'), getJson('/api/v1/clients?limit=200'), getJson('/api/v1/health')]);
    return { g, clients, health };
  }, 3000);
  return html`<${Frame} role="template-provider" poll=${poll}>
    ${poll.data === null ? html`<p class="muted">waiting for the template provider…</p>` : html`<${Overview} d=${poll.data} />`}
  </${Frame}>`;
}

function Overview({ d }) {
  const { g, health } = d;
  const clients = d.clients.items;
  const last = g.last_block;
  return html`
    <section class="cards">
      <${Card} hl k="Tip height" v=${g.tip ? int(g.tip.height) : '–'} s=${g.tip ? shortHash(g.tip.hash) : 'no tip yet'} />
      <${Card} k="Backend" v=${g.backend_connected ? html`<span class="good">${g.backend}</span>` : html`<span class="bad">${g.backend}</span>`} s=${health.status} />
      <${Card} k="Clients" v=${int(g.connections)} />
      <${Card} k="Templates sent" v=${int(g.templates_sent)} s=${`every ${g.template_interval_secs} s at most`} />
      <${Card} k="Blocks accepted" v=${int(g.blocks_accepted)} s=${`${int(g.blocks_rejected)} rejected`} />
      <${Card} k="Uptime" v=${duration(g.uptime_secs)} />
    </section>
    <section class="grid2">
      <div class="panel">
        <h2>Clients</h2>
        ${clients.length === 0
          ? html`<div class="empty">No client set up.</div>`
          : html`<div class="scroll"><table data-testid="clients">
            <thead><tr><th>Client</th><th>Vendor</th><th class="num">Templates</th><th class="num">Last template</th><th class="num">Solutions</th><th class="num">Coinbase room</th><th>Connected</th></tr></thead>
            <tbody>${clients.map(
              (c) => html`<tr>
                <td>#${c.id}<div class="sub mono">${c.address}</div></td>
                <td>${c.vendor || '–'}</td>
                <td class="num">${int(c.templates_sent)}</td>
                <td class="num mono">${c.last_template_id ?? '–'}</td>
                <td class="num">${int(c.solutions_submitted)}</td>
                <td class="num">${c.coinbase_output_max_additional_size === null ? '–' : `${int(c.coinbase_output_max_additional_size)} B`}</td>
                <td>${duration(c.connected_secs)}</td>
              </tr>`,
            )}</tbody></table></div>`}
      </div>
      <div class="panel">
        <h2>Node and templates</h2>
        <dl class="kv">
          <dt>Backend</dt><dd>${g.backend} ${g.backend_connected ? html`<span class="good">(answering)</span>` : html`<span class="bad">(not answering)</span>`}</dd>
          <dt>Tip hash</dt><dd class="mono">${g.tip?.hash ?? '–'}</dd>
          <dt>Fee delta</dt><dd>${int(g.fee_delta_sats)} sat before a new template</dd>
        </dl>
        <h2 style="margin-top:18px">Last block submitted</h2>
        ${last === null
          ? html`<div class="muted">none yet</div>`
          : html`<dl class="kv">
              <dt>When</dt><dd>${ago(Date.parse(last.at))}</dd>
              <dt>Height</dt><dd>${int(last.height)}</dd>
              <dt>Hash</dt><dd class="mono">${last.hash ?? '–'}</dd>
              <dt>Verdict</dt><dd>${last.accepted ? html`<span class="good">accepted</span>` : html`<span class="bad">rejected ${last.reason ?? ''}</span>`}</dd>
              <dt>From</dt><dd>client #${last.client_id}, template ${last.template_id}</dd>
            </dl>`}
      </div>
    </section>`;
}
