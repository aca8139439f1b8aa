import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeImage, listPlatforms } from './analyze-image.js';
import { OciLayoutBlobSource } from './oci-layout.js';
import { openImageSource } from './open-source.js';
import { everyFileCataloger, imageFixture } from './test-support.js';

const GCR_INDEX = imageFixture('go-containerregistry/oci-layout-test_index');
const REGCLIENT = imageFixture('regclient-testrepo');

describe('OCI layout source', () => {
  it('go-containerregistry test_index: tags naming a manifest, a descriptor, an index and a Docker list', async () => {
    for (const tag of ['1', '2', '3', '4']) {
      const result = await analyzeImage(openImageSource(`oci:${GCR_INDEX}:${tag}`), { catalogers: [everyFileCataloger] });
      assert.equal(result.layers.length, 1, tag);
      assert.equal(result.platform, 'linux/amd64', tag);
    }
    await assert.rejects(analyzeImage(openImageSource(`oci:${GCR_INDEX}`)), /index.json lists 4 manifests; pick one with oci:DIR:TAG \(tags: 1, 2, 3, 4\)/);
    await assert.rejects(analyzeImage(openImageSource(`oci:${GCR_INDEX}:nope`)), /no manifest tagged "nope"/);
  });

  it('regclient testrepo: a multi-platform index lists its platforms, attestations left out', async () => {
    const source = openImageSource(`oci:${REGCLIENT}:v1`);
    const platforms = await listPlatforms(source);
    assert.deepEqual(platforms.map((p) => `${p.platform?.os}/${p.platform?.architecture}`), ['linux/amd64', 'linux/arm64']);
    const arm = await analyzeImage(source, { platform: 'linux/arm64', catalogers: [everyFileCataloger] });
    assert.equal(arm.digest, 'sha256:7e87ffc91b9ceafa85be2777b16b1be10e4664fd4f3acc86e4295b97da5163ba');
    assert.equal(arm.platform, 'linux/arm64');
    const amd = await analyzeImage(source, { catalogers: [everyFileCataloger] });
    assert.equal(amd.digest, 'sha256:1effc9d48232693f4584ceb9c5e8d84ddeb5924ea4aff341aa8204510422f668');
    await assert.rejects(analyzeImage(source, { platform: 'linux/s390x' }), /no image for platform linux\/s390x \(available: linux\/amd64, linux\/arm64\)/);
  });

  it('regclient testrepo: artifacts are refused, not scanned as images', async () => {
    await assert.rejects(analyzeImage(openImageSource(`oci:${REGCLIENT}:loop`)), /not a container image|names no runnable image/);
  });

  it('never turns a digest into a path outside blobs/', async () => {
    const layout = new OciLayoutBlobSource(REGCLIENT);
    await assert.rejects(layout.openBlob('sha256:../../../../etc/passwd'), /invalid digest/);
    await assert.rejects(layout.fetchManifest('sha256:' + '0'.repeat(64)), /missing/);
  });
});
