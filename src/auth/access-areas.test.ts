import { test } from 'node:test';
import assert from 'node:assert/strict';
import { areaOf, cidrExempt } from './access-areas.js';

const opts = { metricsPath: '/metrics', protectMetrics: false };

test('areas by path and method', () => {
  assert.equal(areaOf('GET', '/v2/', opts), 'registry');
  assert.equal(areaOf('PUT', '/v2/library/app/manifests/1', opts), 'registry');
  assert.equal(areaOf('GET', '/healthz', opts), 'open');
  assert.equal(areaOf('GET', '/readyz', opts), 'open');
  assert.equal(areaOf('GET', '/metrics', opts), 'open');
  assert.equal(areaOf('GET', '/metrics', { ...opts, protectMetrics: true }), 'admin');
  assert.equal(areaOf('POST', '/token', opts), 'token');
  assert.equal(areaOf('GET', '/api/v1/verdicts/sha256:abc', opts), 'api');
  assert.equal(areaOf('GET', '/', opts), 'page');
  assert.equal(areaOf('GET', '/api/v1/admin/rescan', opts), 'admin');
  assert.equal(areaOf('POST', '/api/v1/verdicts/x', opts), 'admin', 'every write outside /v2/ and /token is admin');
  assert.equal(areaOf('DELETE', '/', opts), 'admin');
});

test('admin paths cannot be hidden by encoding, case or empty segments', () => {
  for (const p of ['/api/v1/ADMIN/x', '/api//admin/x', '/api/v1/%61dmin/x', '/API/v1/admin', '/admin', '/api/v1/admin', '/api/%zz']) {
    assert.equal(areaOf('GET', p, opts), 'admin', p);
  }
  assert.equal(areaOf('GET', '/API/v1/verdicts', opts), 'api');
  assert.equal(cidrExempt('/healthz'), true);
  assert.equal(cidrExempt('/metrics'), false);
});
