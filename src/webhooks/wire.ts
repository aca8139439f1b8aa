/**
 * Connects the gate's event emitter (`pull.denied`, `image.newly_denied`, `scan.failed`, each
 * carrying the Verdict or the event payload) to the webhooks in `config.webhooks`.
 */
import type { CoreServices, Extensions } from '../gateway.js';
import { countGateEvents } from '../telemetry/gate-metrics.js';
import { WebhookDispatcher, type EventSource } from './dispatcher.js';

/** CloudEvents `source`: server.publicUrl, else the contract's default http://<listen>. */
export function eventSource(core: Pick<CoreServices, 'config'>): string {
  return core.config.server.publicUrl ?? `http://${core.config.server.listen}`;
}

export function createWebhookDispatcher(core: Pick<CoreServices, 'config' | 'logger' | 'metrics'>): WebhookDispatcher {
  return new WebhookDispatcher(core.config.webhooks, { source: eventSource(core), logger: core.logger, metrics: core.metrics });
}

/**
 * What the gate's events feed outside the gate: webhooks (when configured) and the
 * `portcullis_pull_denials_total` counter. Unsubscribes and drains on close.
 */
export function gateEventsExtension(core: CoreServices, events: EventSource): Extensions {
  const uncount = countGateEvents(events, core.metrics);
  if (core.config.webhooks.length === 0) return { onClose: async () => uncount() };
  const dispatcher = createWebhookDispatcher(core);
  const unsubscribe = dispatcher.subscribe(events);
  core.logger.info('webhooks on', { endpoints: core.config.webhooks.map((w) => ({ host: new URL(w.url).host, events: w.events ?? 'all' })) });
  return {
    onClose: async () => {
      uncount();
      unsubscribe();
      await dispatcher.close();
    },
  };
}
