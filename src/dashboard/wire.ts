/**
 * The dashboard as a gateway extension (listed last in src/main.ts EXTENSIONS).
 *
 * `dashboardExtension` reads the gate's HTTP API over loopback, as the viewer, because an
 * ExtensionFactory gets only the core services, not the gate's store, queue and database.
 * `createDashboard(gateSource(gate))` reads them in-process instead (and also lists images newly
 * denied by a rescan); composition roots that hold the gate's parts should prefer it.
 */
import type { CoreServices, Extensions } from '../gateway.js';
import { apiSource } from './api-source.js';
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

/** The ExtensionFactory for src/main.ts. */
export async function dashboardExtension(core: CoreServices): Promise<Extensions> {
  return createDashboard(apiSource(core.config.server.listen));
}
