import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { BlobImageSource } from './blob-image-source.js';
import { ImageFilesystem } from './image-filesystem.js';
import { dockerArchiveSource } from './open-source.js';
import { MemoryBlobSource, everyFileCataloger, filesystemOf, imageFixture, tarLayer } from './test-support.js';

async function archiveFs(relativePath: string, maxSymlinkHops?: number) {
  return filesystemOf(dockerArchiveSource(imageFixture(relativePath)), [everyFileCataloger], maxSymlinkHops ? { maxSymlinkHops } : {});
}

function files(fs: ImageFilesystem): string[] {
  return [...fs.entries()].filter(([, node]) => node.kind === 'file').map(([path]) => path);
}

function versionAt(fs: ImageFilesystem, path: string): string | undefined {
  const node = fs.lookup(path);
  return node?.kind === 'file' ? node.outputs[everyFileCataloger.id]?.packages?.[0]?.version : undefined;
}

describe('ImageFilesystem: whiteouts and replacements', () => {
  it('go-containerregistry whiteout_image: a whited-out file is gone', async () => {
    const { fs } = await archiveFs('go-containerregistry/mutate-whiteout_image.tar');
    assert.deepEqual(files(fs), ['bar.txt']);
  });

  it('go-containerregistry whiteout_dir: a whited-out directory loses its lower content only', async () => {
    const { fs } = await archiveFs('go-containerregistry/mutate-whiteout_dir.tar');
    assert.deepEqual(files(fs), ['a/baz', 'b/bar']);
  });

  it('go-containerregistry overwritten_file: a symlink replaces a file and resolves inside the image', async () => {
    const { fs } = await archiveFs('go-containerregistry/mutate-overwritten_file.tar');
    assert.deepEqual(files(fs), ['bar.txt']);
    assert.deepEqual(fs.node('foo.txt'), { kind: 'symlink', layer: fs.node('foo.txt')?.layer, target: 'bar.txt' });
    assert.equal(fs.lookup('foo.txt'), fs.lookup('bar.txt'));
  });

  it('osv-scalibr overwrite-file: the upper file wins and is attributed to its layer', async () => {
    const { fs, analyses } = await archiveFs('osv-scalibr-layers/layerscanning/overwrite-file.tar');
    const node = fs.lookup('sample.txt');
    assert.equal(node?.kind, 'file');
    assert.equal(node?.layer, analyses[1]?.digest);
    assert.deepEqual(Object.values(node?.kind === 'file' ? node.introducedBy : {}), [analyses[1]?.digest]);
    assert.notEqual(versionAt(fs, 'sample.txt'), 'sample text');
  });

  it('dive: rm -rf, mv and chmod across 14 layers; hard links share content', async () => {
    const { fs, analyses } = await archiveFs('dive-test-docker-image.tar');
    const all = new Set(files(fs));
    for (const gone of ['root/example/somefile1.txt', 'root/example/somefile2.txt', 'root/example/somefile3.txt']) assert.ok(!all.has(gone), gone);
    for (const kept of ['somefile.txt', 'root/saved.txt', 'root/.saved.txt', 'root/.data/tag.sh', 'root/.data/test.sh', 'tmp/saved.again1.txt', 'root/.data/saved.again2.txt']) {
      assert.ok(all.has(kept), kept);
    }
    // chmod +x in the last layer rewrote root/saved.txt with the same content: still introduced by the mv layer
    const saved = fs.lookup('root/saved.txt');
    assert.equal(saved?.layer, analyses[13]?.digest);
    assert.deepEqual(Object.values(saved?.kind === 'file' ? saved.introducedBy : {}), [analyses[7]?.digest]);
    const busybox = fs.lookup('bin/[');
    const hardLinked = fs.lookup('bin/[[');
    assert.ok(busybox?.kind === 'file' && hardLinked?.kind === 'file');
    assert.deepEqual(hardLinked.outputs, busybox.outputs);
  });
});

describe('ImageFilesystem: symlinks resolve inside the image only', () => {
  it('osv-scalibr symlink-basic: absolute, relative, ./ and chained links', async () => {
    const { fs } = await archiveFs('osv-scalibr-layers/layerscanning/symlink-basic.tar');
    for (const link of ['absolute-symlink.txt', 'chain-symlink.txt', 'relative-dot-symlink.txt', 'relative-symlink.txt']) {
      assert.deepEqual(fs.resolve(`dir1/${link}`), { path: 'dir1/sample.txt' }, link);
      assert.equal(versionAt(fs, `dir1/${link}`), 'sample text');
    }
  });

  it('osv-scalibr symlink-dangling: dangling links give nothing', async () => {
    const { fs } = await archiveFs('osv-scalibr-layers/layerscanning/symlink-dangling.tar');
    assert.deepEqual(fs.resolve('dir2/dir3/relative-subfolder-symlink.txt'), { path: 'dir1/sample.txt' });
    assert.equal(fs.lookup('dir2/dir3/absolute-chain-symlink.txt'), undefined);
  });

  it('osv-scalibr symlink-cycle and symlink-depth-exceeded: bounded hops', async () => {
    const cycle = (await archiveFs('osv-scalibr-layers/layerscanning/symlink-cycle.tar')).fs;
    assert.deepEqual(cycle.resolve('dir1/sample.txt'), { error: 'loop' });
    assert.equal(cycle.lookup('dir1/chain-symlink.txt'), undefined);
    const deep = (await archiveFs('osv-scalibr-layers/layerscanning/symlink-depth-exceeded.tar')).fs;
    assert.equal(versionAt(deep, 'dir1/symlink7.txt'), 'sample text');
    const shallow = (await archiveFs('osv-scalibr-layers/layerscanning/symlink-depth-exceeded.tar', 6)).fs;
    assert.deepEqual(shallow.resolve('dir1/symlink7.txt'), { error: 'loop' });
  });

  it('osv-scalibr symlink-attack and unpack/symlinks: .. stops at the image root', async () => {
    const { fs } = await archiveFs('osv-scalibr-layers/layerscanning/symlink-attack.tar');
    assert.deepEqual(fs.resolve('dir1/attack-symlink.txt'), { path: 'secret.txt' });
    assert.deepEqual(fs.resolve('dir1/attack-symlink-absolute.txt'), { path: 'secret.txt' });
    assert.equal(fs.lookup('dir1/attack-symlink.txt'), undefined);
    const unpack = (await archiveFs('osv-scalibr-layers/unpack/symlinks.tar')).fs;
    assert.equal(versionAt(unpack, 'dir2/dir3/absolute-symlink-inside-root.txt'), 'sample text');
    assert.deepEqual(unpack.resolve('dir1/attack-symlink.txt'), { path: 'secret.txt' });
  });

  it('osv-scalibr unpack/escape.tar: trampolines and absolute links stay inside', async () => {
    const blobs = new MemoryBlobSource();
    blobs.addImage([readFileSync(imageFixture('osv-scalibr-layers/unpack/escape.tar'))], { tag: 'escape' });
    const { fs } = await filesystemOf(new BlobImageSource(blobs, 'escape'), [everyFileCataloger]);
    assert.deepEqual(fs.resolve('usr/share/doc/c/copyright'), { path: 'tmp/poc.txt' });
    assert.deepEqual(fs.resolve('usr/share/doc/b/copyright'), { path: 'tmp' });
    assert.deepEqual(fs.resolve('usr/share/doc/a/copyright'), { path: '' }, '/trampoline -> . is the image root');
    assert.equal(fs.lookup('usr/share/doc/c/copyright'), undefined);
  });

  it('an opaque directory hides lower content but keeps its own layer, and replaces a lower link', async () => {
    const blobs = new MemoryBlobSource();
    const lower = await tarLayer([
      { name: 'var/lib/dpkg/status', content: 'old' },
      { name: 'var/lib/other', content: 'kept' },
      { name: 'etc/conf', type: 'symlink', linkname: '/var/lib/other' },
    ]);
    const upper = await tarLayer([
      { name: 'var/lib/dpkg/.wh..wh..opq', content: '' },
      { name: 'var/lib/dpkg/status.d/base', content: 'new' },
      { name: 'etc/conf/.wh..wh..opq', content: '' },
    ]);
    blobs.addImage([lower, upper], { tag: 'opaque' });
    const { fs } = await filesystemOf(new BlobImageSource(blobs, 'opaque'), [everyFileCataloger]);
    assert.deepEqual(files(fs), ['var/lib/dpkg/status.d/base', 'var/lib/other']);
    assert.equal(fs.node('etc/conf'), undefined);
  });

  it('a directory replaced by a symlink in an upper layer hides the lower content', async () => {
    const blobs = new MemoryBlobSource();
    const lower = await tarLayer([{ name: 'opt/app/package-lock.json', content: '1' }, { name: 'data/x', content: 'x' }]);
    const upper = await tarLayer([{ name: 'opt/app', type: 'symlink', linkname: '/data' }]);
    blobs.addImage([lower, upper], { tag: 'swap' });
    const { fs } = await filesystemOf(new BlobImageSource(blobs, 'swap'), [everyFileCataloger]);
    assert.deepEqual(files(fs), ['data/x']);
    assert.equal(versionAt(fs, 'opt/app/x'), 'x');
  });
});

describe('ImageFilesystem: resolution property', () => {
  it('never yields a path with .., a leading slash or an empty segment, whatever the links', () => {
    const segment = fc.constantFrom('a', 'b', 'c', '..', '.', '');
    const linkPath = fc.array(fc.constantFrom('a', 'b', 'c'), { minLength: 1, maxLength: 3 }).map((p) => p.join('/'));
    const target = fc.tuple(fc.boolean(), fc.array(segment, { maxLength: 8 })).map(([absolute, parts]) => `${absolute ? '/' : ''}${parts.join('/')}`);
    fc.assert(
      fc.property(fc.dictionary(linkPath, target, { maxKeys: 6 }), fc.array(segment, { maxLength: 8 }), (symlinks, query) => {
        const fs = ImageFilesystem.fromLayers([
          { schema: 1, digest: 'sha256:x', diffId: 'sha256:x', compression: 'none', files: {}, symlinks, whiteouts: [], opaqueDirs: [], warnings: [], entries: 0, bytes: 0 },
        ]);
        const result = fs.resolve(query.join('/'));
        if ('error' in result) return true;
        return !result.path.startsWith('/') && !result.path.split('/').includes('..') && !result.path.includes('//');
      }),
      { numRuns: 2000 },
    );
  });
});
