/**
 * The span tree of a first pull through the whole gateway (every extension, as `serve` wires them), received over OTLP/HTTP: the trace context is passed by hand from the server span
 * through the gate's single flight and scan queue down to the scan's own upstream requests, so
 * every span of the pull must hang from its server span.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { request } from 'undici';
import { startRegistry, type Registry } from '../harness/registry.js';
import { pushImage, MediaType, type OciImage } from '../harness/ociImage.js';
import { makeTempDir, type TempDir } from '../harness/tempDir.js';
import { startOtlpReceiver, type ReceivedSpan } from '../harness/otlpReceiver.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { buildVulnDb, cleanImage, OSV, strictGateConfig } from '../fixtures/gate/gate-fixtures.js';
import { createToken } from '../../src/auth/token-admin.js';
import { createTelemetryExtension, telemetryExtension } from '../../src/telemetry/wire.js';
import { EXTENSIONS, composeExtensions } from '../../src/main.js';
import { createLogger } from '../../src/log.js';
import { Attr, Semconv, SpanName } from '../../src/telemetry/attributes.js';

let reg: Registry;
let dir: TempDir;
let gw: TestGateway;
let image: OciImage;
let token: string;
const logs: string[] = [];
let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;

before(async () => {
  reg = await startRegistry();
  dir = await makeTempDir('telemetry-gate');
  image = await cleanImage('traced');
  await pushImage(reg.url, 'library/traced', '1', image);
  await buildVulnDb(dir.join('vulndb'), [OSV.alpine311]);
  const tokensFile = path.join(dir.path, 'tokens.json');
  token = (await createToken(tokensFile, { name: 'ci', scopes: ['pull:library/*'], ttlMs: 3_600_000 })).token;
  receiver = await startOtlpReceiver();
  // The serve composition, with batches sent after 20 ms instead of 2 s.
  const factories = EXTENSIONS.map((f) => (f === telemetryExtension ? createTelemetryExtension({ exportDelayMs: 20 }) : f));
  gw = await startTestGateway({
    ...strictGateConfig(reg.url, dir.join('vulndb'), { registries: ['docker.io'] }),
    routing: { default: 'local' },
    storage: { path: dir.join('storage') },
    auth: { anonymous: false, tokensFile },
    telemetry: { otlpEndpoint: receiver.url, serviceName: 'portcullis-gate-test' },
  }, {
    logger: createLogger('debug', {}, (l) => { logs.push(l); }),
    extend: (core) => composeExtensions(core, factories),
  });
});

after(async () => {
  await gw?.stop();
  await receiver?.stop();
  await reg?.stop();
  await dir?.stop();
});

test('a first pull is one trace: server → auth, tag resolve, gate wait, decide → queue wait, scan (→ its upstream requests), policy', async () => {
  const res = await request(`${gw.url}/v2/library/traced/manifests/1`, { headers: { accept: MediaType.imageManifest, authorization: `Bearer ${token}` } });
  assert.equal(res.statusCode, 200);
  await res.body.arrayBuffer();
  const trace = await receiver.waitForSpan(
    (s) => s.kind === 2 && s.attributes[Semconv.urlPath] === '/v2/library/traced/manifests/1',
    (t) => t.some((s) => s.name === SpanName.policy) && t.some((s) => s.kind === 2)).catch((e: Error) => { throw new Error(`${e.message}\n${logs.filter((l) => !l.includes('"audit"')).join('')}\n${receiver.spans.map((x) => `${x.name} ${x.traceId} ${x.spanId} <- ${x.parentSpanId} ${JSON.stringify(x.attributes)}`).join('\n')}`); });
  const byId = new Map(trace.map((s) => [s.spanId, s]));
  const server = trace.find((s) => s.kind === 2)!;
  const children = (of: ReceivedSpan) => trace.filter((s) => s.parentSpanId === of.spanId);
  const one = (name: string, parent: ReceivedSpan) => {
    const found = children(parent).filter((s) => s.name === name);
    assert.equal(found.length, 1, `one ${name} under ${parent.name}; got ${children(parent).map((s) => s.name)}`);
    return found[0]!;
  };
  for (const s of trace) if (s !== server) assert.ok(byId.has(s.parentSpanId), `${s.name} hangs from a span of the same trace`);

  const auth = one(SpanName.auth, server);
  assert.equal(auth.attributes[Attr.authResult], 'allow');
  assert.equal(auth.attributes[Attr.principal], 'ci');
  one(SpanName.tagResolve, server);
  one(SpanName.gateWait, server);
  const decide = one(SpanName.decide, server);
  assert.equal(decide.attributes[Attr.repository], 'library/traced');
  one(SpanName.queueWait, decide);
  const scan = one(SpanName.scan, decide);
  assert.equal(scan.attributes[Attr.findings], 0);
  const fetched = children(scan).filter((s) => s.name === SpanName.upstreamRequest).map((s) => s.attributes[Attr.upstreamKind]);
  assert.ok(fetched.includes('blob'), `the scan's blob requests are its children; got ${fetched}`);
  one(SpanName.policy, decide);
});

test('a refused pull: the auth span says why, and nothing below it runs', async () => {
  const res = await request(`${gw.url}/v2/library/traced/manifests/1`, { headers: { accept: MediaType.imageManifest } });
  assert.equal(res.statusCode, 401);
  await res.body.arrayBuffer();
  const trace = await receiver.waitForSpan(
    (s) => s.kind === 2 && s.attributes[Semconv.httpResponseStatusCode] === 401,
    (t) => t.some((s) => s.name === SpanName.auth));
  const auth = trace.find((s) => s.name === SpanName.auth)!;
  assert.equal(auth.attributes[Attr.authResult], 'refused');
  assert.equal(auth.attributes[Attr.errorCode], 'UNAUTHORIZED');
  assert.deepEqual(trace.map((s) => s.name).sort(), ['GET', SpanName.auth], 'the server span (named by its method: no route was reached) and the auth span');
});
