import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig, ConfigError } from './load.js';

const minimal = `
upstreams:
  hub: { url: "https://registry-1.docker.io", registries: ["docker.io"] }
`;

test('minimal config gets documented defaults', () => {
  const c = parseConfig(minimal);
  assert.equal(c.server.listen, '0.0.0.0:5000');
  assert.equal(c.storage.tagTtl, 60_000);
  assert.equal(c.storage.maxBlobCacheBytes, 50 * 1024 ** 3);
  assert.equal(c.policy.scanTimeout, 120_000);
  assert.equal(c.policy.blockSeverity, 'high');
  assert.equal(c.upstreams.hub!.timeout, 30_000);
  assert.ok(Object.isFrozen(c.upstreams.hub));
});

test('${VAR} is substituted from the environment, with defaults', () => {
  const c = parseConfig(`
upstreams:
  hub: { url: "https://registry-1.docker.io", username: "\${U}", password: "\${P:-fallback}" }
`, 'x', { U: 'alice' });
  assert.equal(c.upstreams.hub!.username, 'alice');
  assert.equal(c.upstreams.hub!.password, 'fallback');
});

test('every problem is listed with its path', () => {
  try {
    parseConfig(`
server: { listen: "nope", bogus: 1 }
upstreams:
  hub: { url: "http://plain:5000" }
  other: { url: "ftp://x" }
storage: { maxBlobCacheBytes: "lots" }
policy: { blockSeverity: severe, scanTimeout: "soon" }
unknownTop: true
`, 'x', {});
    assert.fail('should throw');
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    const paths = e.problems.map((p) => p.path);
    for (const p of ['server.listen', 'server.bogus', 'upstreams.other.url', 'storage.maxBlobCacheBytes', 'policy.blockSeverity', 'policy.scanTimeout', 'unknownTop']) {
      assert.ok(paths.includes(p), `missing ${p} in ${paths.join(', ')}`);
    }
    assert.match(e.message, /server\.listen: .*host:port.*got "nope"/);
  }
});

test('cross-field checks: routing default, insecure http, unset env', () => {
  try {
    parseConfig(`
upstreams:
  a: { url: "http://127.0.0.1:5000" }
  b: { url: "https://b.example", username: "\${MISSING}", password: x }
routing: { default: c }
`, 'x', {});
    assert.fail('should throw');
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    const msgs = e.problems.map((p) => `${p.path}: ${p.message}`).join('\n');
    assert.match(msgs, /upstreams\.b\.username: environment variable MISSING is not set/);
  }
  try {
    parseConfig(`
upstreams:
  a: { url: "http://127.0.0.1:5000" }
routing: { default: c }
`, 'x', {});
    assert.fail('should throw');
  } catch (e) {
    const msgs = (e as ConfigError).problems.map((p) => `${p.path}: ${p.message}`).join('\n');
    assert.match(msgs, /routing\.default: names no upstream/);
    assert.match(msgs, /upstreams\.a\.url: plain http needs `insecure: true`/);
  }
});

test('YAML syntax errors are reported, not thrown raw', () => {
  assert.throws(() => parseConfig('upstreams: [', 'x'), ConfigError);
});
