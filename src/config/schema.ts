/**
 * The one typed configuration schema. Every field documents its default.
 * Validated once at start-up (load.ts); unknown keys are errors.
 */
import { z } from 'zod';
import { parseDuration, parseSize } from './units.js';

const duration = (def: string) =>
  z.union([z.string(), z.number()]).default(def).transform((v, ctx) => {
    const ms = parseDuration(v);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `expected a duration like "30s", "5m", "24h", got ${JSON.stringify(v)}` });
      return z.NEVER;
    }
    return ms;
  });

const size = (def: string) =>
  z.union([z.string(), z.number()]).default(def).transform((v, ctx) => {
    const b = parseSize(v);
    if (b === undefined) {
      ctx.addIssue({ code: 'custom', message: `expected a size like "512MiB" or "50GiB", got ${JSON.stringify(v)}` });
      return z.NEVER;
    }
    return b;
  });

const hostPort = z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]*):\d{1,5}$/, 'expected "host:port"');
const httpUrl = z.string().regex(/^https?:\/\/[^\s/]+(\/[^\s]*)?$/, 'expected an http(s) URL');
const severity = z.enum(['critical', 'high', 'medium', 'low', 'none']);
const rankedSeverity = z.enum(['critical', 'high', 'medium', 'low']);

const upstream = z.strictObject({
  /** base URL of the registry, e.g. https://registry-1.docker.io */
  url: httpUrl,
  /** registry hosts served, matched against containerd's ?ns=<host>. Default: the url's host */
  registries: z.array(z.string().min(1)).default([]),
  username: z.string().optional(),
  password: z.string().optional(),
  /** allow plain http and skip TLS verification. Default false */
  insecure: z.boolean().default(false),
  /** PEM file of extra CAs to trust for this upstream */
  ca: z.string().optional(),
  /** per-request timeout (headers; bodies time out when idle this long). Default 30s */
  timeout: duration('30s'),
  /** retries for idempotent requests on network errors / 5xx. Default 2 */
  retries: z.number().int().min(0).max(10).default(2),
  /** consecutive failures that open the circuit breaker. Default 5 */
  maxFailures: z.number().int().min(1).default(5),
  /** how long an open breaker fails fast before a trial request. Default 30s */
  breakerCooldown: duration('30s'),
});

const allowEntry = z.strictObject({
  id: z.string().min(1),
  repositories: z.array(z.string().min(1)).default(['*']),
  expires: z.string().regex(/^\d{4}-\d{2}-\d{2}(T.*)?$/, 'expected a date YYYY-MM-DD').optional(),
  reason: z.string().optional(),
});

const policyFields = {
  mode: z.enum(['enforce', 'audit']).optional(),
  blockSeverity: severity.optional(),
  unknownSeverity: rankedSeverity.optional(),
  ignoreUnfixed: z.boolean().optional(),
  requireSignature: z.boolean().optional(),
  onError: z.enum(['deny', 'allow']).optional(),
  /** names of signatures.keys / indexes of identities that apply; default: all */
  keys: z.array(z.string()).optional(),
  identities: z.array(z.string()).optional(),
  requiredAttestations: z.array(z.string()).optional(),
};

const rule = z.strictObject({ repositories: z.array(z.string().min(1)).min(1), ...policyFields, allowlist: z.array(allowEntry).optional() });

export const configSchema = z.strictObject({
  server: z.strictObject({
    /** listen address. Default 0.0.0.0:5000 */
    listen: hostPort.default('0.0.0.0:5000'),
    /** external URL used in report links and the token realm. Default http://<listen> */
    publicUrl: httpUrl.optional(),
    /** how long SIGTERM waits for in-flight requests. Default 30s */
    shutdownTimeout: duration('30s'),
    /** on SIGTERM, how long /readyz answers 503 while connections are still accepted, so load balancers stop sending. Default 0s */
    shutdownDelay: duration('0s'),
    /** largest manifest accepted from an upstream. Default 4MiB (the spec's limit) */
    maxManifestBytes: size('4MiB'),
    /** PEM files; when set the gateway speaks HTTPS and reloads them when they change */
    tls: z.strictObject({ cert: z.string(), key: z.string() }).optional(),
    trustedProxies: z.array(z.string()).default([]),
    /** protection against slow and oversized requests */
    limits: z.strictObject({
      /** time to receive a request's headers (slowloris). Default 20s */
      headersTimeout: duration('20s'),
      /** time to receive a whole request. Default 60s */
      requestTimeout: duration('60s'),
      /** largest request header block. Default 16KiB */
      maxHeaderBytes: size('16KiB'),
    }).prefault({}),
  }).prefault({}),
  upstreams: z.record(z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'upstream names are lowercase [a-z0-9._-]'), upstream)
    .refine((u) => Object.keys(u).length > 0, 'at least one upstream is required'),
  routing: z.strictObject({
    /** upstream for /v2/<repo> without ?ns= or an upstream prefix. Default: the only upstream, if there is one */
    default: z.string().optional(),
  }).prefault({}),
  storage: z.strictObject({
    /** blob cache, manifests, SQLite files. Default ./data */
    path: z.string().default('./data'),
    /** blob cache size; least recently used blobs are evicted. Default 50GiB */
    maxBlobCacheBytes: size('50GiB'),
    /** how long a tag → digest mapping is trusted before a HEAD revalidates it. Default 60s */
    tagTtl: duration('60s'),
  }).prefault({}),
  cache: z.strictObject({
    verdicts: z.string().regex(/^(memory|sqlite|redis|rediss):\/\//, 'expected memory://, sqlite://PATH or redis://HOST:PORT/DB').default('sqlite://./data/verdicts.sqlite'),
  }).prefault({}),
  vulndb: z.strictObject({
    path: z.string().default('./data/vulndb'),
    sources: z.array(z.string().min(1)).default([]),
    updateInterval: duration('24h'),
  }).prefault({}),
  policy: z.strictObject({
    mode: z.enum(['enforce', 'audit']).default('enforce'),
    blockSeverity: severity.default('high'),
    unknownSeverity: rankedSeverity.default('medium'),
    ignoreUnfixed: z.boolean().default(false),
    requireSignature: z.boolean().default(false),
    onError: z.enum(['deny', 'allow']).default('deny'),
    scanTimeout: duration('120s'),
    /** scans run at once. Default 2 */
    scanConcurrency: z.number().int().min(1).max(64).default(2),
    requiredAttestations: z.array(z.string()).default([]),
    allowlist: z.array(allowEntry).default([]),
    rules: z.array(rule).default([]),
  }).prefault({}),
  signatures: z.strictObject({
    trustedRoot: z.string().optional(),
    keys: z.array(z.strictObject({ name: z.string().min(1), publicKey: z.string().min(1) })).default([]),
    identities: z.array(z.strictObject({
      name: z.string().optional(),
      issuer: z.string().min(1),
      subject: z.string().min(1),
      githubWorkflowRepository: z.string().optional(),
      githubWorkflowRef: z.string().optional(),
    })).default([]),
    /** repository holding legacy .sig tags, like COSIGN_REPOSITORY. Default: the image's own */
    repository: z.string().optional(),
  }).prefault({}),
  auth: z.strictObject({
    anonymous: z.boolean().default(true),
    tokensFile: z.string().default('./data/tokens.json'),
    allowCidrs: z.array(z.string()).default([]),
    /** requests per second per token (0 = unlimited). Default 0 */
    rateLimit: z.number().min(0).default(0),
    /** requests a token may make at once before rateLimit applies. Default 2 × rateLimit (at least 1) */
    rateBurst: z.number().int().min(1).optional(),
    jwtTtl: duration('15m'),
    /** HS256 key for JWTs from /token (≥ 32 characters, e.g. "${PORTCULLIS_JWT_SECRET}"); needed when
     *  several replicas serve one hostname. Default: a random key per process */
    jwtSecret: z.string().min(32, 'use at least 32 characters').optional(),
    /** true: the metrics path needs a token with the admin scope. Default false */
    protectMetrics: z.boolean().default(false),
  }).prefault({}),
  telemetry: z.strictObject({
    metricsPath: z.string().startsWith('/').default('/metrics'),
    /** OTLP/HTTP collector base URL (…:4318) for traces; empty: tracing off. Default "" */
    otlpEndpoint: z.union([z.literal(''), httpUrl]).default(''),
    /** extra headers for the collector, e.g. {authorization: "Bearer ${OTLP_TOKEN}"}. Default {} */
    otlpHeaders: z.record(z.string(), z.string()).default({}),
    serviceName: z.string().default('portcullis'),
    /** share of new traces recorded; a client's sampled traceparent is always honoured. Default 1 */
    sampleRatio: z.number().min(0).max(1).default(1),
  }).prefault({}),
  webhooks: z.array(z.strictObject({
    url: httpUrl,
    /** HMAC-SHA256 key for the X-Portcullis-Signature header; none: unsigned */
    secret: z.string().optional(),
    /** events sent; default all */
    events: z.array(z.enum(['pull.denied', 'image.newly_denied', 'scan.failed'])).optional(),
    /** POSTs per event before giving up (exponential backoff between them). Default 6 */
    maxAttempts: z.number().int().min(1).max(20).default(6),
    /** per-POST timeout. Default 10s */
    timeout: duration('10s'),
  })).default([]),
  logging: z.strictObject({ level: z.enum(['debug', 'info', 'warn', 'error']).default('info') }).prefault({}),
});

export type ConfigInput = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema>;
export type UpstreamConfig = Config['upstreams'][string];
export type PolicyConfig = Config['policy'];
export type AllowEntry = z.output<typeof allowEntry>;
