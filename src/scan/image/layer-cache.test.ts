import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CATALOGERS } from '../catalogers/index.js';
import { FileLayerCache, MemoryLayerCache, isUsableAnalysis, layerCacheKey } from './layer-cache.js';
import type { LayerAnalysis } from './types.js';

function analysis(digest: string): LayerAnalysis {
  return { schema: 1, digest, diffId: digest, compression: 'none', files: {}, symlinks: {}, whiteouts: [], opaqueDirs: [], warnings: [], entries: 0, bytes: 0 };
}

describe('layer cache', () => {
  const dirs: string[] = [];
  after(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  it('keys hold the layer digest, every cataloger id and version, and the file-size cap', () => {
    const base = layerCacheKey('sha256:aa', CATALOGERS, { maxFileSize: 100 });
    assert.match(base, /sha256:aa/);
    assert.notEqual(layerCacheKey('sha256:bb', CATALOGERS, { maxFileSize: 100 }), base);
    assert.notEqual(layerCacheKey('sha256:aa', CATALOGERS, { maxFileSize: 200 }), base);
    assert.notEqual(layerCacheKey('sha256:aa', CATALOGERS.slice(1), { maxFileSize: 100 }), base);
    const bumped = CATALOGERS.map((c, i) => (i === 0 ? { ...c, version: c.version + 1 } : c));
    assert.notEqual(layerCacheKey('sha256:aa', bumped, { maxFileSize: 100 }), base);
    assert.equal(layerCacheKey('sha256:aa', [...CATALOGERS].reverse(), { maxFileSize: 100 }), base, 'order does not matter');
  });

  it('uses a cached value only when its shape and digest match', () => {
    assert.equal(isUsableAnalysis(analysis('sha256:aa'), 'sha256:aa'), true);
    assert.equal(isUsableAnalysis(analysis('sha256:aa'), 'sha256:bb'), false);
    assert.equal(isUsableAnalysis({ schema: 2 }, 'sha256:aa'), false);
    assert.equal(isUsableAnalysis(null, 'sha256:aa'), false);
  });

  it('memory cache evicts the least recently used entry', async () => {
    const cache = new MemoryLayerCache(2);
    await cache.set('a', analysis('sha256:a'));
    await cache.set('b', analysis('sha256:b'));
    await cache.get('a');
    await cache.set('c', analysis('sha256:c'));
    assert.equal(await cache.get('b'), undefined);
    assert.ok(await cache.get('a'));
    assert.equal(cache.size, 2);
  });

  it('file cache writes atomically and round-trips JSON', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portcullis-cache-'));
    dirs.push(dir);
    const cache = new FileLayerCache(join(dir, 'nested'));
    assert.equal(await cache.get('k'), undefined);
    await Promise.all([cache.set('k', analysis('sha256:k')), cache.set('k', analysis('sha256:k'))]);
    assert.deepEqual(await new FileLayerCache(join(dir, 'nested')).get('k'), analysis('sha256:k'));
    assert.deepEqual((await readdir(join(dir, 'nested'))).filter((f) => f.endsWith('.tmp')), []);
  });
});
