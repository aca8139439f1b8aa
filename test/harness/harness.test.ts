/**
 * Smoke test of the harness against the real tools: distribution registry (plain
 * and token auth), skopeo, containerd/ctr, podman, redis. Prints the time of each
 * step as test diagnostics.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import { after, before, describe, it, type TestContext } from 'node:test';
import { startRegistry, type Registry } from './registry.js';
import {
  MediaType,
  fetchManifest,
  findOciLayoutTag,
  makeArtifact,
  makeImage,
  makeIndex,
  pushBlob,
  pushImage,
  pushRaw,
  randomLayer,
  readOciLayoutBlob,
  writeOciLayout,
  type OciImage,
  type OciIndex,
} from './ociImage.js';
import { skopeoCopy } from './skopeo.js';
import { ctr, ctrPull, startContainerd, type Containerd } from './containerd.js';
import { podmanPull } from './podman.js';
import { startRedis } from './redis.js';
import { makeTempDir, type TempDir } from './tempDir.js';
import { liveProcessCount } from './process.js';

const timings: Array<[string, number]> = [];

async function timed<T>(t: TestContext, label: string, fn: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await fn();
  } finally {
    const ms = Math.round(performance.now() - started);
    timings.push([label, ms]);
    t.diagnostic(`${label}: ${ms} ms`);
  }
}

function ensureOk(result: { code: number | null; stdout: string; stderr: string }, what: string): void {
  assert.equal(result.code, 0, `${what} failed (code ${result.code}):\n${result.stdout}\n${result.stderr}`);
}

/** Every blob of the copied image is present in the layout with matching content. */
async function assertLayoutHasImage(dir: string, image: OciImage): Promise<void> {
  for (const blob of [image.manifest, image.config, ...image.layers]) {
    const bytes = await readOciLayoutBlob(dir, blob.digest);
    assert.equal(`sha256:${createHash('sha256').update(bytes).digest('hex')}`, blob.digest);
  }
}

const pingRedis = (port: number) =>
  new Promise<string>((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => s.write('PING\r\n'));
    s.once('data', (d) => {
      s.destroy();
      resolve(d.toString().trim().replace(/^\+/, ''));
    });
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });

describe('test harness smoke', () => {
  let registry: Registry;
  let work: TempDir;
  let image: OciImage;
  let armImage: OciImage;
  let index: OciIndex;

  before(async () => {
    work = await makeTempDir('smoke');
    const amd = makeImage({
      layers: [
        { files: { 'etc/os-release': 'ID=portcullis-test\nVERSION_ID=1\n', 'bin/hello': { content: '#!/bin/sh\necho hi\n', mode: 0o755 } } },
        { files: { 'app/data.txt': 'amd64 payload\n', 'app/link': { symlink: 'data.txt' } } },
      ],
    });
    const arm = makeImage({
      layers: [{ files: { 'etc/os-release': 'ID=portcullis-test\n' } }, { files: { 'app/data.txt': 'arm64 payload\n' } }],
      platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
    });
    [image, armImage] = await Promise.all([amd, arm]);
    index = makeIndex([image, armImage]);
  });

  after(async () => {
    await registry?.stop();
    await work?.stop();
    const lines = timings.map(([label, ms]) => `  ${label.padEnd(58)} ${String(ms).padStart(6)} ms`);
    console.log(`\nharness smoke timings:\n${lines.join('\n')}`);
  });

  it('starts a plain registry and pushes a 2-layer image and a 2-platform index', async (t) => {
    registry = await timed(t, 'start docker-registry', () => startRegistry());
    const digest = await timed(t, 'push 2-layer image', () => pushImage(registry.url, 'library/smoke', 'v1', image));
    assert.equal(digest, image.digest);
    const indexDigest = await timed(t, 'push 2-platform index', () => pushImage(registry.url, 'library/smoke', 'multi', index));
    assert.equal(indexDigest, index.digest);
    const got = await fetchManifest(registry.url, 'library/smoke', 'multi');
    assert.equal(got.status, 200);
    assert.equal(got.mediaType, MediaType.imageIndex);
    assert.deepEqual(got.body, index.manifest.bytes);
  });

  it('pushes a referrer artifact (subject) and a signature tag with pushRaw', async (t) => {
    const signature = makeArtifact({
      artifactType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
      layers: [{ mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json', bytes: '{"fake":"bundle"}' }],
      subject: image.descriptor,
    });
    await timed(t, 'push referrer artifact', async () => {
      for (const blob of [signature.config, ...signature.layers]) await pushBlob(registry.url, 'library/smoke', blob);
      const { digest } = await pushRaw(registry.url, 'library/smoke', signature.digest, signature.manifest.bytes, MediaType.imageManifest);
      assert.equal(digest, signature.digest);
      const tag = `sha256-${image.digest.slice('sha256:'.length)}.sig`;
      await pushRaw(registry.url, 'library/smoke', tag, signature.manifest.bytes, MediaType.imageManifest);
    });
    const got = await fetchManifest(registry.url, 'library/smoke', signature.digest);
    assert.equal(got.status, 200);
    assert.equal(JSON.parse(got.body.toString()).subject.digest, image.digest);
  });

  it('skopeo copies the image and the index (--all) into OCI layouts', async (t) => {
    const single = work.join('oci-single');
    ensureOk(
      await timed(t, 'skopeo copy image → oci layout', () => skopeoCopy(`docker://${registry.hostPort}/library/smoke:v1`, `oci:${single}:v1`)),
      'skopeo copy',
    );
    assert.equal((await findOciLayoutTag(single, 'v1'))?.digest, image.digest);
    await assertLayoutHasImage(single, image);

    const multi = work.join('oci-multi');
    ensureOk(
      await timed(t, 'skopeo copy --all index → oci layout', () =>
        skopeoCopy(`docker://${registry.hostPort}/library/smoke:multi`, `oci:${multi}:multi`, { all: true }),
      ),
      'skopeo copy --all',
    );
    assert.equal((await findOciLayoutTag(multi, 'multi'))?.digest, index.digest);
    for (const img of index.images) await assertLayoutHasImage(multi, img);
  });

  it('writeOciLayout output is accepted by skopeo (oci: → docker://, --all)', async (t) => {
    const layout = work.join('layout-written');
    await timed(t, 'writeOciLayout (index + 2 images)', () => writeOciLayout(layout, index, 'multi'));
    ensureOk(
      await timed(t, 'skopeo copy --all oci layout → registry', () =>
        skopeoCopy(`oci:${layout}:multi`, `docker://${registry.hostPort}/library/from-layout:multi`, { all: true }),
      ),
      'skopeo copy from layout',
    );
    const got = await fetchManifest(registry.url, 'library/from-layout', 'multi');
    assert.equal(got.digest, index.digest);
  });

  it('proxy-mode registry (benchmark peer) serves the image pulled through from the plain registry', async (t) => {
    const proxy = await timed(t, 'start docker-registry (proxy mode)', () => startRegistry({ proxyRemoteUrl: registry.url }));
    try {
      const out = work.join('oci-proxy');
      ensureOk(
        await timed(t, 'skopeo copy through the proxy registry', () => skopeoCopy(`docker://${proxy.hostPort}/library/smoke:v1`, `oci:${out}:v1`)),
        'skopeo copy via proxy',
      );
      assert.equal((await findOciLayoutTag(out, 'v1'))?.digest, image.digest);
    } finally {
      await proxy.stop();
    }
  });

  it('token-auth registry: push with credentials, skopeo pull with --src-creds', async (t) => {
    const secured = await timed(t, 'start docker-registry (auth: token)', () => startRegistry({ auth: 'token' }));
    try {
      const issuer = secured.tokenIssuer!;
      const creds = secured.credentials!;
      await timed(t, 'push image with token auth', () => pushImage(secured.url, 'team/app', 'v1', image, { credentials: creds }));
      assert.ok(issuer.requests.some((r) => r.authenticated && r.granted.some((g) => g.name === 'team/app' && g.actions.includes('push'))));

      const anonymous = await skopeoCopy(`docker://${secured.hostPort}/team/app:v1`, `oci:${work.join('oci-anon')}:v1`);
      assert.notEqual(anonymous.code, 0, 'anonymous pull must be refused');

      const before = issuer.requests.length;
      const out = work.join('oci-auth');
      ensureOk(
        await timed(t, 'skopeo copy with --src-creds (token dance)', () =>
          skopeoCopy(`docker://${secured.hostPort}/team/app:v1`, `oci:${out}:v1`, { creds }),
        ),
        'skopeo copy --src-creds',
      );
      assert.equal((await findOciLayoutTag(out, 'v1'))?.digest, image.digest);
      const dance = issuer.requests.slice(before);
      assert.ok(
        dance.some((r) => r.authenticated && r.username === creds.username && r.scopes.includes('repository:team/app:pull')),
        `skopeo should have fetched a pull token: ${JSON.stringify(dance)}`,
      );
      const wrong = await skopeoCopy(`docker://${secured.hostPort}/team/app:v1`, `oci:${work.join('oci-wrong')}:v1`, {
        creds: `${creds.username}:wrong`,
      });
      assert.notEqual(wrong.code, 0, 'wrong password must be refused');
    } finally {
      await secured.stop();
    }
  });

  describe('containerd', () => {
    let containerd: Containerd;
    after(async () => {
      await containerd?.stop();
    });

    it('ctr content fetch and images pull through hosts.toml (mirror = the registry)', async (t) => {
      containerd = await timed(t, 'start containerd', () => startContainerd());
      const fetched = await timed(t, 'ctr content fetch (2-layer image)', () =>
        ctrPull(containerd, 'docker.io/library/smoke:v1', { mirrorUrl: registry.url, fetchOnly: true }),
      );
      ensureOk(fetched, 'ctr content fetch');
      assert.equal(fetched.fallbackConnections, 0);
      const content = await ctr(containerd, ['content', 'ls', '-q']);
      for (const blob of [image.manifest, image.config, ...image.layers]) assert.match(content.stdout, new RegExp(blob.digest));

      const arm = await timed(t, 'ctr content fetch --platform linux/arm64/v8 (index)', () =>
        ctrPull(containerd, 'docker.io/library/smoke:multi', { mirrorUrl: registry.url, fetchOnly: true, platform: 'linux/arm64/v8' }),
      );
      ensureOk(arm, 'ctr content fetch --platform');
      const afterArm = await ctr(containerd, ['content', 'ls', '-q']);
      for (const blob of [armImage.manifest, armImage.config, ...armImage.layers]) assert.match(afterArm.stdout, new RegExp(blob.digest));

      const pulled = await timed(t, 'ctr images pull (unpack, native snapshotter)', () =>
        ctrPull(containerd, 'docker.io/library/smoke:v1', { mirrorUrl: registry.url, snapshotter: 'native' }),
      );
      ensureOk(pulled, 'ctr images pull');
      assert.equal(pulled.fallbackConnections, 0);
      const images = await ctr(containerd, ['images', 'ls']);
      assert.match(images.stdout, new RegExp(`docker.io/library/smoke:v1\\s+application/vnd.oci.image.manifest.v1\\+json\\s+${image.digest}`));
    });

    it('ctr pulls from a token-auth mirror with --user (OAuth POST) and with a hosts.toml header', async (t) => {
      const secured = await startRegistry({ auth: 'token' });
      try {
        await pushImage(secured.url, 'library/private', 'v1', image, { credentials: secured.credentials });
        const issuer = secured.tokenIssuer!;
        const before = issuer.requests.length;
        const withUser = await timed(t, 'ctr content fetch --user (token auth)', () =>
          ctrPull(containerd, 'docker.io/library/private:v1', { mirrorUrl: secured.url, fetchOnly: true, creds: secured.credentials }),
        );
        ensureOk(withUser, 'ctr content fetch --user');
        assert.equal(withUser.fallbackConnections, 0);
        assert.ok(issuer.requests.slice(before).some((r) => r.method === 'POST' && r.authenticated));

        const token = issuer.issueToken('alice', [{ type: 'repository', name: 'library/private', actions: ['pull'] }]);
        const withHeader = await timed(t, 'ctr content fetch with Authorization header', () =>
          ctrPull(containerd, 'docker.io/library/private:v1', {
            mirrorUrl: secured.url,
            fetchOnly: true,
            header: { Authorization: `Bearer ${token}` },
          }),
        );
        ensureOk(withHeader, 'ctr content fetch with header');
        assert.match(withHeader.hostsToml, /\[host\."http:\/\/127\.0\.0\.1:\d+"\.header\]/);
      } finally {
        await secured.stop();
      }
    });

    it('a 404 from the mirror falls back to the loopback sentinel, never to the internet', async (t) => {
      const missing = await timed(t, 'ctr content fetch of a missing image (fails fast)', () =>
        ctrPull(containerd, 'docker.io/library/absent:v1', { mirrorUrl: registry.url, fetchOnly: true }),
      );
      assert.notEqual(missing.code, 0);
      assert.ok(missing.fallbackConnections > 0, 'ctr should have tried the fallback server');
      assert.doesNotMatch(missing.stderr, /registry-1\.docker\.io/);
    });
  });

  it('podman pulls through the mirror registries.conf', async (t) => {
    const result = await timed(t, 'podman pull (vfs)', () => podmanPull('docker.io/library/smoke:v1', { mirrorHostPort: registry.hostPort }));
    ensureOk(result, 'podman pull');
    assert.equal(result.fallbackConnections, 0);
    assert.equal(result.imageId, image.config.digest.slice('sha256:'.length));
  });

  it('podman pulls one platform of an index from a token-auth mirror (creds via auth file)', async (t) => {
    const secured = await startRegistry({ auth: 'token' });
    try {
      await pushImage(secured.url, 'library/private', 'multi', index, { credentials: secured.credentials });
      const result = await timed(t, 'podman pull --platform linux/arm64/v8 (token auth)', () =>
        podmanPull('docker.io/library/private:multi', { mirrorHostPort: secured.hostPort, creds: secured.credentials, platform: 'linux/arm64/v8' }),
      );
      ensureOk(result, 'podman pull with creds');
      assert.equal(result.imageId, armImage.config.digest.slice('sha256:'.length));
      assert.ok(secured.tokenIssuer!.requests.some((r) => r.method === 'GET' && r.authenticated && r.scopes.includes('repository:library/private:pull')));

      const missing = await timed(t, 'podman pull of a missing image (fails fast)', () =>
        podmanPull('docker.io/library/absent:v1', { mirrorHostPort: registry.hostPort }),
      );
      assert.notEqual(missing.code, 0);
      assert.ok(missing.fallbackConnections > 0);
    } finally {
      await secured.stop();
    }
  });

  it('randomLayer streams to a file with correct digests', async (t) => {
    for (const compressible of [false, true]) {
      const file = work.join(`random-${compressible}.tar.gz`);
      const layer = await timed(t, `randomLayer 16 MiB ${compressible ? 'compressible' : 'incompressible'} → file`, () =>
        randomLayer(16 * 1024 * 1024, { compressible, file }),
      );
      const bytes = await readFile(file);
      assert.equal(bytes.length, layer.size);
      assert.equal(`sha256:${createHash('sha256').update(bytes).digest('hex')}`, layer.digest);
      if (compressible) assert.ok(layer.size < 12 * 1024 * 1024, `compressible layer is ${layer.size} bytes`);
      else assert.ok(layer.size > 16 * 1024 * 1024);
    }
    const big = await makeImage({ layers: [await randomLayer(2 * 1024 * 1024, { file: work.join('r2.tar.gz') })] });
    await timed(t, 'push image with a file-backed layer', () => pushImage(registry.url, 'bench/random', 'v1', big));
  });

  it('redis: start, kill (SIGKILL), restart on the same port', async (t) => {
    const redis = await timed(t, 'start redis-server', () => startRedis());
    try {
      assert.equal(await pingRedis(redis.port), 'PONG');
      await timed(t, 'kill redis-server', () => redis.kill());
      assert.equal(redis.isRunning(), false);
      assert.equal(await pingRedis(redis.port), 'ECONNREFUSED');
      await timed(t, 'restart redis-server', () => redis.restart());
      assert.equal(await pingRedis(redis.port), 'PONG');
    } finally {
      await redis.stop();
    }
  });

  it('leaves no process behind but the shared registry', () => {
    assert.equal(liveProcessCount(), 1);
  });
});
