/**
 * Minimal OCI distribution client for pushing test content directly over HTTP:
 * blob upload (POST + monolithic PUT), manifest PUT with its media type, and
 * manifest GET. Handles `WWW-Authenticate: Bearer` (token fetched from the realm
 * with Basic credentials) and `Basic` challenges.
 */
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { request } from 'undici';
import { MediaType, sha256Digest, type Blob, type OciImage, type OciIndex } from './ociTypes.js';

export interface RegistryCredentials {
  username: string;
  password: string;
}

export interface ClientOptions {
  credentials?: RegistryCredentials;
}

export interface HttpResult {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export const ALL_MANIFEST_TYPES = [
  MediaType.imageManifest,
  MediaType.imageIndex,
  MediaType.dockerManifest,
  MediaType.dockerManifestList,
].join(', ');

/** Parses `Bearer realm="…",service="…",scope="…"` (quoted values may contain commas). */
export function parseWwwAuthenticate(header: string): { scheme: string; params: Record<string, string> } {
  const space = header.indexOf(' ');
  const scheme = (space < 0 ? header : header.slice(0, space)).toLowerCase();
  const params: Record<string, string> = {};
  const re = /([a-zA-Z_]+)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g;
  for (const m of (space < 0 ? '' : header.slice(space + 1)).matchAll(re)) {
    params[m[1]!.toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? '');
  }
  return { scheme, params };
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

function basic(credentials: RegistryCredentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
}

export class RegistryClient {
  /** Authorization header per repository (or '' for registry-wide). */
  private readonly authorization = new Map<string, string>();
  /** Every token fetched (for assertions / debugging). */
  readonly tokenFetches: Array<{ realm: string; scope: string | undefined; status: number }> = [];

  constructor(
    readonly baseUrl: string,
    private readonly options: ClientOptions = {},
  ) {}

  /**
   * One HTTP request with auth handling. `body` is a factory so the request can be
   * replayed after a 401 challenge (streams are single-use).
   */
  async send(
    method: string,
    pathOrUrl: string,
    init: { repo?: string; headers?: Record<string, string>; body?: () => Buffer | Readable } = {},
  ): Promise<HttpResult> {
    const url = new URL(pathOrUrl, this.baseUrl).toString();
    const key = init.repo ?? '';
    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = { ...init.headers };
      const auth = this.authorization.get(key);
      if (auth) headers.authorization = auth;
      const res = await request(url, { method: method as 'GET', headers, body: init.body?.() });
      const body = Buffer.from(await res.body.arrayBuffer());
      const result = { status: res.statusCode, headers: flattenHeaders(res.headers), body };
      const challenge = result.headers['www-authenticate'];
      if (res.statusCode !== 401 || !challenge || attempt >= 1) return result;
      const next = await this.answerChallenge(challenge, init.repo);
      if (!next) return result;
      this.authorization.set(key, next);
    }
  }

  private async answerChallenge(header: string, repo: string | undefined): Promise<string | undefined> {
    const { scheme, params } = parseWwwAuthenticate(header);
    const credentials = this.options.credentials;
    if (scheme === 'basic') return credentials ? basic(credentials) : undefined;
    if (scheme !== 'bearer' || !params.realm) return undefined;
    const realm = new URL(params.realm);
    if (params.service) realm.searchParams.set('service', params.service);
    // Ask for pull+push on the repository up front so one token covers a whole push.
    const scope = repo ? `repository:${repo}:pull,push` : params.scope;
    if (scope) realm.searchParams.append('scope', scope);
    const res = await request(realm, { headers: credentials ? { authorization: basic(credentials) } : {} });
    const text = await res.body.text();
    this.tokenFetches.push({ realm: params.realm, scope, status: res.statusCode });
    if (res.statusCode !== 200) throw new Error(`token endpoint ${params.realm} answered ${res.statusCode}: ${text}`);
    const json = JSON.parse(text) as { token?: string; access_token?: string };
    const token = json.token ?? json.access_token;
    if (!token) throw new Error(`token endpoint ${params.realm} returned no token: ${text}`);
    return `Bearer ${token}`;
  }

  private static check(result: HttpResult, what: string, ok: number[]): HttpResult {
    if (!ok.includes(result.status)) {
      throw new Error(`${what}: HTTP ${result.status} ${result.body.toString('utf8').slice(0, 2000)}`);
    }
    return result;
  }

  async blobExists(repo: string, digest: string): Promise<boolean> {
    const res = await this.send('HEAD', `/v2/${repo}/blobs/${digest}`, { repo });
    return res.status === 200;
  }

  /** Uploads a blob unless the registry already has it in `repo`. */
  async pushBlob(repo: string, blob: Blob): Promise<void> {
    if (await this.blobExists(repo, blob.digest)) return;
    const started = RegistryClient.check(
      await this.send('POST', `/v2/${repo}/blobs/uploads/`, { repo, headers: { 'content-length': '0' } }),
      `start upload of ${blob.digest} to ${repo}`,
      [202],
    );
    const location = new URL(started.headers.location ?? '', this.baseUrl);
    location.searchParams.set('digest', blob.digest);
    const body = blob.bytes ? () => blob.bytes! : blob.path ? () => createReadStream(blob.path!) : undefined;
    if (!body) throw new Error(`blob ${blob.digest} has neither bytes nor path`);
    RegistryClient.check(
      await this.send('PUT', location.toString(), {
        repo,
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(blob.size) },
        body,
      }),
      `upload ${blob.digest} to ${repo}`,
      [201],
    );
  }

  /** PUT a manifest; returns the digest the registry reports (Docker-Content-Digest) and its headers. */
  async pushManifest(repo: string, reference: string, bytes: Buffer, mediaType: string): Promise<{ digest: string; headers: Record<string, string> }> {
    const res = RegistryClient.check(
      await this.send('PUT', `/v2/${repo}/manifests/${reference}`, {
        repo,
        headers: { 'content-type': mediaType, 'content-length': String(bytes.length) },
        body: () => bytes,
      }),
      `put manifest ${repo}:${reference}`,
      [201],
    );
    return { digest: res.headers['docker-content-digest'] ?? sha256Digest(bytes), headers: res.headers };
  }

  /** GET a manifest with every manifest media type in Accept (or `accept`). */
  async getManifest(repo: string, reference: string, accept = ALL_MANIFEST_TYPES): Promise<HttpResult & { digest: string | undefined; mediaType: string | undefined }> {
    const res = await this.send('GET', `/v2/${repo}/manifests/${reference}`, { repo, headers: { accept } });
    return { ...res, digest: res.headers['docker-content-digest'], mediaType: res.headers['content-type'] };
  }

  /** Pushes every blob, then child manifests (by digest) of an index, then the top manifest under `tag`. */
  async push(repo: string, tag: string, target: OciImage | OciIndex): Promise<string> {
    const images = target.kind === 'index' ? target.images : [target];
    for (const img of images) {
      for (const blob of [img.config, ...img.layers]) await this.pushBlob(repo, blob);
      if (target.kind === 'index') await this.pushManifest(repo, img.digest, img.manifest.bytes, img.manifest.mediaType);
    }
    const { digest } = await this.pushManifest(repo, tag, target.manifest.bytes, target.manifest.mediaType);
    if (digest !== target.digest) throw new Error(`registry reports ${digest} for ${repo}:${tag}, expected ${target.digest}`);
    return digest;
  }
}

/** Pushes an image or index (blobs, child manifests, then the manifest tagged `tag`); returns its digest. */
export function pushImage(registryUrl: string, repo: string, tag: string, target: OciImage | OciIndex, options: ClientOptions = {}): Promise<string> {
  return new RegistryClient(registryUrl, options).push(repo, tag, target);
}

/**
 * PUTs arbitrary manifest bytes (signatures, referrers with `subject`, Docker
 * schema2, ...) under `reference` (tag or digest). Blobs it references must be
 * pushed first (pushBlob). Returns the digest and the response headers (e.g. OCI-Subject).
 */
export function pushRaw(
  registryUrl: string,
  repo: string,
  reference: string,
  bytes: Buffer | string,
  mediaType: string,
  options: ClientOptions = {},
): Promise<{ digest: string; headers: Record<string, string> }> {
  return new RegistryClient(registryUrl, options).pushManifest(repo, reference, Buffer.from(bytes), mediaType);
}

export function pushBlob(registryUrl: string, repo: string, blob: Blob, options: ClientOptions = {}): Promise<void> {
  return new RegistryClient(registryUrl, options).pushBlob(repo, blob);
}

export function fetchManifest(registryUrl: string, repo: string, reference: string, options: ClientOptions & { accept?: string } = {}) {
  return new RegistryClient(registryUrl, options).getManifest(repo, reference, options.accept);
}
