/**
 * The composition root for `serve`: the gateway core plus each layer's extension, in order.
 * Each layer contributes an `ExtensionFactory` from its own wire.ts; this file only lists them.
 */
import type { Config } from './config/schema.js';
import type { Logger } from './log.js';
import { startGateway, type CoreServices, type Extensions, type Gateway } from './gateway.js';
import { createMetrics } from './telemetry/metrics.js';
import { authExtension } from './auth/wire.js';
import { telemetryExtension } from './telemetry/wire.js';
import { createGate, type GateExtension } from './gate/wire.js';
import { gateDashboard } from './dashboard/wire.js';
import { gateEventsExtension } from './webhooks/wire.js';

export type ExtensionFactory = (core: CoreServices) => Promise<Extensions>;

/** The gate with what hangs off it: the dashboard over its stores (in-process) and webhooks on its events. */
export function composeGate(core: CoreServices, gate: GateExtension): Extensions {
  return mergeExtensions([gate, gateDashboard(gate), gateEventsExtension(core, gate.events)]);
}

export const gateLayer: ExtensionFactory = async (core) => composeGate(core, await createGate(core));

/** Extension factories, outermost first (their `before` middleware runs in this order). */
export const EXTENSIONS: ExtensionFactory[] = [authExtension, telemetryExtension, gateLayer];

export function mergeExtensions(parts: Extensions[]): Extensions {
  const gates = parts.map((p) => p.gate).filter((g) => g !== undefined);
  if (gates.length > 1) throw new Error('more than one pull gate configured');
  return {
    gate: gates[0],
    observers: parts.flatMap((p) => p.observers ?? []),
    before: parts.flatMap((p) => p.before ?? []),
    routes: parts.flatMap((p) => p.routes ?? []),
    readiness: parts.flatMap((p) => p.readiness ?? []),
    onClose: async () => {
      for (const p of [...parts].reverse()) await p.onClose?.();
    },
  };
}

export async function composeExtensions(core: CoreServices, factories: ExtensionFactory[] = EXTENSIONS): Promise<Extensions> {
  const parts: Extensions[] = [];
  for (const f of factories) parts.push(await f(core));
  return mergeExtensions(parts);
}

export async function startServer(config: Config, logger: Logger, factories: ExtensionFactory[] = EXTENSIONS): Promise<Gateway> {
  return startGateway(config, { logger, metrics: createMetrics({ defaultMetrics: true }), extend: (core) => composeExtensions(core, factories) });
}
