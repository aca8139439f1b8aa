/**
 * Structural checks of the SARIF 2.1.0 and CycloneDX 1.5 documents we emit:
 * the required fields, enums and cross-references of both schemas (and
 * GitHub code scanning's SARIF rules), without fetching the JSON schemas.
 * Each returns the problems found ([] = well-formed). Used by the tests.
 */

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

const SARIF_LEVELS = ['none', 'note', 'warning', 'error'];
const CDX_COMPONENT_TYPES = ['application', 'framework', 'library', 'container', 'platform', 'operating-system', 'device', 'device-driver', 'firmware', 'file', 'machine-learning-model', 'data'];
const CDX_SEVERITIES = ['critical', 'high', 'medium', 'low', 'info', 'none', 'unknown'];
const CDX_METHODS = ['CVSSv2', 'CVSSv3', 'CVSSv31', 'CVSSv4', 'OWASP', 'SSVC', 'other'];
const CDX_SERIAL = /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const PURL = /^pkg:[a-z][a-z0-9.+-]*\/.+@.+/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function array(v: unknown, at: string, problems: string[]): unknown[] {
  if (!Array.isArray(v)) {
    problems.push(`${at}: expected an array`);
    return [];
  }
  return v;
}

function text(v: unknown, at: string, problems: string[]): void {
  if (!isObject(v) || !isString(v.text)) problems.push(`${at}: expected {text: non-empty string}`);
}

function checkSarifRule(rule: unknown, at: string, problems: string[]): string | undefined {
  if (!isObject(rule) || !isString(rule.id)) {
    problems.push(`${at}.id: required`);
    return undefined;
  }
  if (rule.shortDescription !== undefined) text(rule.shortDescription, `${at}.shortDescription`, problems);
  if (rule.fullDescription !== undefined) text(rule.fullDescription, `${at}.fullDescription`, problems);
  if (rule.help !== undefined) text(rule.help, `${at}.help`, problems);
  if (rule.helpUri !== undefined && !(isString(rule.helpUri) && URL.canParse(rule.helpUri))) problems.push(`${at}.helpUri: not a URI`);
  const config = rule.defaultConfiguration;
  if (config !== undefined && !(isObject(config) && SARIF_LEVELS.includes(config.level as string))) problems.push(`${at}.defaultConfiguration.level: not one of ${SARIF_LEVELS}`);
  const props = rule.properties;
  if (isObject(props)) {
    const s = props['security-severity'];
    if (s !== undefined && !(typeof s === 'string' && /^\d+(\.\d+)?$/.test(s) && Number(s) >= 0 && Number(s) <= 10)) problems.push(`${at}.properties.security-severity: expected a string score 0.0–10.0`);
    if (props.tags !== undefined && !(Array.isArray(props.tags) && new Set(props.tags).size === props.tags.length && props.tags.every(isString))) problems.push(`${at}.properties.tags: expected unique strings`);
  }
  return rule.id;
}

function checkSarifResult(result: unknown, at: string, rules: (string | undefined)[], problems: string[]): void {
  if (!isObject(result)) return void problems.push(`${at}: expected an object`);
  text(result.message, `${at}.message`, problems);
  if (result.level !== undefined && !SARIF_LEVELS.includes(result.level as string)) problems.push(`${at}.level: not one of ${SARIF_LEVELS}`);
  if (!isString(result.ruleId) || !rules.includes(result.ruleId)) problems.push(`${at}.ruleId: names no rule of the run`);
  if (result.ruleIndex !== undefined && rules[result.ruleIndex as number] !== result.ruleId) problems.push(`${at}.ruleIndex: does not point at rule ${String(result.ruleId)}`);
  const locations = array(result.locations, `${at}.locations`, problems);
  if (locations.length === 0) problems.push(`${at}.locations: code scanning needs at least one location`);
  locations.forEach((loc, i) => {
    const physical = isObject(loc) ? loc.physicalLocation : undefined;
    const artifact = isObject(physical) ? physical.artifactLocation : undefined;
    if (!isObject(artifact) || !isString(artifact.uri)) problems.push(`${at}.locations[${i}].physicalLocation.artifactLocation.uri: required`);
    else if (/^[/\\]/.test(artifact.uri) || /\s/.test(artifact.uri)) problems.push(`${at}.locations[${i}]: uri must be a relative reference without spaces`);
    const region = isObject(physical) ? physical.region : undefined;
    if (region !== undefined && !(isObject(region) && Number.isInteger(region.startLine) && (region.startLine as number) >= 1)) problems.push(`${at}.locations[${i}].region.startLine: integer ≥ 1`);
  });
  if (result.partialFingerprints !== undefined && !(isObject(result.partialFingerprints) && Object.values(result.partialFingerprints).every(isString))) problems.push(`${at}.partialFingerprints: string values`);
}

export function sarifProblems(doc: unknown): string[] {
  const problems: string[] = [];
  if (!isObject(doc)) return ['log: expected an object'];
  if (doc.version !== '2.1.0') problems.push('version: must be "2.1.0"');
  if (doc.$schema !== undefined && !(isString(doc.$schema) && URL.canParse(doc.$schema))) problems.push('$schema: not a URI');
  array(doc.runs, 'runs', problems).forEach((run, r) => {
    const at = `runs[${r}]`;
    const driver = isObject(run) && isObject(run.tool) ? run.tool.driver : undefined;
    if (!isObject(driver) || !isString(driver.name)) return void problems.push(`${at}.tool.driver.name: required`);
    const ruleList = driver.rules === undefined ? [] : array(driver.rules, `${at}.tool.driver.rules`, problems);
    const ids = ruleList.map((rule, i) => checkSarifRule(rule, `${at}.tool.driver.rules[${i}]`, problems));
    if (new Set(ids).size !== ids.length) problems.push(`${at}.tool.driver.rules: ids must be unique`);
    const results = (run as Json).results;
    if (results !== undefined) array(results, `${at}.results`, problems).forEach((res, i) => checkSarifResult(res, `${at}.results[${i}]`, ids, problems));
  });
  return problems;
}

function checkComponent(c: unknown, at: string, refs: string[], problems: string[]): void {
  if (!isObject(c)) return void problems.push(`${at}: expected an object`);
  if (!CDX_COMPONENT_TYPES.includes(c.type as string)) problems.push(`${at}.type: not one of the component types`);
  if (!isString(c.name)) problems.push(`${at}.name: required`);
  if (c['bom-ref'] !== undefined) {
    if (!isString(c['bom-ref'])) problems.push(`${at}.bom-ref: non-empty string`);
    else refs.push(c['bom-ref']);
  }
  if (c.purl !== undefined && !(isString(c.purl) && PURL.test(c.purl))) problems.push(`${at}.purl: not a purl`);
  if (c.properties !== undefined) array(c.properties, `${at}.properties`, problems).forEach((p, i) => {
    if (!isObject(p) || !isString(p.name) || typeof p.value !== 'string') problems.push(`${at}.properties[${i}]: {name, value} strings`);
  });
}

function checkVulnerability(v: unknown, at: string, componentRefs: Set<string>, refs: string[], problems: string[]): void {
  if (!isObject(v)) return void problems.push(`${at}: expected an object`);
  if (!isString(v.id)) problems.push(`${at}.id: expected a string`);
  if (isString(v['bom-ref'])) refs.push(v['bom-ref']);
  if (v.source !== undefined && !(isObject(v.source) && isString(v.source.name))) problems.push(`${at}.source.name: required`);
  if (v.references !== undefined) array(v.references, `${at}.references`, problems).forEach((r, i) => {
    if (!isObject(r) || !isString(r.id) || !isObject(r.source)) problems.push(`${at}.references[${i}]: id and source are required`);
  });
  array(v.ratings, `${at}.ratings`, problems).forEach((r, i) => {
    if (!isObject(r)) return void problems.push(`${at}.ratings[${i}]: expected an object`);
    if (r.severity !== undefined && !CDX_SEVERITIES.includes(r.severity as string)) problems.push(`${at}.ratings[${i}].severity: not one of ${CDX_SEVERITIES}`);
    if (r.method !== undefined && !CDX_METHODS.includes(r.method as string)) problems.push(`${at}.ratings[${i}].method: not one of ${CDX_METHODS}`);
    if (r.score !== undefined && typeof r.score !== 'number') problems.push(`${at}.ratings[${i}].score: a number`);
  });
  if (v.recommendation !== undefined && typeof v.recommendation !== 'string') problems.push(`${at}.recommendation: a string`);
  const affects = array(v.affects, `${at}.affects`, problems);
  if (affects.length === 0) problems.push(`${at}.affects: names no component`);
  affects.forEach((a, i) => {
    if (!isObject(a) || !isString(a.ref)) return void problems.push(`${at}.affects[${i}].ref: required`);
    if (!componentRefs.has(a.ref)) problems.push(`${at}.affects[${i}].ref: ${a.ref} is no component's bom-ref`);
    if (a.versions !== undefined) array(a.versions, `${at}.affects[${i}].versions`, problems).forEach((ver, j) => {
      if (!isObject(ver) || (!isString(ver.version) && !isString(ver.range))) problems.push(`${at}.affects[${i}].versions[${j}]: version or range required`);
      else if (ver.status !== undefined && !['affected', 'unaffected', 'unknown'].includes(ver.status as string)) problems.push(`${at}.affects[${i}].versions[${j}].status: invalid`);
    });
  });
}

export function cycloneDxProblems(doc: unknown): string[] {
  const problems: string[] = [];
  if (!isObject(doc)) return ['bom: expected an object'];
  if (doc.bomFormat !== 'CycloneDX') problems.push('bomFormat: must be "CycloneDX"');
  if (doc.specVersion !== '1.5') problems.push('specVersion: must be "1.5"');
  if (doc.serialNumber !== undefined && !(typeof doc.serialNumber === 'string' && CDX_SERIAL.test(doc.serialNumber))) problems.push('serialNumber: must be urn:uuid:<RFC 4122 UUID>');
  if (!(Number.isInteger(doc.version) && (doc.version as number) >= 1)) problems.push('version: integer ≥ 1');
  const refs: string[] = [];
  const metadata = doc.metadata;
  if (isObject(metadata)) {
    if (metadata.timestamp !== undefined && !(typeof metadata.timestamp === 'string' && DATE_TIME.test(metadata.timestamp))) problems.push('metadata.timestamp: date-time');
    if (metadata.component !== undefined) checkComponent(metadata.component, 'metadata.component', refs, problems);
    const tools = metadata.tools;
    if (isObject(tools) && tools.components !== undefined) array(tools.components, 'metadata.tools.components', problems).forEach((c, i) => checkComponent(c, `metadata.tools.components[${i}]`, [], problems));
  }
  const components = doc.components === undefined ? [] : array(doc.components, 'components', problems);
  const componentRefs: string[] = [];
  components.forEach((c, i) => checkComponent(c, `components[${i}]`, componentRefs, problems));
  refs.push(...componentRefs);
  const known = new Set(refs);
  if (doc.vulnerabilities !== undefined) array(doc.vulnerabilities, 'vulnerabilities', problems).forEach((v, i) => checkVulnerability(v, `vulnerabilities[${i}]`, new Set(componentRefs), refs, problems));
  if (new Set(refs).size !== refs.length) problems.push('bom-ref: values must be unique within the BOM');
  if (doc.dependencies !== undefined) array(doc.dependencies, 'dependencies', problems).forEach((d, i) => {
    if (!isObject(d) || !isString(d.ref) || !known.has(d.ref)) return void problems.push(`dependencies[${i}].ref: must name a component`);
    const on = d.dependsOn === undefined ? [] : array(d.dependsOn, `dependencies[${i}].dependsOn`, problems);
    if (new Set(on).size !== on.length || on.some((r) => !known.has(r as string))) problems.push(`dependencies[${i}].dependsOn: unique refs of components`);
  });
  return problems;
}
