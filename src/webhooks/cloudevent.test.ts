import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serializeEvent, signBody, toCloudEvent, verifySignature } from './cloudevent.js';

test('toCloudEvent: required attributes, type prefix, subject from a verdict or {verdict}', () => {
  const at = new Date('2026-01-02T03:04:05.000Z');
  const v = { digest: 'sha256:abc', repository: 'library/alpine', decision: 'deny' };
  const e = toCloudEvent('pull.denied', v, 'https://m.example', at, 'id-1');
  assert.deepEqual(e, {
    specversion: '1.0', id: 'id-1', source: 'https://m.example', type: 'dev.portcullis.pull.denied',
    time: '2026-01-02T03:04:05.000Z', datacontenttype: 'application/json', subject: 'library/alpine@sha256:abc', data: v,
  });
  assert.equal(toCloudEvent('image.newly_denied', { verdict: v }, 's').subject, 'library/alpine@sha256:abc');
  assert.equal(toCloudEvent('scan.failed', { digest: 'sha256:x' }, 's').subject, 'sha256:x');
  assert.equal(toCloudEvent('scan.failed', 'oops', 's').subject, undefined);
  assert.equal(toCloudEvent('scan.failed', undefined, 's').data, null);
});

test('serializeEvent turns errors into messages', () => {
  const body = serializeEvent(toCloudEvent('scan.failed', { error: new Error('boom') }, 's', new Date(0), 'x'));
  assert.equal(JSON.parse(body).data.error, 'boom');
});

test('signatures: sha256=<hex> HMAC; verification is exact', () => {
  const sig = signBody('k', '{"a":1}');
  assert.equal(sig, 'sha256=c3a92ff9e274cdcce27a58c15a78ec6dcbbdbd0038a87e7a11baef2028fd8bff');
  assert.ok(verifySignature('k', '{"a":1}', sig));
  assert.ok(!verifySignature('k', '{"a":2}', sig));
  assert.ok(!verifySignature('k', '{"a":1}', sig.slice(0, -1)));
  assert.ok(!verifySignature('k', '{"a":1}', undefined));
});
