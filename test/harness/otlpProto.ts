/**
 * A decoder for OTLP/protobuf trace export requests (what a collector receives), into the shape of
 * the OTLP/JSON mapping: `{ resourceSpans: [{ resource, scopeSpans: [{ scope, spans }] }] }` with
 * hex ids, camelCase names, `intValue` as a number and times as decimal strings. Only the trace
 * messages (opentelemetry-proto trace/v1, common/v1, resource/v1) are known; unknown fields are skipped.
 */

type Kind = 'string' | 'hex' | 'varint' | 'bool' | 'fixed64' | 'double' | 'fixed32' | 'bytes' | Schema;
interface Field { name: string; kind: Kind; repeated?: boolean }
type Schema = Record<number, Field>;

const anyValue: Schema = {};
const keyValue: Schema = { 1: { name: 'key', kind: 'string' }, 2: { name: 'value', kind: anyValue } };
Object.assign(anyValue, {
  1: { name: 'stringValue', kind: 'string' },
  2: { name: 'boolValue', kind: 'bool' },
  3: { name: 'intValue', kind: 'varint' },
  4: { name: 'doubleValue', kind: 'double' },
  5: { name: 'arrayValue', kind: { 1: { name: 'values', kind: anyValue, repeated: true } } },
  6: { name: 'kvlistValue', kind: { 1: { name: 'values', kind: keyValue, repeated: true } } },
  7: { name: 'bytesValue', kind: 'bytes' },
} satisfies Schema);
const attributes = (n: number): Schema => ({ [n]: { name: 'attributes', kind: keyValue, repeated: true } });
const span: Schema = {
  1: { name: 'traceId', kind: 'hex' }, 2: { name: 'spanId', kind: 'hex' }, 3: { name: 'traceState', kind: 'string' },
  4: { name: 'parentSpanId', kind: 'hex' }, 5: { name: 'name', kind: 'string' }, 6: { name: 'kind', kind: 'varint' },
  7: { name: 'startTimeUnixNano', kind: 'fixed64' }, 8: { name: 'endTimeUnixNano', kind: 'fixed64' },
  ...attributes(9), 10: { name: 'droppedAttributesCount', kind: 'varint' },
  11: { name: 'events', repeated: true, kind: { 1: { name: 'timeUnixNano', kind: 'fixed64' }, 2: { name: 'name', kind: 'string' }, ...attributes(3), 4: { name: 'droppedAttributesCount', kind: 'varint' } } },
  12: { name: 'droppedEventsCount', kind: 'varint' },
  13: { name: 'links', repeated: true, kind: { 1: { name: 'traceId', kind: 'hex' }, 2: { name: 'spanId', kind: 'hex' }, 3: { name: 'traceState', kind: 'string' }, ...attributes(4), 5: { name: 'droppedAttributesCount', kind: 'varint' }, 6: { name: 'flags', kind: 'fixed32' } } },
  14: { name: 'droppedLinksCount', kind: 'varint' },
  15: { name: 'status', kind: { 2: { name: 'message', kind: 'string' }, 3: { name: 'code', kind: 'varint' } } },
  16: { name: 'flags', kind: 'fixed32' },
};
const request: Schema = {
  1: {
    name: 'resourceSpans', repeated: true, kind: {
      1: { name: 'resource', kind: { ...attributes(1), 2: { name: 'droppedAttributesCount', kind: 'varint' } } },
      2: { name: 'scopeSpans', repeated: true, kind: { 1: { name: 'scope', kind: { 1: { name: 'name', kind: 'string' }, 2: { name: 'version', kind: 'string' }, ...attributes(3) } }, 2: { name: 'spans', kind: span, repeated: true }, 3: { name: 'schemaUrl', kind: 'string' } } },
      3: { name: 'schemaUrl', kind: 'string' },
    },
  },
};

function decode(buf: Buffer, schema: Schema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = buf[pos++];
      if (b === undefined) throw new Error('truncated varint');
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return result;
      shift += 7n;
    }
  };
  while (pos < buf.length) {
    const key = Number(varint());
    const field = schema[key >>> 3];
    const wire = key & 7;
    let raw: Buffer | bigint;
    if (wire === 0) raw = varint();
    else if (wire === 1) { raw = buf.subarray(pos, pos + 8); pos += 8; }
    else if (wire === 5) { raw = buf.subarray(pos, pos + 4); pos += 4; }
    else if (wire === 2) { const n = Number(varint()); raw = buf.subarray(pos, pos + n); pos += n; }
    else throw new Error(`wire type ${wire}`);
    if (!field) continue;
    let value: unknown;
    const k = field.kind;
    if (typeof k === 'object') value = decode(raw as Buffer, k);
    else if (k === 'string') value = (raw as Buffer).toString('utf8');
    else if (k === 'hex') value = (raw as Buffer).toString('hex');
    else if (k === 'bytes') value = (raw as Buffer).toString('base64');
    else if (k === 'varint') value = Number(BigInt.asIntN(64, raw as bigint));
    else if (k === 'bool') value = (raw as bigint) !== 0n;
    else if (k === 'fixed64') value = (raw as Buffer).readBigUInt64LE().toString();
    else if (k === 'double') value = (raw as Buffer).readDoubleLE();
    else if (k === 'fixed32') value = (raw as Buffer).readUInt32LE();
    if (field.repeated) ((out[field.name] ??= []) as unknown[]).push(value);
    else out[field.name] = value;
  }
  return out;
}

/** An ExportTraceServiceRequest as the OTLP/JSON document a JSON exporter would have sent. */
export function decodeTraceExportRequest(body: Uint8Array): { resourceSpans?: Array<Record<string, any>> } {
  return decode(Buffer.from(body.buffer, body.byteOffset, body.byteLength), request) as { resourceSpans?: Array<Record<string, any>> };
}
