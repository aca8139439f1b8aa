/**
 * Layers for bench/scan.ts, written once into the cache directory
 * (`$PORTCULLIS_CACHE`, else ~/.cache/portcullis) as gzip'd tars with their
 * digests: a node application layer with ~1,000 installed npm packages, and a
 * 1 GiB layer for the memory measurement.
 *
 * The npm packages are the 1,000 most downloaded ones (name, version, summary:
 * test/fixtures/scan/npm-top-1000.tsv), ~10% also installed nested at another
 * version, plus the packages of the shipped npm advisories at affected versions.
 * Each has a package.json shaped like real ones (the repository's own
 * node_modules copy verbatim when it has the package), README.md, LICENSE,
 * index.js and a few lib/ files of varied size, deterministically.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createGzip } from 'node:zlib';
import tar from 'tar-stream';
import { MediaType, randomLayer, type LayerBlob } from '../test/harness/ociImage.js';
import { cacheDir } from '../test/fixtures/scan/bookworm-image.js';

export type CachedLayer = LayerBlob & { path: string };

const REPO = fileURLToPath(new URL('../', import.meta.url));
/** packages of test/fixtures/osv/npm at versions their advisories cover */
const VULNERABLE = [['lodash', '4.17.15'], ['jsonwebtoken', '8.5.1'], ['express', '4.17.1'], ['minimist', '1.2.5'], ['axios', '1.6.0']] as const;
const MIT = `MIT License\n\nCopyright (c) the authors\n\nPermission is hereby granted, free of charge, to any person obtaining a copy of this software and associated documentation files (the "Software"), to deal in the Software without restriction, including without limitation the rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies of the Software, and to permit persons to whom the Software is furnished to do so, subject to the following conditions:\n\nThe above copyright notice and this permission notice shall be included in all copies or substantial portions of the Software.\n\nTHE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND.\n`;
const WORDS = 'const let return function module exports require value options callback error result buffer stream string number object array length index key push map filter reduce async await promise resolve reject this new if else for while throw try catch'.split(' ');

function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function code(rand: () => number, bytes: number): string {
  const lines: string[] = ["'use strict';"];
  let size = 0;
  while (size < bytes) {
    const words = Array.from({ length: 3 + Math.floor(rand() * 9) }, () => WORDS[Math.floor(rand() * WORDS.length)]);
    const line = `${'  '.repeat(Math.floor(rand() * 3))}${words.join(' ')};`;
    lines.push(line);
    size += line.length + 1;
  }
  return lines.join('\n') + '\n';
}

function realManifest(name: string): string | undefined {
  const file = path.join(REPO, 'node_modules', name, 'package.json');
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

function syntheticManifest(name: string, version: string, summary: string, deps: string[], rand: () => number): string {
  const repo = name.replace(/^@/, '').replace('/', '-');
  return JSON.stringify(
    {
      name,
      version,
      description: summary,
      main: 'index.js',
      types: rand() < 0.4 ? 'index.d.ts' : undefined,
      license: 'MIT',
      author: { name: 'The authors' },
      repository: { type: 'git', url: `git+https://github.com/example/${repo}.git` },
      bugs: { url: `https://github.com/example/${repo}/issues` },
      homepage: `https://github.com/example/${repo}#readme`,
      keywords: summary.toLowerCase().split(/\W+/).filter((w) => w.length > 3).slice(0, 6),
      engines: { node: '>=14' },
      files: ['index.js', 'lib/'],
      scripts: { test: 'node --test', lint: 'eslint .' },
      dependencies: Object.fromEntries(deps.map((d) => [d, `^${1 + Math.floor(rand() * 5)}.0.0`])),
      devDependencies: { eslint: '^8.57.0', typescript: '^5.4.0' },
      _resolved: `https://registry.npmjs.org/${name}/-/${repo}-${version}.tgz`,
      _integrity: `sha512-${createHash('sha512').update(`${name}@${version}`).digest('base64')}`,
    },
    null,
    2,
  );
}

interface NpmPackage {
  name: string;
  version: string;
  summary: string;
}

const vulnerableVersions = new Map<string, string>(VULNERABLE);

function topPackages(): NpmPackage[] {
  const tsv = readFileSync(path.join(REPO, 'test/fixtures/scan/npm-top-1000.tsv'), 'utf8').trim().split('\n').slice(1);
  const packages = tsv.map((line) => {
    const [name, version, summary] = line.split('\t') as [string, string, string?];
    return { name, version, summary: summary ?? '' };
  });
  return packages.map((p) => (vulnerableVersions.has(p.name) ? { ...p, version: vulnerableVersions.get(p.name)! } : p));
}

/** Every entry of the node_modules layer, in a stable order. */
function* nodeModulesEntries(): Generator<[string, string]> {
  const packages = topPackages();
  const rand = random(1000);
  const names = packages.map((p) => p.name);
  const installs: { dir: string; pkg: NpmPackage; real: boolean }[] = [];
  for (const pkg of packages) {
    installs.push({ dir: `app/node_modules/${pkg.name}`, pkg, real: true });
    if (rand() < 0.1) {
      const parent = names[Math.floor(rand() * names.length)]!;
      const older = pkg.version.replace(/^(\d+)\./, (_m, major: string) => `${Math.max(0, Number(major) - 1)}.`);
      if (parent !== pkg.name) installs.push({ dir: `app/node_modules/${parent}/node_modules/${pkg.name}`, pkg: { ...pkg, version: older }, real: false });
    }
  }
  yield ['app/package.json', JSON.stringify({ name: 'bench-app', version: '1.0.0', private: true, dependencies: Object.fromEntries(packages.map((p) => [p.name, p.version])) }, null, 2)];
  for (const { dir, pkg, real } of installs) {
    const deps = Array.from({ length: Math.floor(rand() * 6) }, () => names[Math.floor(rand() * names.length)]!);
    const useReal = real && !vulnerableVersions.has(pkg.name);
    yield [`${dir}/package.json`, (useReal ? realManifest(pkg.name) : undefined) ?? syntheticManifest(pkg.name, pkg.version, pkg.summary, deps, rand)];
    yield [`${dir}/README.md`, `# ${pkg.name}\n\n${pkg.summary}\n\n## Usage\n\n\`\`\`js\n${code(rand, 500 + rand() * 5000)}\`\`\`\n`];
    yield [`${dir}/LICENSE`, MIT];
    yield [`${dir}/index.js`, code(rand, 1000 + rand() * 20_000)];
    const libs = Math.floor(rand() * 8);
    for (let i = 0; i < libs; i++) yield [`${dir}/lib/part-${i}.js`, code(rand, 500 + rand() * 12_000)];
  }
}

function hashing(hash: ReturnType<typeof createHash>, counter: { bytes: number }): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      counter.bytes += chunk.length;
      cb(null, chunk);
    },
  });
}

async function writeNodeModulesLayer(file: string): Promise<CachedLayer> {
  const pack = tar.pack();
  const diff = createHash('sha256');
  const stored = createHash('sha256');
  const size = { bytes: 0 };
  const written = pipeline(pack, hashing(diff, { bytes: 0 }), createGzip({ level: 6 }), hashing(stored, size), createWriteStream(`${file}.tmp`));
  const dirs = new Set<string>();
  for (const [name, content] of nodeModulesEntries()) {
    const parts = name.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if (dirs.has(dir)) continue;
      dirs.add(dir);
      pack.entry({ name: `${dir}/`, type: 'directory', mode: 0o755, mtime: new Date(0) });
    }
    await new Promise<void>((resolve, reject) => pack.entry({ name, mode: 0o644, mtime: new Date(0) }, content, (err) => (err ? reject(err) : resolve())));
  }
  pack.finalize();
  await written;
  await rename(`${file}.tmp`, file);
  return { mediaType: MediaType.layerGzip, digest: `sha256:${stored.digest('hex')}`, diffId: `sha256:${diff.digest('hex')}`, size: size.bytes, path: file };
}

async function cached(name: string, build: (file: string) => Promise<CachedLayer>): Promise<CachedLayer> {
  const dir = cacheDir();
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, name);
  if (existsSync(file) && existsSync(`${file}.json`)) return JSON.parse(await readFile(`${file}.json`, 'utf8')) as CachedLayer;
  const layer = await build(file);
  await writeFile(`${file}.json`, JSON.stringify(layer));
  return layer;
}

export function nodeModulesLayer(): Promise<CachedLayer> {
  return cached('node-1000-packages.layer.tar.gz', writeNodeModulesLayer);
}

/** One 1 GiB file of random bytes (stored gzip: the decompressed size is what counts). */
export function oneGibLayer(): Promise<CachedLayer> {
  return cached('random-1GiB.layer.tar.gz', async (file) => ({ ...(await randomLayer(1024 ** 3, { file, entryName: 'srv/data/blob.bin' })), path: file }));
}
