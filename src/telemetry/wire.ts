/**
 * The telemetry extension: traces (when `telemetry.otlpEndpoint` is set) and scrape-time cache
 * gauges. Its server span is a request observer (app.ts): it wraps every request whatever the
 * order of main.ts EXTENSIONS.
 */
import type { CoreServices, Extensions } from '../gateway.js';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { startTracing } from './tracing.js';
import { serverSpans } from './server-span.js';

export interface TelemetryOptions {
  /** replaces the OTLP exporter (tests) */
  exporter?: SpanExporter;
  exportDelayMs?: number;
}

export function createTelemetryExtension(opts: TelemetryOptions = {}) {
  return async function telemetryExtension(core: CoreServices): Promise<Extensions> {
    const { config, logger, metrics } = core;
    metrics.sources.memoryCaches = () => core.manifestStore.memoryStats();
    const t = config.telemetry;
    if (!t.otlpEndpoint && !opts.exporter) return {};
    const tracing = startTracing({
      endpoint: t.otlpEndpoint,
      headers: t.otlpHeaders,
      serviceName: t.serviceName,
      sampleRatio: t.sampleRatio,
      logger,
      exporter: opts.exporter,
      exportDelayMs: opts.exportDelayMs,
    });
    return {
      observers: [serverSpans(tracing.tracer, { metricsPath: t.metricsPath })],
      onClose: () => tracing.shutdown(),
    };
  };
}

/** The factory `serve` uses (main.ts EXTENSIONS). */
export const telemetryExtension = createTelemetryExtension();
