import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CidrError, CidrSet, parseCidr, parseIp } from './cidr.js';
import { clientIp, displayIp } from './client-ip.js';

test('IPv4 ranges match IPv4 and IPv4-mapped IPv6 addresses', () => {
  const set = new CidrSet(['10.0.0.0/8', '192.168.1.7']);
  assert.ok(set.contains('10.1.2.3'));
  assert.ok(set.contains('::ffff:10.1.2.3'));
  assert.ok(set.contains('::FFFF:10.255.255.255'));
  assert.ok(set.contains('192.168.1.7'));
  assert.ok(!set.contains('192.168.1.8'));
  assert.ok(!set.contains('11.0.0.1'));
  assert.ok(!set.contains('::1'));
  assert.ok(!set.contains('not an ip'));
  assert.ok(!set.contains(undefined));
  assert.ok(new CidrSet(['0.0.0.0/0']).contains('203.0.113.9'));
  assert.ok(!new CidrSet(['0.0.0.0/0']).contains('2001:db8::1'), 'the IPv4 world is not the IPv6 world');
});

test('IPv6 ranges, odd prefixes, compressed forms and zone ids', () => {
  const set = new CidrSet(['2001:db8::/32', 'fe80::/10', '::1/128']);
  assert.ok(set.contains('2001:db8:0:0:0:0:0:1'));
  assert.ok(set.contains('2001:DB8:ffff::'));
  assert.ok(!set.contains('2001:db9::1'));
  assert.ok(set.contains('fe80::1%eth0'));
  assert.ok(set.contains('febf::1'));
  assert.ok(!set.contains('fec0::1'));
  assert.ok(set.contains('::1'));
  assert.ok(set.contains('0:0:0:0:0:0:0:1'));
  assert.ok(new CidrSet(['::ffff:0:0/96']).contains('1.2.3.4'), 'the mapped range holds every IPv4 address');
  assert.ok(new CidrSet(['10.0.0.0/9']).contains('10.127.0.1'));
  assert.ok(!new CidrSet(['10.0.0.0/9']).contains('10.128.0.1'));
  assert.deepEqual(parseIp('::ffff:1.2.3.4'), parseIp('1.2.3.4'));
});

test('invalid CIDRs are refused with the text', () => {
  for (const bad of ['10.0.0.0/33', '::/129', '10.0.0/8', 'x/8', '10.0.0.0/-1', '10.0.0.0/8/8', '', 'fe80::1%eth0/64']) {
    assert.throws(() => parseCidr(bad), CidrError, bad);
  }
});

test('X-Forwarded-For is believed only from trusted proxies, right to left', () => {
  const trusted = new CidrSet(['10.0.0.0/8']);
  assert.equal(clientIp('203.0.113.5', '1.1.1.1', trusted), '203.0.113.5', 'untrusted peer: header ignored');
  assert.equal(clientIp('10.0.0.2', '1.1.1.1', trusted), '1.1.1.1');
  assert.equal(clientIp('::ffff:10.0.0.2', '6.6.6.6, 1.1.1.1, 10.0.0.9', trusted), '1.1.1.1', 'spoofed leftmost entries are not believed');
  assert.equal(clientIp('10.0.0.2', ['9.9.9.9', '2001:db8::1'], trusted), '2001:db8::1');
  assert.equal(clientIp('10.0.0.2', 'garbage, 10.0.0.3', trusted), 'garbage', 'a non-address stops the walk (and matches no range)');
  assert.equal(clientIp('10.0.0.2', '10.0.0.5', trusted), '10.0.0.5', 'all hops trusted: the furthest one');
  assert.equal(clientIp('10.0.0.2', undefined, trusted), '10.0.0.2');
  assert.equal(clientIp('1.2.3.4', '5.6.7.8', new CidrSet([])), '1.2.3.4', 'no trusted proxies: header ignored');
  assert.equal(displayIp('::ffff:127.0.0.1'), '127.0.0.1');
});
