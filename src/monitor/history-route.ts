import type { HistorySink } from '../roles/common/history.js';
import type { RouteHandler } from './server.js';

const WEEK_MINUTES = 7 * 24 * 60;

/** `/api/v1/history?minutes=N` (1..a week, default 60): the points of the last N minutes, oldest first. */
export function historyRoute(sink: HistorySink, now: () => number = Date.now): RouteHandler {
  return ({ minutes }) => {
    const n = Number(minutes ?? 60);
    const span = Number.isFinite(n) && n >= 1 ? Math.min(Math.floor(n), WEEK_MINUTES) : 60;
    return { minutes: span, points: sink.history(now() - span * 60_000) };
  };
}
