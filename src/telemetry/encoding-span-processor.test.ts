import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ROOT_CONTEXT, TraceFlags, trace } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, ParentBasedSampler, SimpleSpanProcessor, TraceIdRatioBasedSampler, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { encodeTraceExportRequest } from './otlp-proto.js';
import { EncodingSpanProcessor, type EncodedExport, type EncodingSpanProcessorOptions } from './encoding-span-processor.js';

/** A sink that holds each export until the test answers it. */
function heldSink() {
  const calls: Array<{ batch: EncodedExport; done: (r: ExportResult) => void }> = [];
  let shutdowns = 0;
  return {
    calls,
    get shutdowns() { return shutdowns; },
    sink: {
      export(batch: EncodedExport, done: (r: ExportResult) => void) { calls.push({ batch, done }); },
      async shutdown() { shutdowns++; },
    },
  };
}

function setup(opts: Partial<EncodingSpanProcessorOptions> = {}) {
  const held = heldSink();
  const memory = new InMemorySpanExporter();
  const processor = new EncodingSpanProcessor(held.sink, { maxBatchSpans: 3, maxQueueSpans: 100, delayMs: 60_000, ...opts });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'portcullis' }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(1) }),
    spanProcessors: [processor, new SimpleSpanProcessor(memory)],
  });
  const tracer = provider.getTracer('portcullis', '1.0.0');
  const end = (name: string, ctx = ROOT_CONTEXT) => tracer.startSpan(name, {}, ctx).end();
  /** what an export must hold: the named ended spans, as one OTLP request */
  const expected = (...want: string[]) => Buffer.from(encodeTraceExportRequest(memory.getFinishedSpans().filter((x) => want.includes(x.name))));
  return { held, processor, end, expected };
}

const ok = { code: ExportResultCode.SUCCESS };
/** ended spans are encoded once the event loop's turn is over */
const turn = () => new Promise((r) => setImmediate(r));

test('a full batch leaves as one OTLP request once the turn that ended it is over; one export is in flight at a time', async () => {
  const { held, end, expected } = setup();
  for (const n of ['a', 'b', 'c', 'd', 'e', 'f', 'g']) end(n);
  assert.equal(held.calls.length, 0, 'nothing is encoded inside span.end()');
  await turn();
  assert.equal(held.calls.length, 1, 'the second full batch waits for the first export');
  assert.deepEqual(Buffer.from(held.calls[0]!.batch.bytes), expected('a', 'b', 'c'), 'the same bytes as encoding the ended spans at once');
  assert.equal(held.calls[0]!.batch.spans, 3);
  held.calls[0]!.done(ok);
  assert.equal(held.calls.length, 2);
  assert.deepEqual(Buffer.from(held.calls[1]!.batch.bytes), expected('d', 'e', 'f'));
});

test('a partial batch leaves after the delay; forceFlush sends it now and resolves when the queue is empty', async () => {
  const timed = setup({ delayMs: 20 });
  timed.end('lonely');
  assert.equal(timed.held.calls.length, 0);
  await new Promise((r) => setTimeout(r, 80));
  assert.equal(timed.held.calls.length, 1);
  assert.deepEqual(Buffer.from(timed.held.calls[0]!.batch.bytes), timed.expected('lonely'));

  const { held, processor, end } = setup();
  end('x');
  let flushed = false;
  const flush = processor.forceFlush().then(() => { flushed = true; });
  assert.equal(held.calls.length, 1);
  await new Promise((r) => setImmediate(r));
  assert.equal(flushed, false, 'still in flight');
  held.calls[0]!.done(ok);
  await flush;
  assert.equal(flushed, true);
});

test('unsampled spans are not exported; a full queue drops and counts; failures are reported', async () => {
  const failures: number[] = [];
  let drops = 0;
  const { held, processor, end } = setup({ maxQueueSpans: 4, onDropped: () => drops++, onExportFailed: (_e, n) => failures.push(n) });
  end('unsampled', trace.setSpanContext(ROOT_CONTEXT, { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.NONE, isRemote: true }));
  for (let i = 0; i < 6; i++) end(`s${i}`);
  assert.equal(processor.dropped, 2, '4 waiting fill a 4-span queue');
  assert.equal(drops, 2);
  await turn(); // 3 in flight, 1 batched
  held.calls[0]!.done({ code: ExportResultCode.FAILED, error: new Error('collector down') });
  assert.deepEqual(failures, [3]);
  end('after');
  assert.equal(processor.dropped, 2, 'room again once the failed batch is settled');
});

test('shutdown flushes what is left, shuts the transport down, and takes no more spans', async () => {
  const { held, processor, end } = setup();
  end('last');
  const done = processor.shutdown();
  held.calls[0]!.done(ok);
  await done;
  assert.equal(held.shutdowns, 1);
  end('too late');
  await processor.forceFlush();
  assert.equal(held.calls.length, 1);
});

test('a span that cannot be encoded is dropped and reported, never thrown at span.end(); the batch stays whole', async () => {
  const errors: string[] = [];
  const { held, processor, end, expected } = setup({ maxBatchSpans: 1, onEncodeFailed: (e) => errors.push(e.message) });
  const broken = new Proxy({} as ReadableSpan, {
    get(_t, key) {
      if (key === 'events') throw new Error('no events today');
      const sample = { name: 'broken', kind: 0, attributes: { a: 'x' }, droppedAttributesCount: 0, startTime: [1, 0], endTime: [2, 0] } as Record<string | symbol, unknown>;
      if (key === 'spanContext') return () => ({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED });
      return sample[key];
    },
  });
  assert.doesNotThrow(() => processor.onEnd(broken));
  await turn();
  assert.deepEqual(errors, ['no events today']);
  assert.equal(processor.dropped, 1);
  end('fine');
  await turn();
  assert.equal(held.calls.length, 1);
  assert.deepEqual(Buffer.from(held.calls[0]!.batch.bytes), expected('fine'), 'no trace of the half-encoded span');
});
