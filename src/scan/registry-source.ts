/**
 * Registry targets for `portcullis scan`: `REGISTRY/REPO[:TAG|@DIGEST]` read
 * through the gateway's upstream client (token and basic auth, retries,
 * redirects to blob CDNs). Names follow the docker CLI: a first component with
 * a `.` or `:` (or `localhost`) is the registry, otherwise docker.io, where
 * single names get `library/` and requests go to registry-1.docker.io.
 * `--insecure` means plain http and no TLS verification.
 */
import type { Readable } from 'node:stream';
import type { Config, UpstreamConfig } from '../config/schema.js';
import { configSchema } from '../config/schema.js';
import { silentLogger } from '../log.js';
import { ALL_MANIFEST_TYPES, manifestMediaType } from '../registry/media-types.js';
import { createMetrics } from '../telemetry/metrics.js';
import { header, UpstreamClient, type UpstreamResponse } from '../upstream/client.js';
import { PORTCULLIS_VERSION } from '../version.js';
import { BlobImageSource, DEFAULT_LIMITS, type BlobSource, type FetchedManifest, type ImageSource } from './image/index.js';
import { DIGEST } from './image/manifest.js';
import { digestOf, readAll } from './image/read-stream.js';

const NAME_COMPONENT = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*';
const REPOSITORY = new RegExp(`^${NAME_COMPONENT}(?:/${NAME_COMPONENT})*$`);
const TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
const DOCKER_HUB = 'docker.io';
const DOCKER_HUB_API = 'https://registry-1.docker.io';
const ERROR_BODY_LIMIT = 16 * 1024;

export interface RegistryTarget {
  /** host[:port] as written (docker.io for Docker Hub names) */
  registry: string;
  repository: string;
  /** a tag or a digest */
  reference: string;
}

/** Parses `[REGISTRY/]REPO[:TAG][@DIGEST]` the way the docker CLI does; throws on anything else. */
export function parseRegistryTarget(text: string): RegistryTarget {
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw new Error(`invalid digest in "${text}" (expected sha256:<64 hex> or sha512:<128 hex>)`);
  }
  const slash = rest.indexOf('/');
  const first = slash >= 0 ? rest.slice(0, slash) : '';
  const hasRegistry = first !== '' && (first.includes('.') || first.includes(':') || first === 'localhost');
  let registry = hasRegistry ? first : DOCKER_HUB;
  let path = hasRegistry ? rest.slice(slash + 1) : rest;
  if (registry === 'index.docker.io' || registry === 'registry-1.docker.io') registry = DOCKER_HUB;
  let tag: string | undefined;
  const colon = path.lastIndexOf(':');
  if (colon >= 0) {
    tag = path.slice(colon + 1);
    path = path.slice(0, colon);
    if (!TAG.test(tag)) throw new Error(`invalid tag "${tag}" in "${text}"`);
  }
  if (registry === DOCKER_HUB && !path.includes('/')) path = `library/${path}`;
  if (!REPOSITORY.test(path) || path.length > 255) {
    throw new Error(`invalid repository "${path}" in "${text}" (lowercase [a-z0-9] components separated by ".", "_", "-" or "/")`);
  }
  return { registry, repository: path, reference: digest ?? tag ?? 'latest' };
}

/** The upstream settings used to reach `registry`: an upstream of the config that serves it, else defaults. */
export function upstreamConfigFor(registry: string, opts: { insecure?: boolean; config?: Config } = {}): UpstreamConfig {
  const hosts = registry === DOCKER_HUB ? [DOCKER_HUB, new URL(DOCKER_HUB_API).host] : [registry];
  for (const upstream of Object.values(opts.config?.upstreams ?? {})) {
    if (upstream.registries.some((h) => hosts.includes(h)) || hosts.includes(new URL(upstream.url).host)) {
      return opts.insecure ? { ...upstream, insecure: true } : upstream;
    }
  }
  const url = registry === DOCKER_HUB ? DOCKER_HUB_API : `${opts.insecure ? 'http' : 'https'}://${registry}`;
  const parsed = configSchema.shape.upstreams.parse({ scan: { url, insecure: opts.insecure ?? false } });
  return parsed.scan as UpstreamConfig;
}

/** The `errors[0]` of an OCI error body, for messages a person can act on. */
async function errorDetail(res: UpstreamResponse): Promise<string> {
  try {
    const text = (await readAll(res.body, ERROR_BODY_LIMIT, 'error body')).toString('utf8');
    const first = (JSON.parse(text) as { errors?: { code?: string; message?: string }[] }).errors?.[0];
    return first ? ` (${[first.code, first.message].filter(Boolean).join(': ')})` : '';
  } catch {
    res.body.destroy();
    return '';
  }
}

async function failure(res: UpstreamResponse, what: string, where: string): Promise<Error> {
  const detail = await errorDetail(res);
  const hint = res.status === 401 || res.status === 403 ? '; check the credentials of the upstream in --config' : '';
  return new Error(`${where} answered ${res.status} for ${what}${detail}${hint}`);
}

/** A BlobSource over one repository of a registry. */
export class RegistryBlobSource implements BlobSource {
  private readonly where: string;

  constructor(
    private readonly client: UpstreamClient,
    private readonly repository: string,
    private readonly maxManifestSize = DEFAULT_LIMITS.maxManifestSize,
  ) {
    this.where = client.baseUrl;
  }

  async fetchManifest(ref: string): Promise<FetchedManifest> {
    const path = `/v2/${this.repository}/manifests/${ref}`;
    const res = await this.client.request('manifest', path, { headers: { accept: ALL_MANIFEST_TYPES }, repository: this.repository });
    if (res.status !== 200) throw await failure(res, `manifest ${this.repository}:${ref}`, this.where);
    const bytes = await readAll(res.body, this.maxManifestSize, `manifest ${this.repository}:${ref}`);
    const declared = header(res.headers, 'docker-content-digest');
    const digest = DIGEST.test(ref) ? ref : digestOf(bytes, declared && DIGEST.test(declared) ? declared : 'sha256:');
    if (declared && DIGEST.test(declared) && declared !== digest) {
      throw new Error(`${this.where}: manifest ${this.repository}:${ref} has digest ${digest}, but the registry says ${declared}`);
    }
    return { bytes, digest, mediaType: manifestMediaType(header(res.headers, 'content-type'), bytes) };
  }

  async openBlob(digest: string): Promise<Readable> {
    if (!DIGEST.test(digest)) throw new Error(`invalid digest "${digest}"`);
    const res = await this.client.request('blob', `/v2/${this.repository}/blobs/${digest}`, { repository: this.repository });
    if (res.status !== 200) throw await failure(res, `blob ${digest} of ${this.repository}`, this.where);
    return res.body;
  }
}

export interface RegistryImageSource {
  source: ImageSource;
  target: RegistryTarget;
  /** closes the client's connections */
  close(): Promise<void>;
}

/** An ImageSource for a registry reference; the caller closes it. */
export function openRegistryImageSource(text: string, opts: { insecure?: boolean; config?: Config; maxManifestSize?: number } = {}): RegistryImageSource {
  const target = parseRegistryTarget(text);
  const upstream = upstreamConfigFor(target.registry, opts);
  const client = new UpstreamClient(target.registry, upstream, {
    metrics: createMetrics(),
    logger: silentLogger,
    via: `1.1 portcullis-scan/${PORTCULLIS_VERSION}`,
  });
  const maxManifestSize = opts.maxManifestSize ?? DEFAULT_LIMITS.maxManifestSize;
  const source = new BlobImageSource(new RegistryBlobSource(client, target.repository, maxManifestSize), target.reference, { name: text, maxManifestSize });
  return { source, target, close: () => client.close() };
}

/** Targets that name a local image (OCI layout, docker archive) rather than a registry. */
export function isLocalImageTarget(text: string): boolean {
  return text.startsWith('oci:') || text.startsWith('docker-archive:') || /\.(?:tar|tar\.gz|tgz|tar\.zst)(?::[^/]+)?$/.test(text);
}
