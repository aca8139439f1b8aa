import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { validateOsvRecord } from './osv-record.js';
import { normalisePackageName } from './package-names.js';

const CASES = fileURLToPath(new URL('../../../test/fixtures/osv/schema-cases/', import.meta.url));
const load = (name: string): unknown => JSON.parse(readFileSync(join(CASES, name), 'utf8'));

/** Each invalid case breaks one rule of the OSV JSON schema; the reason names it. */
const EXPECTED_REASONS: Record<string, RegExp> = {
  'invalid-bad-timestamp.json': /^published: expected an RFC 3339/,
  'invalid-cvss-vector.json': /^severity\.0\.score: score does not match its type/,
  'invalid-empty-events.json': /^affected\.0\.ranges\.0\.events: /,
  'invalid-fixed-and-last-affected.json': /mutually exclusive/,
  'invalid-git-range-without-repo.json': /GIT ranges require a repo/,
  'invalid-id-with-slash.json': /^id: /,
  'invalid-missing-modified.json': /^modified: /,
  'invalid-nointroduced-CVE-2023-41045.json': /must contain an introduced event/,
  'invalid-package-without-name.json': /^affected\.0\.package\.name: /,
  'invalid-severity-at-both-levels.json': /top-level severity excludes affected\[\]\.severity/,
  'invalid-two-kinds-in-one-event.json': /exactly one of introduced, fixed, last_affected, limit/,
  'invalid-unknown-range-type.json': /^affected\.0\.ranges\.0\.type: /,
};

describe('validateOsvRecord', () => {
  for (const [file, reason] of Object.entries(EXPECTED_REASONS)) {
    it(`rejects ${file}`, () => {
      const result = validateOsvRecord(load(file));
      assert.equal(result.ok, false);
      if (!result.ok) assert.match(result.reason, reason);
    });
  }

  it('covers every invalid case in the fixtures folder', () => {
    const files = readdirSync(CASES).filter((f) => f.startsWith('invalid-') && f !== 'invalid-not-json.json');
    assert.deepEqual(files.sort(), Object.keys(EXPECTED_REASONS).sort());
  });

  it('accepts unknown fields and abbreviated GIT hashes (documented relaxations), returning the input unchanged', () => {
    for (const file of ['relaxed-unknown-top-level-field.json', 'relaxed-abbreviated-git-hash.json']) {
      const value = load(file);
      const result = validateOsvRecord(value);
      assert.equal(result.ok, true, file);
      if (result.ok) assert.equal(result.record, value);
    }
  });

  it('rejects non-objects', () => {
    for (const value of [null, 42, 'x', []]) assert.equal(validateOsvRecord(value).ok, false);
  });
});

describe('normalisePackageName', () => {
  it('normalises PyPI names per PEP 503', () => {
    assert.equal(normalisePackageName('PyPI', 'JW_Util'), 'jw-util');
    assert.equal(normalisePackageName('PyPI', 'jw.util'), 'jw-util');
    assert.equal(normalisePackageName('PyPI', 'Foo.._-Bar'), 'foo-bar');
  });
  it('folds npm case, keeps other ecosystems exact', () => {
    assert.equal(normalisePackageName('npm', 'Axios'), 'axios');
    assert.equal(normalisePackageName('Go', 'github.com/BurntSushi/toml'), 'github.com/BurntSushi/toml');
    assert.equal(normalisePackageName('Debian:12', 'libxml2'), 'libxml2');
  });
});
