import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JwtCodec } from './jwt.js';

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

test('a signed JWT verifies, carries the token name and id, and is capped by the token expiry', async () => {
  const codec = new JwtCodec('x'.repeat(32), 15 * 60_000);
  const now = Date.parse('2030-01-01T00:00:00Z');
  const s = await codec.sign({ sub: 'ci', tid: 'id1', audience: 'mirror', access: [], expiresAt: now + 60_000, now });
  assert.equal(s.expiresIn, 60);
  const v = await codec.verify(s.jwt, now + 1000);
  assert.ok(v.ok);
  assert.deepEqual(v.ok && { sub: v.claims.sub, tid: v.claims.tid }, { sub: 'ci', tid: 'id1' });
  const again = await codec.verify(s.jwt, now + 2000);
  assert.ok(again.ok, 'cached verification');
  const late = await codec.verify(s.jwt, now + 61_000);
  assert.deepEqual(late.ok ? 'ok' : late.reason, 'expired');
});

test('tampered, alg none, wrong key and garbage are refused', async () => {
  const codec = new JwtCodec('x'.repeat(32), 60_000);
  const other = new JwtCodec('y'.repeat(32), 60_000);
  const random = new JwtCodec(undefined, 60_000);
  const { jwt } = await codec.sign({ sub: 'ci', tid: 'id1', audience: 'm', access: [], expiresAt: null });
  const [h, p, sig] = jwt.split('.') as [string, string, string];
  const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
  const cases = [
    `${h}.${b64({ ...payload, sub: 'admin' })}.${sig}`,
    `${b64({ alg: 'none', typ: 'JWT' })}.${p}.`,
    `${b64({ alg: 'HS512', typ: 'JWT' })}.${p}.${sig}`,
    (await other.sign({ sub: 'ci', tid: 'id1', audience: 'm', access: [], expiresAt: null })).jwt,
    (await random.sign({ sub: 'ci', tid: 'id1', audience: 'm', access: [], expiresAt: null })).jwt,
    'a.b.c',
    `${h}.${p}.${sig.slice(0, -2)}AA`,
  ];
  for (const c of cases) {
    const v = await codec.verify(c);
    assert.equal(v.ok, false, c);
  }
});
