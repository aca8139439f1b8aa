/** Measures verifyImage per image (in-memory registry, so this is discovery + crypto only). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { buildVerifier } from './build-verifier.js';
import { MemoryArtifactFetcher } from './memory-artifact-fetcher.js';
import { signBundle } from './sign.js';
import type { ArtifactFetcher } from './types.js';
import {
  CONNAISSEUR, CONNAISSEUR_KEYS, KUBEWARDEN, TRUSTED_ROOTS, connaisseurRegistry, pushBundleFile,
} from './testing/signature-fixtures.js';

const RUNS = 30;

async function measure(verify: () => Promise<{ verified: boolean }>): Promise<{ first: number; median: number; p95: number }> {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    const r = await verify();
    times.push(performance.now() - started);
    assert.equal(r.verified, true);
  }
  const first = times[0]!;
  const sorted = times.slice(1).sort((a, b) => a - b);
  return { first, median: sorted[Math.floor(sorted.length / 2)]!, p95: sorted[Math.floor(sorted.length * 0.95)]! };
}

test('verification time per image', async (t) => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const verifier = buildVerifier({
    trustedRoot: TRUSTED_ROOTS.current,
    keys: [...CONNAISSEUR_KEYS, { name: 'local', publicKey: publicKey.export({ format: 'pem', type: 'spki' }).toString() }],
    identities: [CONNAISSEUR.keylessIdentity, KUBEWARDEN.identity],
  });
  const connaisseur = connaisseurRegistry();
  const kubewarden = new MemoryArtifactFetcher();
  pushBundleFile(kubewarden, KUBEWARDEN.repo, KUBEWARDEN.digest, KUBEWARDEN.bundlePath);
  const localDigest = `sha256:${'5'.repeat(64)}`;
  const local = new MemoryArtifactFetcher();
  local.push('app', signBundle(localDigest, privateKey));

  const cases: [string, ArtifactFetcher, string, string][] = [
    ['key, legacy .sig (alice, 4 keys tried at most)', connaisseur, CONNAISSEUR.repo, CONNAISSEUR.alice],
    ['key, legacy .sig, 3rd layer (charlie)', connaisseur, CONNAISSEUR.repo, CONNAISSEUR.aliceBobCharlie],
    ['key, v0.3 bundle referrer (DSSE, no tlog)', local, 'app', localDigest],
    ['keyless, legacy .sig (Fulcio + SCT + Rekor SET)', connaisseur, CONNAISSEUR.keylessRepo, CONNAISSEUR.keyless],
    ['keyless, v0.3 bundle (Fulcio + SCT + Rekor proof/SET + TSA)', kubewarden, KUBEWARDEN.repo, KUBEWARDEN.digest],
  ];
  for (const [name, fetcher, repo, digest] of cases) {
    const options = name.includes('charlie') ? { keys: ['charlie'] } : {};
    const m = await measure(() => verifier.verifyImage(fetcher, repo, digest, options));
    t.diagnostic(`${name}: first ${m.first.toFixed(1)} ms, median ${m.median.toFixed(2)} ms, p95 ${m.p95.toFixed(2)} ms (${RUNS} runs)`);
    assert.ok(m.median < 250, `${name} median ${m.median} ms`);
  }
});
