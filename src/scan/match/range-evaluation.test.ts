import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { VersionComparer } from '../versions/index.js';
import type { OsvAffected, OsvEvent } from '../vulndb/osv-record.js';
import { evaluateAffected } from './range-evaluation.js';
import { compareSemver } from './semver-order.js';

/** A deliberately simple dotted-numeric order, standing in for an ecosystem's own. */
const dotted: VersionComparer = {
  compare(a, b) {
    const pa = a.split('.').map(Number);
    const pb = b.split('.').map(Number);
    if ([...pa, ...pb].some(Number.isNaN)) throw new Error(`bad version ${a} or ${b}`);
    for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
      const d = (pa[i] ?? 0) - (pb[i] ?? 0);
      if (d !== 0) return Math.sign(d);
    }
    return 0;
  },
};

const entry = (type: 'ECOSYSTEM' | 'SEMVER' | 'GIT', events: OsvEvent[], extra: Partial<OsvAffected> = {}): OsvAffected => ({
  package: { ecosystem: 'npm', name: 'x' },
  ranges: [{ type, events, ...(type === 'GIT' ? { repo: 'https://example.com/x.git' } : {}) }],
  ...extra,
});
const check = (e: OsvAffected, v: string) => evaluateAffected(e, v, dotted);

describe('evaluateAffected (OSV evaluation algorithm)', () => {
  it('introduced "0" / fixed: affected below the fix, not at or above it', () => {
    const e = entry('ECOSYSTEM', [{ introduced: '0' }, { fixed: '1.2' }]);
    assert.deepEqual(check(e, '0.1'), { affected: true, fixed: '1.2', problems: [] });
    assert.equal(check(e, '1.2').affected, false);
    assert.equal(check(e, '2.0').affected, false);
  });

  it('sorts events before walking them, with several introduced/fixed pairs', () => {
    const e = entry('ECOSYSTEM', [{ fixed: '3.2.5' }, { introduced: '3.0' }, { fixed: '1.0.2' }, { introduced: '1.0' }]);
    assert.equal(check(e, '0.9').affected, false);
    assert.deepEqual(check(e, '1.0.1'), { affected: true, fixed: '1.0.2', problems: [] });
    assert.equal(check(e, '2.0').affected, false);
    assert.deepEqual(check(e, '3.1'), { affected: true, fixed: '3.2.5', problems: [] });
    assert.equal(check(e, '3.2.5').affected, false);
  });

  it('last_affected includes that version and reports no fix', () => {
    const e = entry('ECOSYSTEM', [{ introduced: '0' }, { last_affected: '4.5.1' }]);
    assert.deepEqual(check(e, '4.5.1'), { affected: true, problems: [] });
    assert.equal(check(e, '4.5.2').affected, false);
  });

  it('limit events bound the range; "*" is infinity', () => {
    const limited = entry('ECOSYSTEM', [{ introduced: '1.0' }, { limit: '2.0' }]);
    assert.equal(check(limited, '1.5').affected, true);
    assert.equal(check(limited, '2.0').affected, false);
    const unlimited = entry('ECOSYSTEM', [{ introduced: '1.0' }, { limit: '*' }]);
    assert.equal(check(unlimited, '99').affected, true);
  });

  it('an explicit versions list matches exactly, with or without ranges', () => {
    const e: OsvAffected = { package: { ecosystem: 'PyPI', name: 'gratient' }, versions: ['0.5'] };
    assert.equal(check(e, '0.5').affected, true);
    assert.equal(check(e, '0.5.0').affected, true); // equal in the ecosystem's order
    assert.equal(check(e, '0.6').affected, false);
  });

  it('ignores GIT ranges', () => {
    const e = entry('GIT', [{ introduced: '0' }, { fixed: 'a'.repeat(40) }]);
    assert.deepEqual(check(e, '1.0'), { affected: false, problems: [] });
  });

  it('uses SemVer 2.0 order for SEMVER ranges whatever the ecosystem order', () => {
    const e = entry('SEMVER', [{ introduced: '0' }, { fixed: '1.0.0' }]);
    assert.equal(evaluateAffected(e, '1.0.0-rc.1', undefined).affected, true); // pre-release sorts first
    assert.equal(evaluateAffected(e, 'v1.0.0', undefined).affected, false); // Go's leading v
  });

  it('reports ranges it cannot evaluate instead of guessing', () => {
    const noOrder = evaluateAffected(entry('ECOSYSTEM', [{ introduced: '0' }]), '1.0', undefined);
    assert.equal(noOrder.affected, false);
    assert.match(noOrder.problems[0]!, /no version order for npm/);
    const unparsable = check(entry('ECOSYSTEM', [{ introduced: '0' }, { fixed: 'x.y' }]), '1.0');
    assert.equal(unparsable.affected, false);
    assert.match(unparsable.problems[0]!, /not evaluated: bad version/);
  });

  it('reports the smallest fix above the version among matching ranges', () => {
    const e: OsvAffected = {
      package: { ecosystem: 'npm', name: 'x' },
      ranges: [
        { type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '2.0' }] },
        { type: 'ECOSYSTEM', events: [{ introduced: '1.0' }, { fixed: '1.5' }] },
      ],
    };
    assert.equal(check(e, '1.2').fixed, '1.5');
  });
});

describe('compareSemver', () => {
  it('follows SemVer 2.0 precedence (semver.org §11 example chain)', () => {
    const chain = ['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0'];
    for (let i = 0; i + 1 < chain.length; i++) {
      assert.equal(compareSemver(chain[i]!, chain[i + 1]!), -1, `${chain[i]} < ${chain[i + 1]}`);
      assert.equal(compareSemver(chain[i + 1]!, chain[i]!), 1);
    }
    assert.equal(compareSemver('1.0.0+build.5', '1.0.0'), 0);
    assert.equal(compareSemver('v1.2', '1.2.0'), 0);
    assert.equal(compareSemver('go1.21.3', '1.21.10'), -1);
    assert.equal(compareSemver('0.0.0-20210101000000-abcdef123456', '0.0.0'), -1);
    assert.throws(() => compareSemver('latest', '1.0.0'));
  });
});
