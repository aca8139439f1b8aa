/**
 * `portcullis verify IMAGE [--config FILE] [--insecure]`: checks IMAGE's cosign/sigstore signatures
 * against `signatures` in the config, offline (no TUF, no Rekor calls). Prints
 * `{verified, signer, format, errors, digest}`; exit 0 verified, 1 not verified, 2 error.
 */
import { NO_TRACE } from '../telemetry/trace-context.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bool, flag, parseArgs, UsageError } from './args.js';
import { loadConfig, resolveConfigPath } from '../config/load.js';
import { configSchema } from '../config/schema.js';
import { buildCore } from '../gateway.js';
import { silentLogger } from '../log.js';
import { createMetrics } from '../telemetry/metrics.js';
import { ALL_MANIFEST_TYPES } from '../registry/media-types.js';
import { parseReference } from '../registry/reference.js';
import { parseRegistryTarget, upstreamConfigFor } from '../scan/registry-source.js';
import { buildVerifier } from '../signatures/index.js';
import { CoreArtifactFetcher } from '../gate/artifact-fetcher.js';
import { identityFromConfig } from '../gate/signature-check.js';

export async function verifyCommand(argv: string[]): Promise<number> {
  const p = parseArgs(argv, { values: ['config'], booleans: ['insecure'] });
  if (p.positional.length !== 1) throw new UsageError('expected: verify IMAGE [--config FILE] [--insecure]');
  const config = loadConfig(resolveConfigPath(flag(p, 'config')));
  const sig = config.signatures;
  if (!sig.trustedRoot) throw new UsageError('signatures.trustedRoot is not set in the config: verification needs a trusted_root.json');
  if (sig.keys.length === 0 && sig.identities.length === 0) throw new UsageError('the config names no signatures.keys or signatures.identities to verify against');
  const verifier = buildVerifier({ trustedRoot: sig.trustedRoot, keys: sig.keys, identities: sig.identities.map(identityFromConfig) });

  const target = parseRegistryTarget(p.positional[0]!);
  const upstream = upstreamConfigFor(target.registry, { insecure: bool(p, 'insecure'), config });
  const dir = await mkdtemp(path.join(tmpdir(), 'portcullis-verify-'));
  const core = await buildCore(configSchema.parse({ upstreams: { target: upstream }, storage: { path: dir } }), silentLogger, createMetrics());
  try {
    const route = { upstream: 'target', repository: target.repository, prefix: '' };
    const manifest = await core.manifests.get(route, parseReference(target.reference), ALL_MANIFEST_TYPES, NO_TRACE);
    const r = await verifier.verifyImage(new CoreArtifactFetcher(core, 'target', NO_TRACE), target.repository, manifest.digest, {
      ...(sig.repository ? { signatureRepository: sig.repository } : {}),
    });
    const out = {
      verified: r.verified,
      ...(r.signer ? { signer: r.signer } : {}),
      ...(r.format ? { format: r.format } : {}),
      errors: r.errors,
      digest: manifest.digest,
    };
    process.stdout.write(JSON.stringify(out, null, 2) + '\n');
    return r.verified ? 0 : 1;
  } catch (e) {
    process.stderr.write(`portcullis verify: ${(e as Error).message}\n`);
    return 2;
  } finally {
    await core.upstreams.close();
    await rm(dir, { recursive: true, force: true });
  }
}
