/**
 * The dashboard as a gateway extension. `gateDashboard(gate)` reads the gate's store, queue and
 * database in-process (src/main.ts composes it with the gate), so it also lists images newly
 * denied by a rescan.
 */
import type { Extensions } from '../gateway.js';
import { gateSource, type GateParts } from './gate-source.js';
import { dashboardRoutes, type DashboardRouteOptions } from './routes.js';
import type { DashboardSource } from './types.js';

export function createDashboard(source: DashboardSource, opts: DashboardRouteOptions = {}): Extensions {
  return {
    routes: [dashboardRoutes(source, opts)],
    onClose: async () => { await source.close?.(); },
  };
}

/** The dashboard over the gate's parts, in-process (the GateExtension from src/gate/wire.ts fits). */
export function gateDashboard(gate: GateParts, opts: DashboardRouteOptions = {}): Extensions {
  return createDashboard(gateSource(gate), opts);
}
