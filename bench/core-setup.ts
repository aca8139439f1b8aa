/**
 * Shared setup of bench/core.ts: the origin registry (distribution serving directly) with the test
 * content, and how each peer under test is started on loopback.
 */
import { startRegistry, type Registry } from '../test/harness/registry.js';
import { makeImage, pushImage, randomLayer, type LayerBlob, type OciImage } from '../test/harness/ociImage.js';
import { makeTempDir, type TempDir } from '../test/harness/tempDir.js';
import { startProcessGateway, type ProcessGateway } from '../test/support/process-gateway.js';
import { MiB } from './lib/timing.js';
import { progress } from './lib/report.js';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

export interface Origin {
  registry: Registry;
  dir: TempDir;
  /** the throughput blob (bench/big) */
  big: LayerBlob;
  /** the blob for the concurrent-download memory test (bench/rss) */
  rss: LayerBlob;
  /** a small image for the manifest requests (bench/small:1) */
  small: OciImage;
  /** tsc build the gateway runs from (bench/lib/build.ts); undefined: TypeScript through tsx */
  gatewayJs?: string;
  stop(): Promise<void>;
}

export async function startOrigin(bigMiB: number, rssMiB: number, gatewayJs?: string): Promise<Origin> {
  const dir = await makeTempDir('bench-core');
  const registry = await startRegistry();
  progress(`origin: distribution at ${registry.url}; writing a ${bigMiB} MiB and a ${rssMiB} MiB random layer`);
  const big = await randomLayer(bigMiB * MiB, { file: dir.join('big.tar.gz') });
  const rss = await randomLayer(rssMiB * MiB, { file: dir.join('rss.tar.gz') });
  await pushImage(registry.url, 'bench/big', '1', await makeImage({ layers: [big] }));
  await pushImage(registry.url, 'bench/rss', '1', await makeImage({ layers: [rss] }));
  const small = await makeImage({ layers: [{ files: { 'etc/motd': 'a small image for manifest requests\n' } }] });
  await pushImage(registry.url, 'bench/small', '1', small);
  return {
    registry, dir, big, rss, small, gatewayJs,
    stop: async () => {
      await registry.stop();
      await dir.stop();
    },
  };
}

/** The gateway core as a real process with an empty cache, in front of the origin. */
export function startGateway(origin: Origin, nodeArgs: string[] = []): Promise<ProcessGateway> {
  return startProcessGateway({
    mode: 'core',
    compiled: origin.gatewayJs,
    nodeArgs,
    config: {
      upstreams: { origin: { url: origin.registry.url, insecure: true } },
      routing: { default: 'origin' },
    },
  });
}

/** distribution in proxy mode (pull-through cache) with an empty cache, in front of the origin. */
export function startDistributionProxy(origin: Origin): Promise<Registry> {
  return startRegistry({ proxyRemoteUrl: origin.registry.url });
}

export const blobUrl = (base: string, repo: string, digest: string) => `${base}/v2/${repo}/blobs/${digest}`;
