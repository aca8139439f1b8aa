/**
 * The Helm chart without helm: templates are valid YAML once template actions are stripped, every
 * `.Values` path a template uses exists, every value is documented, the chart's config passes
 * Portcullis' own validation, the workload is hardened, and the dashboard and runbook only name
 * metrics the gateway exports.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import YAML, { isMap, isScalar, type YAMLMap } from 'yaml';
import { parseConfig } from '../../src/config/load.js';
import { parseDuration } from '../../src/config/units.js';
import { createMetrics } from '../../src/telemetry/metrics.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CHART = path.join(ROOT, 'helm/portcullis');
const TEMPLATES = path.join(CHART, 'templates');
const read = (p: string) => readFileSync(p, 'utf8');
const values = YAML.parse(read(path.join(CHART, 'values.yaml')));
const templateFiles = readdirSync(TEMPLATES).filter((f) => /\.(ya?ml|tpl|txt)$/.test(f));

/** Drops comments and lines that are only actions; inline actions become a placeholder scalar. */
function stripActions(text: string): string {
  return text
    .replace(/\{\{-?\s*\/\*[\s\S]*?\*\/\s*-?\}\}/g, '')
    .split('\n')
    .filter((l) => !/^\s*(\{\{-?[\s\S]*?-?\}\}\s*)+$/.test(l))
    .map((l) => l.replace(/\{\{-?[\s\S]*?-?\}\}/g, 'X'))
    .join('\n');
}

function renderedDocs(file: string): unknown[] {
  const docs = YAML.parseAllDocuments(stripActions(read(path.join(TEMPLATES, file))));
  for (const d of docs) assert.deepEqual(d.errors.map((e) => e.message), [], `${file}: ${d.errors[0]?.message}`);
  return docs.map((d) => d.toJS()).filter((d) => d !== null);
}

function get(obj: unknown, keys: string[]): unknown {
  return keys.reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), obj);
}

test('Chart.yaml: apiVersion v2, name, semver version, appVersion = package version', () => {
  const chart = YAML.parse(read(path.join(CHART, 'Chart.yaml')));
  const pkg = JSON.parse(read(path.join(ROOT, 'package.json')));
  assert.equal(chart.apiVersion, 'v2');
  assert.equal(chart.name, 'portcullis');
  assert.equal(chart.type, 'application');
  assert.match(chart.version, /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/);
  assert.equal(chart.appVersion, pkg.version);
  assert.ok(chart.description && chart.kubeVersion);
});

test('every template is valid YAML with its actions stripped, and names a kind', () => {
  for (const f of templateFiles.filter((x) => x.endsWith('.yaml'))) {
    const docs = renderedDocs(f);
    assert.ok(docs.length > 0, f);
    for (const d of docs) {
      assert.ok(get(d, ['apiVersion']) && get(d, ['kind']) && get(d, ['metadata', 'name']), `${f}: apiVersion, kind, metadata.name`);
    }
  }
});

test('every .Values path used by a template exists in values.yaml', () => {
  const used = new Set<string>();
  for (const f of templateFiles) for (const m of read(path.join(TEMPLATES, f)).matchAll(/\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)/g)) used.add(m[1]!.slice(1));
  assert.ok(used.size > 40, `found ${used.size} paths`);
  const missing = [...used].filter((p) => get(values, p.split('.')) === undefined);
  assert.deepEqual(missing, []);
});

test('every key in values.yaml has a comment', () => {
  const doc = YAML.parseDocument(read(path.join(CHART, 'values.yaml')));
  const undocumented: string[] = [];
  const walk = (map: YAMLMap, prefix: string, inheritedFirst: boolean) => {
    map.items.forEach((pair, i) => {
      const key = isScalar(pair.key) ? String(pair.key.value) : '?';
      const keyNode = pair.key as { commentBefore?: string | null };
      const valueNode = pair.value as { comment?: string | null; commentBefore?: string | null } | null;
      const documented = Boolean(keyNode.commentBefore || valueNode?.comment || (i === 0 && inheritedFirst));
      if (!documented) undocumented.push(prefix + key);
      if (isMap(pair.value)) walk(pair.value, `${prefix}${key}.`, Boolean(pair.value.commentBefore));
    });
  };
  walk(doc.contents as YAMLMap, '', Boolean(doc.commentBefore || (doc.contents as YAMLMap).commentBefore));
  assert.deepEqual(undocumented, []);
});

/** What `portcullis.config` in _helpers.tpl renders, for the given values. */
function chartConfig(v: typeof values, fullname = 'rel-portcullis'): string {
  const cfg = structuredClone(v.config);
  cfg.cache.verdicts = v.redis.enabled ? `redis://${fullname}-redis:6379/0` : v.redis.externalUrl || cfg.cache.verdicts;
  if (!cfg.server.publicUrl) delete cfg.server.publicUrl;
  return YAML.stringify(cfg);
}

test("the chart's config passes Portcullis validation: defaults, bundled Redis, external Redis", () => {
  const env = { DOCKERHUB_USER: 'u', DOCKERHUB_TOKEN: 't' };
  const base = parseConfig(chartConfig(values), 'chart', env);
  assert.equal(base.cache.verdicts, 'sqlite:///data/verdicts.sqlite');
  assert.equal(base.storage.path, '/data');
  assert.equal(base.server.listen, `0.0.0.0:${values.service.targetPort}`);
  const bundled = parseConfig(chartConfig({ ...values, redis: { ...values.redis, enabled: true } }), 'chart', env);
  assert.equal(bundled.cache.verdicts, 'redis://rel-portcullis-redis:6379/0');
  const external = parseConfig(chartConfig({ ...values, redis: { ...values.redis, externalUrl: 'rediss://r.example:6380/1' } }), 'chart', env);
  assert.equal(external.cache.verdicts, 'rediss://r.example:6380/1');
  const helpers = read(path.join(TEMPLATES, '_helpers.tpl'));
  assert.match(helpers, /\{\{- include "portcullis\.verdictCache" \. -\}\}|include "portcullis\.verdictCache"/);
  assert.match(helpers, /gt \$replicas 1\) \(not \(hasPrefix "redis" \$cache\)\)/, 'replicas > 1 without Redis fails the render');
  assert.match(read(path.join(TEMPLATES, 'deployment.yaml')), /^\{\{- include "portcullis\.validate" \. \}\}/);
  const grace = values.terminationGracePeriodSeconds * 1000;
  assert.ok(grace > parseDuration(values.config.server.shutdownDelay)! + parseDuration(values.config.server.shutdownTimeout)!, 'terminationGracePeriodSeconds covers the drain');
});

test('the Deployment: probes, non-root, read-only root filesystem, config checksum, data and tmp volumes', () => {
  const [dep] = renderedDocs('deployment.yaml') as Array<Record<string, any>>;
  const pod = dep!.spec.template.spec;
  const c = pod.containers[0];
  assert.equal(c.readinessProbe.httpGet.path, '/readyz');
  assert.equal(c.livenessProbe.httpGet.path, '/healthz');
  assert.equal(c.startupProbe.httpGet.path, '/healthz');
  assert.equal(pod.securityContext.runAsNonRoot, true);
  assert.equal(pod.securityContext.runAsUser, 10001);
  assert.equal(c.securityContext.readOnlyRootFilesystem, true);
  assert.equal(c.securityContext.allowPrivilegeEscalation, false);
  assert.deepEqual(c.securityContext.capabilities.drop, ['ALL']);
  assert.ok('checksum/config' in dep!.spec.template.metadata.annotations);
  assert.deepEqual(c.volumeMounts.map((m: { mountPath: string }) => m.mountPath).slice(0, 3), ['/etc/portcullis/portcullis.yaml', '/data', '/tmp']);
  assert.deepEqual(c.args, ['serve', '--config', '/etc/portcullis/portcullis.yaml']);
  const [redis] = renderedDocs('redis.yaml') as Array<Record<string, any>>;
  assert.equal(redis!.spec.template.spec.securityContext.runAsNonRoot, true);
});

/** Metric names a PromQL text refers to that the gateway does not export. */
function unknownMetrics(text: string): string[] {
  const exported = new Set<string>();
  const m = createMetrics();
  for (const metric of m.registry.getMetricsAsArray()) {
    exported.add(metric.name);
    for (const s of ['_bucket', '_sum', '_count']) exported.add(metric.name + s);
  }
  return [...new Set([...text.matchAll(/\bportcullis_[a-z_]+/g)].map((x) => x[0]))].filter((n) => !exported.has(n));
}

test('the Grafana dashboard is valid JSON and only queries exported metrics', () => {
  const text = read(path.join(CHART, 'dashboards/portcullis.json'));
  const dash = JSON.parse(text);
  assert.equal(dash.uid, 'portcullis');
  const ids = dash.panels.map((p: { id: number }) => p.id);
  assert.equal(new Set(ids).size, ids.length);
  const exprs = dash.panels.flatMap((p: { targets?: Array<{ expr: string }> }) => (p.targets ?? []).map((t) => t.expr)).join('\n');
  for (const m of ['portcullis_http_requests_total', 'portcullis_upstream_request_duration_seconds_bucket', 'portcullis_cache_hits_total', 'portcullis_verdicts_total', 'portcullis_scans_total', 'portcullis_scan_queue_depth', 'portcullis_vulndb_age_seconds', 'portcullis_pull_denials_total']) {
    assert.ok(exprs.includes(m), `dashboard shows ${m}`);
  }
  assert.deepEqual(unknownMetrics(exprs), []);
  assert.match(read(path.join(TEMPLATES, 'dashboard-configmap.yaml')), /\.Files\.Get "dashboards\/portcullis\.json"/);
});

test('the runbook only names exported metrics', () => {
  const text = read(path.join(ROOT, 'docs/runbook.md'));
  assert.ok(text.includes('portcullis_'));
  assert.deepEqual(unknownMetrics(text), []);
});
