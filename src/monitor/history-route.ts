import { historyView, type HistorySink } from '../roles/common/history.js';
import type { RouteHandler } from './server.js';

/** `/api/v1/history?minutes=N`: see historyView. */
export function historyRoute(sink: HistorySink, now: () => number = Date.now): RouteHandler {
  return ({ minutes }) => historyView(sink, minutes, now());
}
