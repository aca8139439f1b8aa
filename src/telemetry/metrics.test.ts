import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMetrics } from './metrics.js';

const CONTRACT = [
  'portcullis_http_requests_total', 'portcullis_upstream_requests_total', 'portcullis_cache_hits_total',
  'portcullis_cache_misses_total', 'portcullis_scans_total', 'portcullis_scan_duration_seconds',
  'portcullis_scan_queue_depth', 'portcullis_verdicts_total', 'portcullis_vulndb_records',
];

test('the contract metric names exist', () => {
  const names = new Set(createMetrics().registry.getMetricsAsArray().map((m) => m.name));
  for (const n of CONTRACT) assert.ok(names.has(n), n);
});

test('Prometheus naming conventions: prefix, _total on counters only, base units, no unit-less durations', () => {
  for (const m of createMetrics().registry.getMetricsAsArray()) {
    const type = (m as unknown as { type: string }).type;
    assert.match(m.name, /^portcullis_[a-z0-9_]+$/, m.name);
    assert.equal(m.name.endsWith('_total'), type === 'counter', `${m.name}: _total iff counter`);
    if (type === 'histogram') assert.match(m.name, /_(seconds|bytes)$/, `${m.name}: histograms in base units`);
    assert.ok(!/_(ms|milliseconds|kb|mb|kib|mib|minutes|hours)(_|$)/.test(m.name), `${m.name}: base units only`);
    assert.ok(!/(duration|latency|time|age)(_total)?$/.test(m.name), `${m.name}: times carry _seconds`);
    assert.ok(m.help.length > 5, `${m.name}: help text`);
  }
});

test('runtime metrics keep their standard names; build info and scrape-time cache gauges', async () => {
  const m = createMetrics({ defaultMetrics: true });
  m.sources.memoryCaches = () => ({ manifests: 3, manifestBytes: 1234, tags: 7 });
  const text = await m.registry.metrics();
  assert.match(text, /^process_cpu_user_seconds_total /m);
  assert.match(text, /^nodejs_eventloop_lag_seconds /m);
  assert.match(text, /^portcullis_build_info\{version="[^"]+"\} 1$/m);
  assert.match(text, /^portcullis_memory_cache_entries\{cache="manifest"\} 3$/m);
  assert.match(text, /^portcullis_memory_cache_entries\{cache="tag"\} 7$/m);
  assert.match(text, /^portcullis_memory_cache_bytes 1234$/m);
});
