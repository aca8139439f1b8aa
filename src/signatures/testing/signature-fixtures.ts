/**
 * Test support: serves the real signature fixtures of test/fixtures/signatures
 * (see its ATTRIBUTION.md) through MemoryArtifactFetcher registries.
 */
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MemoryArtifactFetcher } from '../memory-artifact-fetcher.js';
import { buildBundleReferrer } from '../sign.js';
import { sha256Digest } from '../checked-fetch.js';
import { OCI_IMAGE_CONFIG, OCI_MANIFEST, SIGSTORE_BUNDLE_V03, digestTag } from '../media-types.js';
import type { OciManifest } from '../types.js';

export const FIXTURES_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures/signatures');

export function fixturePath(...parts: string[]): string {
  return join(FIXTURES_DIR, ...parts);
}

export const TRUSTED_ROOTS = {
  current: fixturePath('trusted-root/root-signing-trusted_root.json'),
  staleCosignPgi: fixturePath('trusted-root/cosign-trusted_root_pgi.json'),
  staleSigstoreGo: fixturePath('trusted-root/sigstore-go-trusted-root-public-good.json'),
};

export const CONNAISSEUR_KEYS = ['alice', 'bob', 'charlie', 'default'].map((name) => ({
  name,
  publicKey: fixturePath(`connaisseur-legacy/keys/${name}.pub.pem`),
}));

export const CONNAISSEUR = {
  repo: 'securesystemsengineering/testimage',
  keylessRepo: 'phbelitz/rekor-test',
  alice: 'sha256:071bf7a986f1ca9cb2a1f0bc8392822a7777f90d58f2d2c6f271913e08de7c81',
  aliceBobCharlie: 'sha256:bfec161fecb0a887df7cb85e4da327c65986ccda7060cf3cd92171c6c90d7533',
  keyless: 'sha256:31dc72a13a0c34b40eb95419d2b2fd67320c856baf3b72da518023ee8d370aee',
  keylessIdentity: { issuer: 'https://github.com/login/oauth', subject: 'philipp.belitz@securesystems.de' },
};

/** The connaisseur legacy `.sig` fixtures, byte for byte, in a registry. */
export function connaisseurRegistry(fetcher = new MemoryArtifactFetcher()): MemoryArtifactFetcher {
  const dir = fixturePath('connaisseur-legacy');
  const repoOf = (digest: string) => (digest === CONNAISSEUR.keyless ? CONNAISSEUR.keylessRepo : CONNAISSEUR.repo);
  for (const file of readdirSync(join(dir, 'image-manifests'))) {
    const bytes = readFileSync(join(dir, 'image-manifests', file));
    const mediaType = (JSON.parse(bytes.toString()) as { mediaType: string }).mediaType;
    fetcher.putManifest(repoOf(sha256Digest(bytes)), bytes, mediaType);
  }
  for (const file of readdirSync(join(dir, 'sig-manifests'))) {
    const bytes = readFileSync(join(dir, 'sig-manifests', file));
    const tag = file.replace(/\.json$/, '');
    const repo = repoOf(tag.replace(/^sha256-/, 'sha256:').replace(/\.sig$/, ''));
    fetcher.putManifest(repo, bytes, OCI_MANIFEST, [tag]);
    for (const blobFile of readdirSync(join(dir, 'blobs'))) fetcher.putBlob(repo, readFileSync(join(dir, 'blobs', blobFile)));
  }
  return fetcher;
}

export const KUBEWARDEN = {
  repo: 'kubewarden/kubewarden-controller',
  digest: 'sha256:c811d58de79c92f03214e63aa339484e488d694ae8a6283b5f3f17a9faf50172',
  identity: {
    issuer: 'https://token.actions.githubusercontent.com',
    subject: 'https://github.com/kubewarden/kubewarden-controller/.github/workflows/release.yml@refs/tags/v1.34.0',
  },
  bundlePath: fixturePath('cosign-v3-referrer-bundle/kubewarden-controller-v1.34.0.sigstore.json'),
};

export const COSIGN_ATTESTATION = {
  repo: 'repo',
  digest: 'sha256:732112270d7e59418a8c080b134b24cabd67d250d0d0147a97ed95ba5c280aa4',
  predicateType: 'https://cosign.sigstore.dev/attestation/v1',
  identity: { issuer: 'https://github.com/login/oauth', subject: 'cody@soyland.com' },
  bundlePath: fixturePath('cosign-v3-referrer-bundle/cosign-oci-attestation.sigstore.json'),
};

/** Pushes a real bundle file as a cosign v3 referrer of `digest`. */
export function pushBundleFile(fetcher: MemoryArtifactFetcher, repo: string, digest: string, bundlePath: string): string {
  const bundle = readFileSync(bundlePath);
  const subject = { mediaType: OCI_MANIFEST, digest, size: 0 };
  return fetcher.push(repo, buildBundleReferrer(bundle, SIGSTORE_BUNDLE_V03, subject));
}

export const CONTAINERS_IMAGE_KEYS = {
  cosign: { name: 'cosign', publicKey: fixturePath('containers-image-cosign/cosign.pub') },
  cosign2: { name: 'cosign2', publicKey: fixturePath('containers-image-cosign/cosign2.pub') },
};

interface SigstoreJsonSignature {
  mimeType: string;
  payload: string;
  annotations?: Record<string, string>;
}

/**
 * One containers/image fixture directory as a registry: its signature-N files
 * (containers/image "sigstore-json" format) become the layers of a cosign
 * `.sig` manifest tagged after sha256(manifest.json).
 */
export function containersImageCase(dir: string, fetcher = new MemoryArtifactFetcher()) {
  const base = fixturePath('containers-image-cosign', dir);
  const repo = `containers-image/${dir}`;
  const manifestPath = join(base, 'manifest.json');
  const manifestBytes = existsSync(manifestPath) ? readFileSync(manifestPath) : undefined;
  const digest = manifestBytes ? sha256Digest(manifestBytes) : undefined;
  const signatures = readdirSync(base).filter((f) => f.startsWith('signature-')).sort()
    .map((f) => readSigstoreJson(readFileSync(join(base, f))));
  const layers = signatures.map((s) => {
    const payload = Buffer.from(s.payload, 'base64');
    const layerDigest = fetcher.putBlob(repo, payload);
    return { mediaType: s.mimeType, digest: layerDigest, size: payload.length, annotations: s.annotations ?? {} };
  });
  const config = Buffer.from('{"architecture":"","os":"","config":{},"rootfs":{"type":"layers","diff_ids":[]}}');
  const sigManifest: OciManifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: OCI_IMAGE_CONFIG, digest: fetcher.putBlob(repo, config), size: config.length },
    layers,
  };
  if (digest && manifestBytes) {
    fetcher.putManifest(repo, manifestBytes, 'application/vnd.docker.distribution.manifest.v2+json');
    fetcher.putManifest(repo, Buffer.from(JSON.stringify(sigManifest)), OCI_MANIFEST, [`${digestTag(digest)}.sig`]);
  }
  return { fetcher, repo, digest, signatures, sigManifest };
}

/** containers/image internal format: one byte, "sigstore-json\n", then JSON. */
export function readSigstoreJson(bytes: Buffer): SigstoreJsonSignature {
  const prefix = 'sigstore-json\n';
  const text = bytes.subarray(1).toString('utf8');
  if (!text.startsWith(prefix)) throw new Error('not a containers/image sigstore-json signature');
  return JSON.parse(text.slice(prefix.length)) as SigstoreJsonSignature;
}
