/**
 * Real clients through the gateway, run as a real process (`portcullis serve`), in front of the real
 * distribution registry: skopeo (byte-identical to a direct copy), containerd/ctr with a hosts.toml
 * mirror (`?ns=docker.io` / `?ns=quay.io`), podman with a registries.conf mirror, and stale-if-error
 * with the upstream stopped. Fallback hosts are loopback sentinels: nothing leaves 127.0.0.1.
 *
 * Upstreams: `hub` (registries: docker.io, the default: single names get `library/`) and `quay`
 * (registries: quay.io), each a distribution registry. tagTtl is 0 s: every tag pull revalidates
 * upstream, so stopping `quay` exercises stale-if-error without waiting for a TTL.
 * policy.mode is audit: no vulnerability database here, so the gate records but never refuses.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { startRegistry, type Registry } from '../harness/registry.js';
import { makeImage, makeIndex, pushImage, type OciImage, type OciIndex } from '../harness/ociImage.js';
import { skopeoCopy } from '../harness/skopeo.js';
import { ctr, ctrPull, startContainerd, type Containerd } from '../harness/containerd.js';
import { podmanPull } from '../harness/podman.js';
import { makeTempDir, type TempDir } from '../harness/tempDir.js';
import { startProcessGateway, type ProcessGateway } from '../support/process-gateway.js';
import { metricValue } from '../support/gateway.js';

let hub: Registry;
let quay: Registry;
let gw: ProcessGateway;
let containerd: Containerd;
let work: TempDir;
let single: OciImage;
let multi: OciIndex;
let quayImage: OciImage;

before(async () => {
  [hub, quay, work] = await Promise.all([startRegistry(), startRegistry(), makeTempDir('clients')]);
  single = await makeImage({ layers: [{ files: { 'etc/os-release': 'ID=portcullis-e2e\n' } }, { files: { 'app/data.bin': Buffer.alloc(300_000, 7) } }] });
  multi = makeIndex([
    await makeImage({ layers: [{ files: { 'arch.txt': 'amd64\n' } }], platform: { os: 'linux', architecture: 'amd64' } }),
    await makeImage({ layers: [{ files: { 'arch.txt': 'arm64\n' } }], platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } }),
  ]);
  quayImage = await makeImage({ layers: [{ files: { 'srv/quay.txt': 'from quay\n' } }, { files: { 'srv/more.txt': 'more\n' } }] });
  await pushImage(hub.url, 'library/single', '1', single);
  await pushImage(hub.url, 'library/multi', '1', multi);
  await pushImage(quay.url, 'acme/app', '1', quayImage);
  [gw, containerd] = await Promise.all([
    startProcessGateway({
      config: {
        upstreams: {
          hub: { url: hub.url, insecure: true, registries: ['docker.io'], retries: 0 },
          quay: { url: quay.url, insecure: true, registries: ['quay.io'], retries: 0 },
        },
        routing: { default: 'hub' },
        storage: { tagTtl: '0s' },
        policy: { mode: 'audit' },
      },
    }),
    startContainerd(),
  ]);
});

after(async () => {
  await containerd?.stop();
  await gw?.stop();
  await Promise.all([hub?.stop(), quay?.stop(), work?.stop()]);
});

function ensureOk(r: { code: number | null; stdout: string; stderr: string }, what: string): void {
  assert.equal(r.code, 0, `${what} failed (code ${r.code}):\n${r.stdout}\n${r.stderr}`);
}

/** Every file of a directory tree (relative path → sha256 of its bytes). */
async function tree(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const rel of (await readdir(dir, { recursive: true })).sort()) {
    const full = path.join(dir, rel);
    if (!(await stat(full)).isFile()) continue;
    files.set(rel, createHash('sha256').update(await readFile(full)).digest('hex'));
  }
  return files;
}

/** The two OCI layouts hold the same files with the same bytes (every blob, manifest, index.json). */
async function assertSameLayout(actual: string, expected: string): Promise<Map<string, string>> {
  const [a, e] = await Promise.all([tree(actual), tree(expected)]);
  assert.deepEqual([...a.keys()], [...e.keys()], 'same files');
  for (const [rel, hash] of e) assert.equal(a.get(rel), hash, `${rel} differs`);
  return a;
}

const blobFile = (digest: string) => path.join('blobs', 'sha256', digest.slice('sha256:'.length));

async function contentDigests(): Promise<string> {
  const r = await ctr(containerd, ['content', 'ls', '-q']);
  ensureOk(r, 'ctr content ls');
  return r.stdout;
}

test('skopeo copy of a single image is byte-identical to a direct copy (library/ added for a single name)', async () => {
  const direct = work.join('single-direct');
  const via = work.join('single-via');
  ensureOk(await skopeoCopy(`docker://${hub.hostPort}/library/single:1`, `oci:${direct}:1`), 'direct skopeo copy');
  ensureOk(await skopeoCopy(`docker://${gw.hostPort}/single:1`, `oci:${via}:1`), 'skopeo copy through the gateway');
  const files = await assertSameLayout(via, direct);
  for (const blob of [single.manifest, single.config, ...single.layers]) assert.ok(files.has(blobFile(blob.digest)), blob.digest);
});

test('skopeo copy --all of a multi-arch index is byte-identical to a direct copy', async () => {
  const direct = work.join('multi-direct');
  const via = work.join('multi-via');
  ensureOk(await skopeoCopy(`docker://${hub.hostPort}/library/multi:1`, `oci:${direct}:1`, { all: true }), 'direct skopeo copy --all');
  ensureOk(await skopeoCopy(`docker://${gw.hostPort}/hub/library/multi:1`, `oci:${via}:1`, { all: true }), 'skopeo copy --all through the gateway');
  const files = await assertSameLayout(via, direct);
  for (const img of multi.images) {
    for (const blob of [img.manifest, img.config, ...img.layers]) assert.ok(files.has(blobFile(blob.digest)), blob.digest);
  }
  assert.ok(files.has(blobFile(multi.digest)));
});

test('ctr content fetch through a hosts.toml mirror (?ns=docker.io)', async () => {
  const r = await ctrPull(containerd, 'docker.io/library/single:1', { mirrorUrl: gw.url, fetchOnly: true });
  ensureOk(r, 'ctr content fetch');
  assert.equal(r.fallbackConnections, 0, 'the gateway served everything');
  const content = await contentDigests();
  for (const blob of [single.manifest, single.config, ...single.layers]) assert.match(content, new RegExp(blob.digest));
});

test('ctr images pull unpacks the image', async () => {
  const r = await ctrPull(containerd, 'docker.io/library/single:1', { mirrorUrl: gw.url, snapshotter: 'native' });
  ensureOk(r, 'ctr images pull');
  assert.equal(r.fallbackConnections, 0);
  const images = await ctr(containerd, ['images', 'ls']);
  assert.match(images.stdout, new RegExp(`docker.io/library/single:1\\s+\\S+\\s+${single.digest}`));
  const snapshots = await ctr(containerd, ['snapshots', '--snapshotter', 'native', 'ls']);
  assert.equal(snapshots.stdout.trim().split('\n').length - 1, single.layers.length, `one snapshot per layer:\n${snapshots.stdout}`);
});

test('ctr images pull --platform linux/arm64 of a multi-arch index fetches only the arm64 image', async () => {
  const [amd, arm] = multi.images as [OciImage, OciImage];
  const r = await ctrPull(containerd, 'docker.io/library/multi:1', { mirrorUrl: gw.url, platform: 'linux/arm64', snapshotter: 'native' });
  ensureOk(r, 'ctr images pull --platform linux/arm64');
  assert.equal(r.fallbackConnections, 0);
  const content = await contentDigests();
  for (const blob of [multi.manifest, arm.manifest, arm.config, ...arm.layers]) assert.match(content, new RegExp(blob.digest));
  for (const blob of [amd.config, ...amd.layers]) assert.doesNotMatch(content, new RegExp(blob.digest));
});

test('podman pull through a registries.conf mirror, one image and one platform of an index', async () => {
  const r = await podmanPull('docker.io/library/single:1', { mirrorHostPort: gw.hostPort });
  ensureOk(r, 'podman pull');
  assert.equal(r.fallbackConnections, 0);
  assert.equal(r.imageId, single.config.digest.slice('sha256:'.length));
  const arm = await podmanPull('docker.io/library/multi:1', { mirrorHostPort: gw.hostPort, platform: 'linux/arm64/v8' });
  ensureOk(arm, 'podman pull --platform linux/arm64/v8');
  assert.equal(arm.fallbackConnections, 0);
  assert.equal(arm.imageId, multi.images[1]!.config.digest.slice('sha256:'.length));
});

test('stale-if-error: with the upstream stopped, skopeo and ctr still pull cached content', async () => {
  const warm = work.join('quay-warm');
  ensureOk(await skopeoCopy(`docker://${gw.hostPort}/quay/acme/app:1`, `oci:${warm}:1`), 'warming skopeo copy');
  await quay.stop();
  await assert.rejects(fetch(`${quay.url}/v2/`), 'the upstream is down');

  const stale = work.join('quay-stale');
  ensureOk(await skopeoCopy(`docker://${gw.hostPort}/quay/acme/app:1`, `oci:${stale}:1`), 'skopeo copy with the upstream down');
  await assertSameLayout(stale, warm);

  const pulled = await ctrPull(containerd, 'quay.io/acme/app:1', { mirrorUrl: gw.url, hostsFor: 'quay.io', snapshotter: 'native' });
  ensureOk(pulled, 'ctr images pull (?ns=quay.io) with the upstream down');
  assert.equal(pulled.fallbackConnections, 0);
  const content = await contentDigests();
  for (const blob of [quayImage.manifest, quayImage.config, ...quayImage.layers]) assert.match(content, new RegExp(blob.digest));

  assert.ok(await metricValue(gw.url, 'portcullis_stale_served_total', { kind: 'manifest' }) >= 2);
  assert.ok(gw.logs().some((l) => l.msg === 'serving cached tag while the upstream fails' && l.upstream === 'quay'), 'the stale answer is logged');
  const uncached = await fetch(`${gw.url}/v2/quay/acme/app/manifests/never-pulled`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
  assert.ok(uncached.status === 502 || uncached.status === 503, `uncached tag: ${uncached.status}`);
  assert.match(((await uncached.json()) as { errors: Array<{ message: string }> }).errors[0]!.message, /upstream quay/);
});

test('SIGTERM drains and the gateway process exits 0', async () => {
  const exit = await gw.stop();
  assert.deepEqual(exit, { code: 0, signal: null });
  assert.ok(gw.logs().some((l) => l.msg === 'stopped'));
});
