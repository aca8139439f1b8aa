/**
 * Every span name and span attribute name, in one place (like OpenTelemetry JS contrib).
 * Standard names come from @opentelemetry/semantic-conventions; ours are `portcullis.*`.
 */
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_CLIENT_PORT,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_SERVICE_INSTANCE_ID,
  ATTR_SERVICE_NAME,
  ATTR_SERVICE_VERSION,
  ATTR_URL_FULL,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
} from '@opentelemetry/semantic-conventions';

/** Semantic-convention attribute names used by Portcullis. */
export const Semconv = {
  httpRequestMethod: ATTR_HTTP_REQUEST_METHOD,
  httpResponseStatusCode: ATTR_HTTP_RESPONSE_STATUS_CODE,
  httpRoute: ATTR_HTTP_ROUTE,
  urlPath: ATTR_URL_PATH,
  urlScheme: ATTR_URL_SCHEME,
  urlFull: ATTR_URL_FULL,
  clientAddress: ATTR_CLIENT_ADDRESS,
  clientPort: ATTR_CLIENT_PORT,
  serverAddress: ATTR_SERVER_ADDRESS,
  serverPort: ATTR_SERVER_PORT,
  userAgentOriginal: ATTR_USER_AGENT_ORIGINAL,
  errorType: ATTR_ERROR_TYPE,
  serviceName: ATTR_SERVICE_NAME,
  serviceVersion: ATTR_SERVICE_VERSION,
  serviceInstanceId: ATTR_SERVICE_INSTANCE_ID,
} as const;

/** Portcullis' own attribute names. */
export const Attr = {
  /** upstream name from the config (`upstreams.<name>`) */
  upstream: 'portcullis.upstream',
  /** repository at the upstream, e.g. library/alpine */
  repository: 'portcullis.repository',
  /** manifest, blob, token, tags, referrers, ping */
  upstreamKind: 'portcullis.upstream.kind',
  /** the internal route name (manifest, blob, healthz, …) */
  route: 'portcullis.route',
  /** OCI error code answered (DENIED, MANIFEST_UNKNOWN, …) */
  errorCode: 'portcullis.error.code',
  /** the client went away before the response was complete */
  aborted: 'portcullis.response.aborted',
  /** blob, manifest, tag, verdict */
  cache: 'portcullis.cache',
  cacheHit: 'portcullis.cache.hit',
  digest: 'portcullis.digest',
  reference: 'portcullis.reference',
  /** allow | deny */
  decision: 'portcullis.decision',
  /** enforce | audit */
  policyMode: 'portcullis.policy.mode',
  layerDigest: 'portcullis.layer.digest',
  layerIndex: 'portcullis.layer.index',
  signatureVerified: 'portcullis.signature.verified',
  /** true when this request joined work already in flight (single-flight) */
  joined: 'portcullis.singleflight.joined',
  queueWaitMs: 'portcullis.queue.wait_ms',
  /** vulnerabilities found by a scan */
  findings: 'portcullis.findings',
  /** the access decision: open, allow, break_glass or refused */
  authResult: 'portcullis.auth.result',
  /** the token name of the caller (never the token) */
  principal: 'portcullis.principal',
  webhookEvent: 'portcullis.webhook.event',
  webhookAttempt: 'portcullis.webhook.attempt',
} as const;

/**
 * Span names. The HTTP server span is named by `serverSpanName` (semantic conventions: "{method} {route}").
 * Tree of a first pull: server → auth, tag resolve (cache lookup, upstream request → token request),
 * decide → gate wait (single-flight), queue wait, scan (→ layers), signature verify, policy.
 */
export const SpanName = {
  upstreamRequest: 'portcullis.upstream.request',
  cacheLookup: 'portcullis.cache.lookup',
  auth: 'portcullis.auth',
  tagResolve: 'portcullis.tag.resolve',
  /** a verdict being decided (one per digest at a time) */
  decide: 'portcullis.decide',
  /** a pull waiting for its verdict, possibly decided by another request (single-flight) */
  gateWait: 'portcullis.gate.wait',
  queueWait: 'portcullis.scan.queue_wait',
  /** waiting for another replica that holds the scan lock */
  replicaWait: 'portcullis.scan.replica_wait',
  scan: 'portcullis.scan',
  scanLayer: 'portcullis.scan.layer',
  signatureVerify: 'portcullis.signature.verify',
  policy: 'portcullis.policy',
  webhookDelivery: 'portcullis.webhook.deliver',
} as const;

/** Route templates (`http.route`) for the internal route names the handlers put in `ctx.state.route`. */
export const ROUTE_TEMPLATES: Readonly<Record<string, string>> = {
  base: '/v2/',
  manifest: '/v2/{name}/manifests/{reference}',
  blob: '/v2/{name}/blobs/{digest}',
  tags: '/v2/{name}/tags/list',
  referrers: '/v2/{name}/referrers/{digest}',
  upload: '/v2/{name}/blobs/uploads/',
  healthz: '/healthz',
  readyz: '/readyz',
};

/** "{method} {route}" per the HTTP semantic conventions; just "{method}" when the route is unknown. */
export function serverSpanName(method: string, route: string | undefined): string {
  return route ? `${method} ${route}` : method;
}
