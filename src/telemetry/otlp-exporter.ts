/**
 * The OTLP/HTTP span exporter: OpenTelemetry's HTTP transport (retries with backoff on 429/502/
 * 503/504 and Retry-After, timeouts, headers, bounded concurrency) sending binary protobuf, the
 * OTLP/HTTP default, encoded by otlp-proto.ts.
 */
import { OTLPExporterBase } from '@opentelemetry/otlp-exporter-base';
import { convertLegacyHttpOptions, createOtlpHttpExportDelegate } from '@opentelemetry/otlp-exporter-base/node-http';
import { ProtobufTraceSerializer, TraceExporterMetricsHelper, type IExportTraceServiceResponse, type ISerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { encodeTraceExportRequest } from './otlp-proto.js';

const serializer: ISerializer<ReadableSpan[], IExportTraceServiceResponse> = {
  serializeRequest: encodeTraceExportRequest,
  deserializeResponse: (data) => ProtobufTraceSerializer.deserializeResponse(data),
};

export interface OtlpExporterOptions {
  /** the full …/v1/traces URL */
  url: string;
  headers?: Record<string, string>;
  timeoutMillis: number;
}

export function createOtlpSpanExporter(opts: OtlpExporterOptions): SpanExporter {
  const config = convertLegacyHttpOptions({ url: opts.url, headers: opts.headers, timeoutMillis: opts.timeoutMillis }, 'TRACES', 'v1/traces', { 'Content-Type': 'application/x-protobuf' });
  return new OTLPExporterBase<ReadableSpan[]>(createOtlpHttpExportDelegate(config, serializer, 'otlp_http_span_exporter', TraceExporterMetricsHelper, undefined));
}
