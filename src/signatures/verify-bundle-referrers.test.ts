/** Real cosign v3 bundles served as OCI 1.1 referrers; stale and untrusted roots. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildVerifier } from './build-verifier.js';
import { MemoryArtifactFetcher } from './memory-artifact-fetcher.js';
import { signBundle } from './sign.js';
import {
  COSIGN_ATTESTATION, CONNAISSEUR, KUBEWARDEN, TRUSTED_ROOTS, connaisseurRegistry, pushBundleFile,
} from './testing/signature-fixtures.js';

function kubewardenRegistry(options: { referrersApi?: boolean } = {}): MemoryArtifactFetcher {
  const fetcher = new MemoryArtifactFetcher(options);
  pushBundleFile(fetcher, KUBEWARDEN.repo, KUBEWARDEN.digest, KUBEWARDEN.bundlePath);
  return fetcher;
}

const current = buildVerifier({ trustedRoot: TRUSTED_ROOTS.current, identities: [KUBEWARDEN.identity] });

test('kubewarden v3 bundle: DSSE sign/v1 statement, Rekor proof + SET, TSA → verified', async () => {
  const r = await current.verifyImage(kubewardenRegistry(), KUBEWARDEN.repo, KUBEWARDEN.digest);
  assert.deepEqual(r, {
    verified: true, signer: KUBEWARDEN.identity, format: 'bundle', errors: [],
    signedDigest: KUBEWARDEN.digest, attestations: [],
  });
});

test('kubewarden: found through the referrers tag schema when the API is unsupported', async () => {
  const fetcher = kubewardenRegistry({ referrersApi: false });
  const r = await current.verifyImage(fetcher, KUBEWARDEN.repo, KUBEWARDEN.digest);
  assert.equal(r.verified, true, r.errors.join('\n'));
  const tag = KUBEWARDEN.digest.replace(':', '-');
  const referrersCall = fetcher.calls.indexOf(`referrers ${KUBEWARDEN.repo} ${KUBEWARDEN.digest}`);
  const tagCall = fetcher.calls.indexOf(`manifest ${KUBEWARDEN.repo} ${tag}`);
  assert.ok(referrersCall >= 0 && tagCall > referrersCall, fetcher.calls.join('\n'));
  assert.ok(fetcher.calls.includes(`manifest ${KUBEWARDEN.repo} ${tag}.sig`));
});

test('kubewarden: GitHub workflow claims (Fulcio OIDs .9+, DER UTF8String) are enforced', async () => {
  const fetcher = kubewardenRegistry();
  const claims = {
    sourceRepositoryUri: 'https://github.com/kubewarden/kubewarden-controller',
    sourceRepositoryRef: 'refs/tags/v1.34.0',
    buildTrigger: 'push',
    runnerEnvironment: 'github-hosted',
    sourceRepositoryOwnerUri: 'https://github.com/kubewarden',
    buildSignerUri: KUBEWARDEN.identity.subject,
  };
  const ok = await current.verifyImage(fetcher, KUBEWARDEN.repo, KUBEWARDEN.digest, {
    identities: [{ ...KUBEWARDEN.identity, ...claims }],
  });
  assert.equal(ok.verified, true, ok.errors.join('\n'));
  const wrongRef = await current.verifyImage(fetcher, KUBEWARDEN.repo, KUBEWARDEN.digest, {
    identities: [{ ...KUBEWARDEN.identity, ...claims, sourceRepositoryRef: 'refs/heads/main' }],
  });
  assert.equal(wrongRef.verified, false);
  assert.match(wrongRef.errors[0]!, /expected sourceRepositoryRef=refs\/heads\/main \(certificate has refs\/tags\/v1\.34\.0\)/);
});

test('kubewarden: a workflow pattern must match the whole SAN', async () => {
  const fetcher = kubewardenRegistry();
  const issuer = KUBEWARDEN.identity.issuer;
  const anchored = { issuer, subjectRegExp: 'https://github\\.com/kubewarden/.+/\\.github/workflows/release\\.yml@refs/tags/v.*' };
  assert.equal((await current.verifyImage(fetcher, KUBEWARDEN.repo, KUBEWARDEN.digest, { identities: [anchored] })).verified, true);
  const prefixOnly = { issuer, subjectRegExp: 'https://github\\.com/kubewarden' };
  const r = await current.verifyImage(fetcher, KUBEWARDEN.repo, KUBEWARDEN.digest, { identities: [prefixOnly] });
  assert.equal(r.verified, false);
  assert.match(r.errors[0]!, /expected subject \/\^\(\?:https:\\\/\\\/github\\\.com\\\/kubewarden\)\$\//);
});

test('kubewarden: stale trusted roots (no sigstore TSA) fail with a clear reason', async () => {
  for (const root of [TRUSTED_ROOTS.staleCosignPgi, TRUSTED_ROOTS.staleSigstoreGo]) {
    const stale = buildVerifier({ trustedRoot: root, identities: [KUBEWARDEN.identity] });
    const r = await stale.verifyImage(kubewardenRegistry(), KUBEWARDEN.repo, KUBEWARDEN.digest);
    assert.equal(r.verified, false, root);
    assert.match(r.errors[0]!, /^referrer sha256:[0-9a-f]{12}…: timestamp not verifiable with the trusted root \(stale or wrong trusted root\?\): timestamp could not be verified$/);
  }
});

test('a trusted root without the signing CA or Rekor key rejects public-good signatures', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-root-'));
  const root = JSON.parse(readFileSync(TRUSTED_ROOTS.current, 'utf8')) as Record<string, unknown>;
  const noCa = join(dir, 'no-fulcio.json');
  writeFileSync(noCa, JSON.stringify({ ...root, certificateAuthorities: [] }));
  const a = await buildVerifier({ trustedRoot: noCa, identities: [CONNAISSEUR.keylessIdentity] })
    .verifyImage(connaisseurRegistry(), CONNAISSEUR.keylessRepo, CONNAISSEUR.keyless);
  assert.match(a.errors[0]!, /layer 0: certificate rejected by the trusted root \(untrusted CA or stale trusted root\?\)/);
  const noRekor = join(dir, 'no-rekor.json');
  writeFileSync(noRekor, JSON.stringify({ ...root, tlogs: [] }));
  const b = await buildVerifier({ trustedRoot: noRekor, identities: [CONNAISSEUR.keylessIdentity] })
    .verifyImage(connaisseurRegistry(), CONNAISSEUR.keylessRepo, CONNAISSEUR.keyless);
  assert.match(b.errors[0]!, /layer 0: Rekor entry not verifiable with the trusted root's logs/);
});

test('a bundle whose statement names another image is rejected', async () => {
  const other = `sha256:${'1'.repeat(64)}`;
  const fetcher = new MemoryArtifactFetcher();
  pushBundleFile(fetcher, KUBEWARDEN.repo, other, KUBEWARDEN.bundlePath);
  const r = await current.verifyImage(fetcher, KUBEWARDEN.repo, other);
  assert.equal(r.verified, false);
  assert.match(r.errors[0]!, /statement subject names sha256:c811d58de79c…, not sha256:111111111111…/);
});

test('an attestation alone is not a signature; with one it satisfies requiredAttestations', async () => {
  const fetcher = new MemoryArtifactFetcher();
  pushBundleFile(fetcher, COSIGN_ATTESTATION.repo, COSIGN_ATTESTATION.digest, COSIGN_ATTESTATION.bundlePath);
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const verifier = buildVerifier({
    trustedRoot: TRUSTED_ROOTS.current,
    identities: [COSIGN_ATTESTATION.identity],
    keys: [{ name: 'local', publicKey: publicKey.export({ format: 'pem', type: 'spki' }).toString() }],
  });
  const required = { requiredAttestations: [COSIGN_ATTESTATION.predicateType] };
  const alone = await verifier.verifyImage(fetcher, COSIGN_ATTESTATION.repo, COSIGN_ATTESTATION.digest, required);
  assert.deepEqual(alone, {
    verified: false,
    errors: ['no signature of sha256:732112270d7e… verified (only attestations)'],
    attestations: [COSIGN_ATTESTATION.predicateType],
  });
  fetcher.push(COSIGN_ATTESTATION.repo, signBundle(COSIGN_ATTESTATION.digest, privateKey));
  const signed = await verifier.verifyImage(fetcher, COSIGN_ATTESTATION.repo, COSIGN_ATTESTATION.digest, required);
  assert.equal(signed.verified, true, signed.errors.join('\n'));
  assert.deepEqual(signed.signer, { key: 'local' });
  assert.deepEqual(signed.attestations, [COSIGN_ATTESTATION.predicateType]);
  const missing = await verifier.verifyImage(fetcher, COSIGN_ATTESTATION.repo, COSIGN_ATTESTATION.digest, {
    requiredAttestations: ['https://slsa.dev/provenance/v1'],
  });
  assert.equal(missing.verified, false);
  assert.deepEqual(missing.errors, ['required attestation(s) missing or not verified: https://slsa.dev/provenance/v1']);
});
