/**
 * `portcullis scan REGISTRY/REPO[:TAG|@DIGEST]` against a real distribution
 * registry (plain http, `--insecure`; and one with token auth, credentials from
 * --config), including a multi-arch index scanned per platform.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { makeIndex, pushImage, type OciImage, type OciIndex } from '../harness/ociImage.js';
import { startRegistry, type Registry } from '../harness/registry.js';
import { makeTempDir, type TempDir } from '../harness/tempDir.js';
import { alpineFindingLines, alpineImages, DERIVED_ALPINE_FINDINGS } from '../fixtures/scan/scan-images.js';
import { importFixtures, portcullis, writeConfig } from '../fixtures/scan/run-portcullis.js';
import { parseRegistryTarget, upstreamConfigFor } from '../../src/scan/registry-source.js';
import { parseConfig } from '../../src/config/load.js';
import { sarifProblems, cycloneDxProblems } from '../../src/scan/report/report-shape-checks.js';
import type { Report } from '../../src/scan/types.js';

describe('registry targets', () => {
  it('parses references the way the docker CLI does', () => {
    const cases: [string, string, string, string][] = [
      ['alpine', 'docker.io', 'library/alpine', 'latest'],
      ['alpine:3.19', 'docker.io', 'library/alpine', '3.19'],
      ['docker.io/alpine', 'docker.io', 'library/alpine', 'latest'],
      ['index.docker.io/bitnami/redis:7', 'docker.io', 'bitnami/redis', '7'],
      ['user/app@sha256:' + 'a'.repeat(64), 'docker.io', 'user/app', 'sha256:' + 'a'.repeat(64)],
      ['localhost/app', 'localhost', 'app', 'latest'],
      ['127.0.0.1:5000/team/app:v1.2', '127.0.0.1:5000', 'team/app', 'v1.2'],
      ['ghcr.io/org/tools/scanner:1.0@sha256:' + 'b'.repeat(64), 'ghcr.io', 'org/tools/scanner', 'sha256:' + 'b'.repeat(64)],
    ];
    for (const [text, registry, repository, reference] of cases) assert.deepEqual(parseRegistryTarget(text), { registry, repository, reference }, text);
    for (const bad of ['Alpine', 'ghcr.io/org/App:1', 'alpine:', 'alpine@sha256:abc', 'ghcr.io/']) assert.throws(() => parseRegistryTarget(bad), Error, bad);
  });

  it('reaches Docker Hub at registry-1.docker.io, --insecure registries over http, and uses a configured upstream’s settings', () => {
    assert.equal(upstreamConfigFor('docker.io').url, 'https://registry-1.docker.io');
    assert.equal(upstreamConfigFor('registry.example.com:5000').url, 'https://registry.example.com:5000');
    const insecure = upstreamConfigFor('127.0.0.1:5000', { insecure: true });
    assert.equal(insecure.url, 'http://127.0.0.1:5000');
    assert.equal(insecure.insecure, true);
    assert.equal(insecure.retries, 2);
    const config = parseConfig('upstreams:\n  hub:\n    url: "https://mirror.example.com"\n    registries: ["docker.io"]\n    username: u\n    password: p\n');
    assert.deepEqual([upstreamConfigFor('docker.io', { config }).url, upstreamConfigFor('docker.io', { config }).username], ['https://mirror.example.com', 'u']);
    assert.equal(upstreamConfigFor('ghcr.io', { config }).url, 'https://ghcr.io');
  });
});

describe('scan: images in a distribution registry', () => {
  let registry: Registry;
  let secured: Registry;
  let dir: TempDir;
  let db: string;
  let derived: OciImage;
  let index: OciIndex;

  before(async () => {
    dir = await makeTempDir('scan-registry');
    db = dir.join('db');
    [registry, secured] = await Promise.all([startRegistry(), startRegistry({ auth: 'token' })]);
    const amd64 = await alpineImages({ os: 'linux', architecture: 'amd64' });
    const arm64 = await alpineImages({ os: 'linux', architecture: 'arm64', variant: 'v8' });
    derived = amd64.derived;
    index = makeIndex([amd64.derived, arm64.real]);
    await pushImage(registry.url, 'team/alpine', 'derived', derived);
    await pushImage(registry.url, 'team/alpine', 'multi', index);
    await pushImage(secured.url, 'private/alpine', 'derived', derived, { credentials: secured.credentials! });
    await importFixtures(db, ['Alpine-v3.11/all.zip']);
  });
  after(async () => {
    await registry?.stop();
    await secured?.stop();
    await dir?.stop();
  });

  it('scans REGISTRY/REPO:TAG with --insecure: the same 12 findings as from the OCI layout', async () => {
    const target = `${registry.hostPort}/team/alpine:derived`;
    const result = await portcullis(['scan', target, '--insecure', '--db', db, '--format', 'json']);
    assert.equal(result.code, 0, result.stderr);
    const report = result.json<Report>();
    assert.equal(report.target, target);
    assert.equal(report.digest, derived.digest);
    assert.deepEqual(alpineFindingLines(report), DERIVED_ALPINE_FINDINGS);
  });

  it('scans REGISTRY/REPO@DIGEST', async () => {
    const report = (await portcullis(['scan', `${registry.hostPort}/team/alpine@${derived.digest}`, '--insecure', '--db', db, '--format', 'json'])).json<Report>();
    assert.equal(report.digest, derived.digest);
    assert.equal(report.vulnerabilities.length, 12);
  });

  it('a multi-arch index: --all-platforms gives one report per platform; --platform picks one; default linux/amd64', async () => {
    const target = `${registry.hostPort}/team/alpine:multi`;
    const all = await portcullis(['scan', target, '--insecure', '--db', db, '--format', 'json', '--all-platforms', '--fail-on', 'medium']);
    assert.equal(all.code, 1, 'the amd64 image has findings ranked medium');
    const reports = all.json<Report[]>();
    assert.deepEqual(reports.map((r) => [r.platform, r.digest, r.vulnerabilities.length, r.target]), [
      ['linux/amd64', index.images[0]!.digest, 12, `${target} (linux/amd64)`],
      ['linux/arm64/v8', index.images[1]!.digest, 0, `${target} (linux/arm64/v8)`],
    ]);
    const arm = (await portcullis(['scan', target, '--insecure', '--db', db, '--format', 'json', '--platform', 'linux/arm64'])).json<Report>();
    assert.deepEqual([arm.platform, arm.vulnerabilities.length, arm.packages.length], ['linux/arm64/v8', 0, 14]);
    const byDefault = (await portcullis(['scan', target, '--insecure', '--db', db, '--format', 'json'])).json<Report>();
    assert.equal(byDefault.platform, 'linux/amd64');
    const missing = await portcullis(['scan', target, '--insecure', '--db', db, '--platform', 'linux/s390x']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no image for platform linux\/s390x \(available: linux\/amd64, linux\/arm64\/v8\)/);
  });

  it('a multi-arch index in every format: table sections, SARIF runs, a list of BOMs', async () => {
    const args = ['scan', `${registry.hostPort}/team/alpine:multi`, '--insecure', '--db', db, '--all-platforms'];
    const table = (await portcullis([...args, '--format', 'table'])).stdout;
    assert.match(table, /linux\/amd64[\s\S]+12 vulnerabilities: 12 unknown \(14 packages\)\.[\s\S]+─+\n[\s\S]+linux\/arm64\/v8[\s\S]+No vulnerabilities found \(14 packages\)\./);
    const sarif = (await portcullis([...args, '--format', 'sarif'])).json<{ runs: { results: unknown[] }[] }>();
    assert.deepEqual(sarifProblems(sarif), []);
    assert.deepEqual(sarif.runs.map((r) => r.results.length), [12, 0]);
    const boms = (await portcullis([...args, '--format', 'cyclonedx'])).json<unknown[]>();
    assert.equal(boms.length, 2);
    for (const bom of boms) assert.deepEqual(cycloneDxProblems(bom), []);
  });

  it('token auth: credentials come from the upstream of --config that serves the registry', async () => {
    const target = `${secured.hostPort}/private/alpine:derived`;
    const anonymous = await portcullis(['scan', target, '--insecure', '--db', db]);
    assert.equal(anonymous.code, 2);
    assert.match(anonymous.stderr, /answered 401 for manifest private\/alpine:derived.*check the credentials/);
    const { username, password } = secured.credentials!;
    const config = await writeConfig(dir.join('secured.yaml'), `  private:\n    url: "${secured.url}"\n    registries: ["${secured.hostPort}"]\n    insecure: true\n    username: "${username}"\n    password: "${password}"\nrouting:\n  default: local\n`);
    const result = await portcullis(['scan', target, '--config', config, '--db', db, '--format', 'json']);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(alpineFindingLines(result.json<Report>()), DERIVED_ALPINE_FINDINGS);
  });

  it('errors exit 2 with the reason: unknown repository, https to a plain-http registry', async () => {
    const unknown = await portcullis(['scan', `${registry.hostPort}/team/nothing:here`, '--insecure', '--db', db]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /answered 404 for manifest team\/nothing:here \((NAME_UNKNOWN|MANIFEST_UNKNOWN)/);
    const tls = await portcullis(['scan', `${registry.hostPort}/team/alpine:derived`, '--db', db]);
    assert.equal(tls.code, 2);
    assert.match(tls.stderr, /https:\/\/127\.0\.0\.1:\d+\) is unreachable/);
  });
});
