import { Readable } from 'node:stream';
import { readFileSync } from 'node:fs';
import { makeImage, randomLayer } from '../test/harness/ociImage.js';
import { alpineLayer, buildVulnDb, OSV } from '../test/fixtures/gate/gate-fixtures.js';
import { makeTempDir } from '../test/harness/tempDir.js';
import { BlobImageSource } from '../src/scan/image/index.js';
import { scanImage } from '../src/scan/scanner.js';
import { openVulnDb } from '../src/scan/vulndb/index.js';
const dir = await makeTempDir('scanscratch');
const { layer } = await alpineLayer();
const parts = [];
for (let i = 0; i < 4; i++) parts.push(await randomLayer(12 * 1024 * 1024, { file: dir.join(`r${i}`) }));
const img = await makeImage({ layers: [layer, ...parts] });
const blobs = new Map<string, Buffer>();
blobs.set(img.config.digest, img.config.bytes);
for (const l of img.layers) blobs.set(l.digest, l.bytes ?? readFileSync(l.path!));
await buildVulnDb(dir.join('db'), [OSV.alpine311]);
const db = openVulnDb(dir.join('db'));
const source = { fetchManifest: async () => ({ bytes: img.manifest.bytes, mediaType: img.manifest.mediaType, digest: img.digest }), openBlob: async (d: string) => Readable.from([blobs.get(d)!]) };
for (let i = 0; i < 3; i++) {
  const t = performance.now();
  const r = await scanImage(new BlobImageSource(source, img.digest), { db, manifestDigest: img.digest });
  console.log('scan ms', (performance.now() - t).toFixed(0), r.packages.length);
}
await dir.stop();
