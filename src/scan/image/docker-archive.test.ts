import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeImage } from './analyze-image.js';
import { dockerArchiveSource, openImageSource } from './open-source.js';
import { everyFileCataloger, imageFixture } from './test-support.js';

const ALPINE_LAYER = 'sha256:beee9f30bc1f711043e78d4a2be0668955d4b761d587d6f60c2c8dc081efb203';

describe('docker-archive source', () => {
  it('alpine:3.11 (docker save | gzip): the exact apk package list', async () => {
    const started = performance.now();
    const result = await analyzeImage(openImageSource(`docker-archive:${imageFixture('alpine-311.tar.gz')}`));
    const elapsed = performance.now() - started;
    assert.equal(result.digest, 'sha256:a187dde48cd289ac374ad8539930628314bc581a481cdb41409c9289419ddb72');
    assert.equal(result.platform, 'linux/amd64');
    assert.deepEqual(result.os, { family: 'alpine', version: '3.11.5', name: 'Alpine Linux v3.11' });
    assert.deepEqual(result.layers, [ALPINE_LAYER]);
    assert.deepEqual(result.warnings, []);
    assert.deepEqual(
      result.packages.map((p) => `${p.name} ${p.version} ${p.source}`),
      [
        'alpine-baselayout 3.2.0-r3 alpine-baselayout',
        'alpine-keys 2.1-r2 alpine-keys',
        'apk-tools 2.10.4-r3 apk-tools',
        'busybox 1.31.1-r9 busybox',
        'ca-certificates-cacert 20191127-r1 ca-certificates',
        'libc-utils 0.7.2-r0 libc-dev',
        'libcrypto1.1 1.1.1d-r3 openssl',
        'libssl1.1 1.1.1d-r3 openssl',
        'libtls-standalone 2.9.1-r0 libtls-standalone',
        'musl 1.1.24-r2 musl',
        'musl-utils 1.1.24-r2 musl',
        'scanelf 1.2.4-r0 pax-utils',
        'ssl_client 1.31.1-r9 busybox',
        'zlib 1.2.11-r3 zlib',
      ],
    );
    for (const pkg of result.packages) {
      assert.equal(pkg.ecosystem, 'Alpine:v3.11');
      assert.equal(pkg.kind, 'apk');
      assert.equal(pkg.layer, ALPINE_LAYER);
      assert.equal(pkg.path, 'lib/apk/db/installed');
      assert.equal(pkg.purl, `pkg:apk/alpine/${pkg.name}@${pkg.version}?arch=x86_64`);
    }
    assert.ok(elapsed < 5000, `analysed in ${elapsed.toFixed(0)} ms`);
  });

  it('Docker 25 save (docker-archive + OCI layout in one tar): layers by blob digest', async () => {
    const result = await analyzeImage(dockerArchiveSource(imageFixture('go-containerregistry/hello-world-v25.tar')), { catalogers: [everyFileCataloger] });
    assert.equal(result.platform, 'linux/arm64');
    assert.deepEqual(result.layers, ['sha256:12660636fe55438cc3ae7424da7ac56e845cdb52493ff9cf949c47a7f57f8b43']);
    assert.deepEqual(result.packages.map((p) => p.path), ['hello']);
  });

  it('member symlinks (test_link.tar) and multi-image archives picked by tag', async () => {
    await assert.rejects(analyzeImage(dockerArchiveSource(imageFixture('go-containerregistry/test_link.tar'))), /2 images in the archive, pick one by tag/);
    const linked = await analyzeImage(openImageSource(`${imageFixture('go-containerregistry/test_link.tar')}:bazel/v1/tarball:test_image_3`), { catalogers: [everyFileCataloger] });
    assert.equal(linked.layers.length, 2);
    const bundle = imageFixture('go-containerregistry/test_bundle.tar');
    const second = await analyzeImage(dockerArchiveSource(bundle, 'test_image_2'), { catalogers: [everyFileCataloger] });
    const first = await analyzeImage(dockerArchiveSource(bundle, 'test_image_1'), { catalogers: [everyFileCataloger] });
    assert.equal(second.digest, 'sha256:930705ce23e3b6ed4c08746b6fe880089c864fbaf62482702ae3fdd66b8c7fe9');
    assert.equal(first.digest, 'sha256:6e0b05049ed9c17d02e1a55e80d6599dbfcce7f4f4b022e3c673e685789c470e');
    await assert.rejects(analyzeImage(dockerArchiveSource(bundle, 'nope')), /no image tagged "nope" \(tags: test_image_2, test_image_1\)/);
  });

  it('fails on files that are not docker archives', async () => {
    await assert.rejects(analyzeImage(dockerArchiveSource(imageFixture('osv-scalibr-layers/unpack/escape.tar'))), /no manifest.json/);
    await assert.rejects(analyzeImage(dockerArchiveSource(imageFixture('osv-scalibr-layers/layerscanning/empty.tar'))), /no manifest.json/);
  });
});
