import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { CATALOGERS } from '../catalogers/index.js';
import { fixture } from '../catalogers/test-fixtures.js';
import { analyzeImage, listPlatforms } from './analyze-image.js';
import { BlobImageSource } from './blob-image-source.js';
import { FileLayerCache, MemoryLayerCache } from './layer-cache.js';
import { ImageLimitError } from './limits.js';
import { MEDIA_TYPES } from './manifest.js';
import { MemoryBlobSource, imageFixture, tarLayer } from './test-support.js';

async function alpineBase(): Promise<Buffer> {
  return tarLayer([
    { name: 'etc/os-release', content: fixture('os-release/alpine-3.11') },
    { name: 'lib/apk/db/installed', content: fixture('apk/osv-scalibr/installed') },
  ]);
}

describe('analyzeImage', () => {
  const temp: string[] = [];
  after(async () => Promise.all(temp.map((dir) => rm(dir, { recursive: true, force: true }))));

  it('a second image on the same base streams only its new layer', async () => {
    const blobs = new MemoryBlobSource();
    const base = await alpineBase();
    const npmLayer = await tarLayer([{ name: 'app/node_modules/tar-stream/package.json', content: fixture('npm/tar-stream.package.json') }]);
    const pyLayer = await tarLayer([{ name: 'usr/lib/python3.11/site-packages/PyYAML-6.0.dist-info/METADATA', content: fixture('pypi/PyYAML-6.0.METADATA') }]);
    const one = blobs.addImage([base, npmLayer], { tag: 'one' });
    const two = blobs.addImage([base, pyLayer], { tag: 'two' });
    const cache = new MemoryLayerCache();

    const first = await analyzeImage(new BlobImageSource(blobs, 'one'), { cache });
    assert.deepEqual(new Set(blobs.opened.filter((d) => one.layers.includes(d))), new Set(one.layers));
    assert.deepEqual(first.layerStats, { cached: 0, analysed: 2 });

    blobs.opened.length = 0;
    const second = await analyzeImage(new BlobImageSource(blobs, 'two'), { cache });
    assert.deepEqual(blobs.opened.filter((d) => two.layers.includes(d)), [two.layers[1]], 'only the new layer is opened');
    assert.deepEqual(second.layerStats, { cached: 1, analysed: 1 });
    assert.equal(second.os?.family, 'alpine');
    const apk = second.packages.filter((p) => p.kind === 'apk');
    assert.equal(apk.length, 15);
    assert.ok(apk.every((p) => p.layer === two.layers[0] && p.ecosystem === 'Alpine:v3.11'));
    const pyyaml = second.packages.find((p) => p.kind === 'pypi');
    assert.deepEqual(pyyaml, {
      name: 'PyYAML',
      version: '6.0',
      kind: 'pypi',
      ecosystem: 'PyPI',
      purl: 'pkg:pypi/pyyaml@6.0',
      layer: two.layers[1],
      path: 'usr/lib/python3.11/site-packages/PyYAML-6.0.dist-info/METADATA',
    });
    assert.equal(first.packages.find((p) => p.kind === 'npm')?.purl, 'pkg:npm/tar-stream@3.2.2');
  });

  it('a file-backed cache survives a new instance; other cataloger versions miss', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portcullis-layer-cache-'));
    temp.push(dir);
    const blobs = new MemoryBlobSource();
    const image = blobs.addImage([await alpineBase()], { tag: 'base' });
    const first = await analyzeImage(new BlobImageSource(blobs, 'base'), { cache: new FileLayerCache(dir) });
    const files = await readdir(dir);
    assert.equal(files.length, 1);
    assert.ok(files[0]?.endsWith('.json') && !files[0].includes('.tmp'));

    blobs.opened.length = 0;
    const again = await analyzeImage(new BlobImageSource(blobs, 'base'), { cache: new FileLayerCache(dir) });
    assert.deepEqual(again.packages, first.packages);
    assert.deepEqual(blobs.opened.filter((d) => image.layers.includes(d)), [], 'no layer opened, only the config');

    const bumped = CATALOGERS.map((c) => (c.id === 'apk' ? { ...c, version: c.version + 1 } : c));
    const third = await analyzeImage(new BlobImageSource(blobs, 'base'), { cache: new FileLayerCache(dir), catalogers: bumped });
    assert.deepEqual(third.layerStats, { cached: 0, analysed: 1 });

    await writeFile(join(dir, files[0] as string), '{ not json');
    const recovered = await analyzeImage(new BlobImageSource(blobs, 'base'), { cache: new FileLayerCache(dir) });
    assert.deepEqual(recovered.layerStats, { cached: 0, analysed: 1 });
  });

  it('scans each platform of an index; attestation manifests are not images', async () => {
    const blobs = new MemoryBlobSource();
    const amd = blobs.addImage([await alpineBase()]);
    const arm = blobs.addImage([await tarLayer([{ name: 'etc/os-release', content: 'ID=wolfi\nVERSION_ID=20230201\n' }])], { platform: { os: 'linux', architecture: 'arm64' } });
    const attestation = blobs.addImage([await tarLayer([{ name: 'x', content: 'y' }])], { platform: { os: 'unknown', architecture: 'unknown' } });
    blobs.addManifest(
      {
        schemaVersion: 2,
        mediaType: MEDIA_TYPES.ociIndex,
        manifests: [
          { mediaType: MEDIA_TYPES.ociManifest, digest: amd.digest, platform: { os: 'linux', architecture: 'amd64' } },
          { mediaType: MEDIA_TYPES.ociManifest, digest: arm.digest, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
          { mediaType: MEDIA_TYPES.ociManifest, digest: attestation.digest, platform: { os: 'unknown', architecture: 'unknown' }, annotations: { 'vnd.docker.reference.type': 'attestation-manifest' } },
        ],
      },
      MEDIA_TYPES.ociIndex,
      'multi',
    );
    const source = new BlobImageSource(blobs, 'multi');
    assert.deepEqual((await listPlatforms(source)).map((e) => e.digest), [amd.digest, arm.digest]);
    assert.equal((await analyzeImage(source)).digest, amd.digest);
    const armResult = await analyzeImage(source, { platform: 'linux/arm64' });
    assert.equal(armResult.digest, arm.digest);
    const each = await Promise.all((await listPlatforms(source)).map((e) => analyzeImage(source, { manifestDigest: e.digest })));
    assert.deepEqual(each.map((r) => r.platform), ['linux/amd64', 'linux/arm64']);
    await assert.rejects(analyzeImage(source, { manifestDigest: attestation.digest }), /is not an image of multi/);
    assert.deepEqual(armResult.os, { family: 'wolfi', version: '20230201' });
  });

  it('distroless static-debian11 rootfs: OS from status.d and a symlinked os-release', async () => {
    const blobs = new MemoryBlobSource();
    const rootfs = readFileSync(imageFixture('distroless-static-debian11-rootfs.tar.gz'));
    const image = blobs.addImage([gunzipSync(rootfs)], { tag: 'static', stored: [rootfs] });
    const result = await analyzeImage(new BlobImageSource(blobs, 'static'));
    assert.deepEqual(result.os, { family: 'debian', version: '11', name: 'Distroless', distroless: true });
    assert.deepEqual(
      result.packages.map((p) => [p.name, p.version, p.ecosystem, p.path]),
      [
        ['base-files', '11.1+deb11u1', 'Debian:11', 'var/lib/dpkg/status.d/base'],
        ['netbase', '6.3', 'Debian:11', 'var/lib/dpkg/status.d/netbase'],
        ['tzdata', '2021a-1+deb11u2', 'Debian:11', 'var/lib/dpkg/status.d/tzdata'],
      ],
    );
    assert.equal(result.packages[0]?.purl, 'pkg:deb/debian/base-files@11.1%2Bdeb11u1?arch=amd64&distro=debian-11');
    assert.equal(result.packages[0]?.layer, image.layers[0]);
  });

  it('a package database deleted in an upper layer is gone; a replaced one wins', async () => {
    const blobs = new MemoryBlobSource();
    const base = await alpineBase();
    const removeDb = await tarLayer([{ name: 'lib/apk/db/.wh.installed', content: '' }]);
    blobs.addImage([base, removeDb], { tag: 'deleted' });
    const deleted = await analyzeImage(new BlobImageSource(blobs, 'deleted'));
    assert.deepEqual(deleted.packages, []);

    const replaced = await tarLayer([{ name: 'lib/apk/db/installed', content: fixture('apk/osv-scalibr/single') }]);
    const image = blobs.addImage([base, replaced], { tag: 'replaced' });
    const result = await analyzeImage(new BlobImageSource(blobs, 'replaced'));
    assert.deepEqual(result.packages.map((p) => [p.name, p.layer]), [['alpine-baselayout-data', image.layers[0]]], 'same name+version at the same path: introduced by the base');
  });

  it('fails closed: tampered blobs and the per-image byte budget', async () => {
    const blobs = new MemoryBlobSource();
    const image = blobs.addImage([await alpineBase()], { tag: 'tampered' });
    const original = blobs.blobs.get(image.layers[0] as string) as Buffer;
    blobs.blobs.set(image.layers[0] as string, Buffer.concat([original.subarray(0, original.length - 8), Buffer.alloc(8)]));
    const cache = new MemoryLayerCache();
    await assert.rejects(analyzeImage(new BlobImageSource(blobs, 'tampered'), { cache }));
    assert.equal(cache.size, 0);

    const big = await tarLayer([{ name: 'blob', content: Buffer.alloc(300_000) }]);
    blobs.addImage([big, await tarLayer([{ name: 'blob2', content: Buffer.alloc(300_000, 1) }])], { tag: 'budget' });
    await assert.rejects(analyzeImage(new BlobImageSource(blobs, 'budget'), { limits: { maxImageBytes: 500_000 } }), ImageLimitError);
  });
});

describe('analyzeImage platform checks', () => {
  it('refuses a single-platform image that is not the platform asked for', async () => {
    const blobs = new MemoryBlobSource();
    blobs.addImage([await alpineBase()], { tag: 'amd64-only' });
    await assert.rejects(analyzeImage(new BlobImageSource(blobs, 'amd64-only'), { platform: 'linux/arm64' }), /is linux\/amd64, not linux\/arm64/);
    assert.equal((await analyzeImage(new BlobImageSource(blobs, 'amd64-only'), { platform: 'linux/amd64' })).platform, 'linux/amd64');
  });
});
