import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ERROR_CODES, RegistryError, errorBody, toRegistryError } from './errors.js';

test('every code has a status and message', () => {
  for (const [code, e] of Object.entries(ERROR_CODES)) {
    assert.ok(e.status >= 400 && e.status < 600, code);
    assert.ok(e.message.length > 0, code);
  }
});

test('errorBody writes the OCI shape with detail', () => {
  const err = new RegistryError('DENIED', 'denied by policy', { detail: { decision: 'deny' } });
  assert.equal(err.status, 403);
  assert.deepEqual(JSON.parse(errorBody(err)), { errors: [{ code: 'DENIED', message: 'denied by policy', detail: { decision: 'deny' } }] });
});

test('unknown errors become INTERNAL without their message', () => {
  const err = toRegistryError(new Error('secret path /etc/x'));
  assert.equal(err.code, 'INTERNAL');
  assert.ok(!err.message.includes('secret'));
});
