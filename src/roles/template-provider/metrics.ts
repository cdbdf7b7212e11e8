import { Counter, Gauge, Histogram } from 'prom-client';
import { refusalMetrics, roleRegistry, type Refusals } from '../common/metrics.js';

/** The Template Provider's Prometheus metrics, on a registry of its own so several roles can share a process. */
export class TpMetrics {
  readonly registry = roleRegistry('tp', () => this.startedAt());

  /** `connections` and the start time are read at scrape time from the role. */
  constructor(
    private readonly connectionCount: () => number,
    private readonly startedAt: () => number,
    refusals: () => Refusals | undefined = () => undefined,
  ) {
    refusalMetrics(this.registry, 'tp', refusals);
    for (const kind of ['future', 'update']) this.templates.inc({ kind }, 0);
    this.blocksAccepted.inc(0);
    this.blocksStale.inc(0);
  }

  readonly connections: Gauge = new Gauge({
    name: 'sv2_tp_connections',
    help: 'Template Distribution clients connected (set up)',
    registers: [this.registry],
    collect: () => this.connections.set(this.connectionCount()),
  });
  readonly templates = new Counter({ name: 'sv2_tp_templates_sent_total', help: 'NewTemplate messages sent, future (new tip or first) or update (fees)', labelNames: ['kind'], registers: [this.registry] });
  readonly prevHashes = new Counter({ name: 'sv2_tp_set_new_prev_hash_sent_total', help: 'SetNewPrevHash messages sent', registers: [this.registry] });
  readonly tipToWire = new Histogram({
    name: 'sv2_tp_new_tip_to_wire_seconds',
    help: 'Time from a new tip to a client having its NewTemplate + SetNewPrevHash handed to the socket',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });
  readonly transactionData = new Counter({ name: 'sv2_tp_transaction_data_requests_total', help: 'RequestTransactionData answered, by result', labelNames: ['result'], registers: [this.registry] });
  readonly blocksAccepted = new Counter({ name: 'sv2_tp_blocks_accepted_total', help: 'Solutions whose block the node accepted as its new tip', registers: [this.registry] });
  readonly blocksStale = new Counter({ name: 'sv2_tp_blocks_stale_total', help: "Solutions whose block was valid but is off the node's best chain", registers: [this.registry] });
  readonly blocksRejected = new Counter({ name: 'sv2_tp_blocks_rejected_total', help: "Solutions whose block was not accepted, by the node's reason", labelNames: ['reason'], registers: [this.registry] });
}
