import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { createExportThreadSink } from './export-thread-sink.js';

/** A collector stand-in on loopback that answers every POST with `status` and keeps what it got. */
async function collector(status: number) {
  const got: Array<{ type: string | undefined; body: Buffer }> = [];
  const server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      got.push({ type: req.headers['content-type'], body: Buffer.concat(parts) });
      res.writeHead(status, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`;
  return { url, got, close: () => new Promise<void>((r) => server.close(() => r())) };
}

function send(sink: ReturnType<typeof createExportThreadSink>, bytes: Uint8Array): Promise<ExportResult> {
  return new Promise((resolve) => sink.export({ bytes, spans: 1 }, resolve));
}

test('the export thread sends a batch as OTLP/protobuf, the bytes moved rather than copied; shutdown ends the thread', async () => {
  const c = await collector(200);
  const sink = createExportThreadSink({ url: c.url, timeoutMillis: 5_000 });
  try {
    const bytes = Buffer.allocUnsafeSlow(5);
    bytes.set([0x0a, 0x03, 0x01, 0x02, 0x03]);
    const result = await send(sink, bytes);
    assert.equal(result.code, ExportResultCode.SUCCESS);
    assert.equal(bytes.buffer.byteLength, 0, 'transferred to the thread');
    // a view into a larger buffer is copied instead, and leaves the caller's buffer alone
    const shared = Buffer.from([9, 9, 0x0a, 0x00, 9]);
    assert.equal((await send(sink, shared.subarray(2, 4))).code, ExportResultCode.SUCCESS);
    assert.equal(shared.length, 5);
    assert.deepEqual(c.got.map((g) => [g.type, [...g.body]]), [['application/x-protobuf', [0x0a, 0x03, 0x01, 0x02, 0x03]], ['application/x-protobuf', [0x0a, 0x00]]]);
  } finally {
    await sink.shutdown();
    await sink.shutdown(); // nothing left to stop
    await c.close();
  }
});

test('a refused or unreachable collector fails the batch with the reason', async () => {
  const c = await collector(400);
  const sink = createExportThreadSink({ url: c.url, timeoutMillis: 2_000 });
  try {
    const refused = await send(sink, Buffer.from([0x0a, 0x00]));
    assert.equal(refused.code, ExportResultCode.FAILED);
    assert.match(refused.error?.message ?? '', /400|Bad Request/);
  } finally {
    await sink.shutdown();
    await c.close();
  }
  const gone = createExportThreadSink({ url: c.url, timeoutMillis: 2_000 }); // nothing listens there now
  try {
    const unreachable = await send(gone, Buffer.from([0x0a, 0x00]));
    assert.equal(unreachable.code, ExportResultCode.FAILED);
    assert.ok(unreachable.error?.message, 'says why');
  } finally {
    await gone.shutdown();
  }
});

test('a thread that dies fails the batches it held with its error, and the next batch starts another', async () => {
  // a URL the OTLP transport rejects makes the thread throw as it starts (config validation keeps such URLs out of `serve`)
  const sink = createExportThreadSink({ url: 'not a url', timeoutMillis: 1_000 });
  try {
    for (let i = 0; i < 2; i++) {
      const result = await send(sink, Buffer.from([0x0a, 0x00]));
      assert.equal(result.code, ExportResultCode.FAILED);
      assert.match(result.error?.message ?? '', /export URL/, `batch ${i}: the thread's own error, not a hang`);
    }
  } finally {
    await sink.shutdown();
  }
});
