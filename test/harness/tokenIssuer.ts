/**
 * In-process Docker/OCI token server ("token auth" as spoken by distribution,
 * containerd, containers/image, ...) for an `auth: token` registry.
 *
 * - GET  /token?service=S&scope=repository:NAME:pull,push[&scope=...]  (Basic auth)
 * - POST /token  (OAuth2 form: grant_type=password, username, password, service, scope)
 *
 * Tokens are ES256 JWTs. distribution 2.8 accepts the signing key when the JWT
 * header has either an `x5c` chain that verifies against `rootcertbundle`, or a
 * `kid` equal to the libtrust key id of a bundle certificate's public key (see
 * libtrustKeyId). We send `kid` by default; `signingMode: 'x5c'` sends the chain
 * instead (both verified against docker-registry 2.8.2).
 */
import { createHash, generateKeyPairSync, randomUUID, sign, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile, writeFile } from 'node:fs/promises';
import { makeTempDir } from './tempDir.js';
import { runCommand } from './process.js';

export interface AccessEntry {
  type: string;
  name: string;
  actions: string[];
}

export interface TokenRequestRecord {
  method: string;
  /** Requested service parameter. */
  service: string | null;
  /** Raw scope strings, one per scope parameter (space-separated scopes are split). */
  scopes: string[];
  /** Username presented (Basic or form), if any. */
  username: string | null;
  /** True when the presented credentials were valid. */
  authenticated: boolean;
  /** HTTP status returned by the issuer. */
  status: number;
  /** Access granted in the issued token (empty when refused). */
  granted: AccessEntry[];
  at: Date;
}

export interface TokenIssuerOptions {
  /** `service` claim / audience; must equal the registry's auth.token.service. */
  service?: string;
  /** `iss` claim; must equal the registry's auth.token.issuer. */
  issuer?: string;
  /** username → password. Default `{ alice: 'wonderland' }`. */
  users?: Record<string, string>;
  /** Requests without credentials get a token with no access (like Docker Hub) unless this grants some. */
  anonymousActions?: string[];
  /**
   * Decides the actions granted for one requested scope. Default: everything
   * requested for authenticated users, `anonymousActions` ∩ requested otherwise.
   */
  grant?: (request: { username: string | null; scope: AccessEntry }) => string[];
  tokenTtlSeconds?: number;
  /** How the JWT names its key. Default 'kid'. */
  signingMode?: 'kid' | 'x5c';
}

export interface TokenIssuer {
  /** Realm URL to put in the registry config (http://127.0.0.1:PORT/token). */
  readonly realm: string;
  readonly service: string;
  readonly issuer: string;
  /** PEM file with the signing certificate (registry auth.token.rootcertbundle). */
  readonly rootCertBundlePath: string;
  /** libtrust key id of the signing key (the JWT `kid`). */
  readonly keyId: string;
  readonly users: Readonly<Record<string, string>>;
  /** Every request received, in order. */
  readonly requests: TokenRequestRecord[];
  /** Signs a token directly (e.g. for an Authorization header in hosts.toml). */
  issueToken(subject: string, access: AccessEntry[]): string;
  stop(): Promise<void>;
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32NoPadding(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

/**
 * docker/libtrust key id: SHA-256 of the DER SubjectPublicKeyInfo, first 240 bits,
 * base32 without padding, grouped by 4 with ':' (e.g. `ABCD:EFGH:...`, 12 groups).
 */
export function libtrustKeyId(publicKey: KeyObject): string {
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const encoded = base32NoPadding(createHash('sha256').update(spki).digest().subarray(0, 30));
  return encoded.match(/.{4}/g)!.join(':');
}

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

/** Parses `repository:name:pull,push` (names may contain ':' only in the type part, e.g. `repository(plugin)`). */
export function parseScope(scope: string): AccessEntry | null {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first < 0 || last === first) return null;
  return {
    type: scope.slice(0, first),
    name: scope.slice(first + 1, last),
    actions: scope.slice(last + 1).split(',').filter(Boolean),
  };
}

async function makeSigningCertificate(dir: string): Promise<{ privateKey: KeyObject; certPem: string; certDer: Buffer }> {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const keyPath = `${dir}/signing-key.pem`;
  const certPath = `${dir}/signing-cert.pem`;
  await writeFile(keyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  const result = await runCommand(
    'openssl',
    ['req', '-x509', '-new', '-key', keyPath, '-subj', '/CN=portcullis-test-token-issuer', '-days', '2', '-sha256', '-out', certPath],
    { timeoutMs: 20_000 },
  );
  if (result.code !== 0) throw new Error(`openssl failed to create the token signing certificate: ${result.stderr}`);
  const certPem = await readFile(certPath, 'utf8');
  return { privateKey, certPem, certDer: Buffer.from(new X509Certificate(certPem).raw) };
}

function basicCredentials(header: string | undefined): { username: string; password: string } | null {
  const m = header?.match(/^Basic\s+(.+)$/i);
  if (!m) return null;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startTokenIssuer(options: TokenIssuerOptions = {}): Promise<TokenIssuer> {
  const service = options.service ?? 'portcullis-test-registry';
  const issuer = options.issuer ?? 'portcullis-test-token-issuer';
  const users = options.users ?? { alice: 'wonderland' };
  const ttl = options.tokenTtlSeconds ?? 300;
  const signingMode = options.signingMode ?? 'kid';
  const anonymousActions = options.anonymousActions ?? [];
  const grant =
    options.grant ??
    (({ username, scope }) => (username ? scope.actions : scope.actions.filter((a) => anonymousActions.includes(a))));

  const dir = await makeTempDir('tokens');
  const { privateKey, certPem, certDer } = await makeSigningCertificate(dir.path);
  const keyId = libtrustKeyId(createPublicKey(privateKey));
  const rootCertBundlePath = dir.join('rootcertbundle.pem');
  await writeFile(rootCertBundlePath, certPem);

  const issueToken = (subject: string, access: AccessEntry[]): string => {
    const header: Record<string, unknown> = { typ: 'JWT', alg: 'ES256' };
    if (signingMode === 'kid') header.kid = keyId;
    else header.x5c = [certDer.toString('base64')];
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      iss: issuer,
      sub: subject,
      aud: service,
      exp: now + ttl,
      nbf: now - 5,
      iat: now,
      jti: randomUUID(),
      access,
    };
    const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const signature = sign('sha256', Buffer.from(signingInput), { key: privateKey, dsaEncoding: 'ieee-p1363' });
    return `${signingInput}.${b64url(signature)}`;
  };

  const requests: TokenRequestRecord[] = [];

  const server = http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const record: TokenRequestRecord = {
        method: req.method ?? 'GET',
        service: null,
        scopes: [],
        username: null,
        authenticated: false,
        status: 0,
        granted: [],
        at: new Date(),
      };
      requests.push(record);
      const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        record.status = status;
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(body));
      };
      if (url.pathname !== '/token' || (req.method !== 'GET' && req.method !== 'POST')) {
        return reply(404, { errors: [{ code: 'NOT_FOUND' }] });
      }
      let params = url.searchParams;
      let credentials = basicCredentials(req.headers.authorization);
      if (req.method === 'POST') {
        params = new URLSearchParams(await readBody(req));
        if (params.get('grant_type') !== 'password') {
          return reply(400, { error: 'unsupported_grant_type' });
        }
        credentials = { username: params.get('username') ?? '', password: params.get('password') ?? '' };
      }
      record.service = params.get('service');
      record.scopes = params.getAll('scope').flatMap((s) => s.split(' ')).filter(Boolean);
      record.username = credentials?.username ?? null;
      if (credentials) {
        if (users[credentials.username] !== credentials.password) {
          return reply(401, { errors: [{ code: 'UNAUTHORIZED', message: 'invalid username or password' }] }, {
            'www-authenticate': 'Basic realm="portcullis-test-token-issuer"',
          });
        }
        record.authenticated = true;
      }
      if (record.service !== null && record.service !== service) {
        return reply(400, { errors: [{ code: 'DENIED', message: `unknown service ${record.service}` }] });
      }
      for (const raw of record.scopes) {
        const scope = parseScope(raw);
        if (!scope) continue;
        const actions = grant({ username: record.authenticated ? record.username : null, scope });
        if (actions.length > 0) record.granted.push({ ...scope, actions });
      }
      const token = issueToken(record.authenticated ? record.username! : '', record.granted);
      reply(200, { token, access_token: token, expires_in: ttl, issued_at: new Date().toISOString() });
    })().catch((error: unknown) => {
      res.statusCode = 500;
      res.end(String(error));
    });
  });
  server.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;

  return {
    realm: `http://127.0.0.1:${port}/token`,
    service,
    issuer,
    rootCertBundlePath,
    keyId,
    users,
    requests,
    issueToken,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await dir.stop();
    },
  };
}
