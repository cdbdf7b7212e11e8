/** The Template Provider's monitoring views, on the same paths as the other roles'. */
import { hashToDisplay } from '../bitcoin/bytes.js';
import { paged } from '../roles/common/paging.js';
import type { TemplateProvider } from '../roles/template-provider/template-provider.js';

export function tpGlobal(tp: TemplateProvider) {
  const tip = tp.source.tip();
  const st = tp.stats();
  return {
    uptime_secs: Math.round((Date.now() - st.startedAt) / 1000),
    backend: tp.kind,
    backend_connected: tp.connected(),
    connections: tp.setUpCount(),
    tip: tip === undefined ? null : { height: tip.height, hash: hashToDisplay(tip.hash) },
    templates_sent: st.templatesSent,
    blocks_accepted: st.blocksAccepted,
    blocks_rejected: st.blocksRejected,
    blocks_stale: st.blocksStale,
    blocks_waiting_for_node: tp.queuedBlocks(),
    last_block: lastBlockView(st.lastBlock),
    fee_delta_sats: st.config.fee_delta_sats,
    template_interval_secs: st.config.template_interval_secs,
  };
}

function lastBlockView(last: ReturnType<TemplateProvider['stats']>['lastBlock']) {
  if (last === null) return null;
  const r = last.report;
  return { at: last.at, client_id: r.clientId, template_id: String(r.templateId), accepted: r.accepted, stale: r.stale ?? false, reason: r.reason ?? null, hash: r.hash ?? null, height: r.height ?? null };
}

/** /api/v1/health: ok once there is a tip and the backend answers. */
export function tpHealth(tp: TemplateProvider) {
  const ready = tp.source.tip() !== undefined && tp.connected();
  return { status: ready ? 'ok' : 'waiting-for-node' };
}

export function tpClients(tp: TemplateProvider, params: Record<string, string>) {
  return paged(
    [...(tp.downstreams?.all() ?? [])].filter((d) => d.state !== undefined),
    params,
    (d) => tpClient(tp, d.id)!,
  );
}

/** SRI's `/server` is a role's upstream; the Template Provider's is its node. */
export function tpServer(tp: TemplateProvider) {
  const tip = tp.source.tip();
  return { backend: tp.kind, connected: tp.connected(), tip: tip === undefined ? null : { height: tip.height, hash: hashToDisplay(tip.hash) }, blocks_waiting_for_node: tp.queuedBlocks() };
}

export function tpClient(tp: TemplateProvider, id: number) {
  const d = tp.downstreams?.get(id);
  const s = d?.state;
  if (d === undefined || s === undefined) return undefined;
  return {
    id: d.id,
    address: d.peer,
    vendor: d.setup?.vendor ?? null,
    connected_secs: Math.round((Date.now() - d.connectedAt) / 1000),
    coinbase_output_max_additional_size: s.constraints?.maxAdditionalSize ?? null,
    coinbase_output_max_additional_sigops: s.constraints?.maxAdditionalSigops ?? null,
    templates_sent: s.templatesSent,
    last_template_id: s.lastTemplateId === 0n ? null : String(s.lastTemplateId),
    solutions_submitted: s.solutions,
  };
}
