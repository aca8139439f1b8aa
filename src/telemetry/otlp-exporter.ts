/**
 * The OTLP/HTTP span transport: OpenTelemetry's HTTP export delegate (retries with backoff on
 * 429/502/503/504 and Retry-After, timeouts, headers, bounded concurrency) sending binary protobuf,
 * the OTLP/HTTP default, that encoding-span-processor.ts encoded as the spans ended.
 */
import { convertLegacyHttpOptions, createOtlpHttpExportDelegate } from '@opentelemetry/otlp-exporter-base/node-http';
import { ProtobufTraceSerializer, type IExportTraceServiceResponse, type ISerializer } from '@opentelemetry/otlp-transformer';
import type { EncodedExport, EncodedExportSink } from './encoding-span-processor.js';

export interface OtlpExporterOptions {
  /** the full …/v1/traces URL */
  url: string;
  headers?: Record<string, string>;
  timeoutMillis: number;
}

const passThrough: ISerializer<EncodedExport, IExportTraceServiceResponse> = {
  serializeRequest: (batch) => batch.bytes,
  deserializeResponse: (data) => ProtobufTraceSerializer.deserializeResponse(data),
};

export function createOtlpEncodedSink(opts: OtlpExporterOptions): EncodedExportSink {
  const config = convertLegacyHttpOptions({ url: opts.url, headers: opts.headers, timeoutMillis: opts.timeoutMillis }, 'TRACES', 'v1/traces', { 'Content-Type': 'application/x-protobuf' });
  const delegate = createOtlpHttpExportDelegate(config, passThrough, 'otlp_http_span_exporter', { name: 'span', countItems: (b: EncodedExport) => b.spans }, undefined);
  return { export: (batch, done) => delegate.export(batch, done), shutdown: () => delegate.shutdown() };
}
