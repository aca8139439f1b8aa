/**
 * The Dockerfile without a Docker engine: its invariants checked on a parse of the file, and its
 * build steps rehearsed by simulate-build.sh (npm ci into a copy, a read-only /app, uid 10001).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseConfig } from '../../src/config/load.js';
import { runCommand } from '../harness/process.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const text = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');

interface Instruction { cmd: string; args: string; stage: string; heredoc?: string }

/** Instructions with line continuations joined, comments dropped, heredoc bodies attached. */
function parse(dockerfile: string): { instructions: Instruction[]; args: Record<string, string> } {
  const lines = dockerfile.split('\n');
  const instructions: Instruction[] = [];
  const args: Record<string, string> = {};
  let stage = '';
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!;
    if (/^\s*(#|$)/.test(line)) continue;
    while (line.endsWith('\\')) line = line.slice(0, -1) + ' ' + lines[++i]!.trim();
    const m = /^\s*([A-Za-z]+)\s+(.*)$/.exec(line);
    assert.ok(m, `unparsable line ${i + 1}: ${line}`);
    const ins: Instruction = { cmd: m[1]!.toUpperCase(), args: m[2]!.trim(), stage };
    const heredoc = /<<-?"?([A-Z]+)"?/.exec(ins.args);
    if (heredoc) {
      const body: string[] = [];
      while (lines[++i] !== heredoc[1]) body.push(lines[i]!);
      ins.heredoc = body.join('\n') + '\n';
    }
    if (ins.cmd === 'FROM') ins.stage = stage = /\bAS\s+(\S+)/i.exec(ins.args)?.[1] ?? '';
    if (ins.cmd === 'ARG' && !stage) { const [k, v] = ins.args.split('='); args[k!] = v ?? ''; }
    instructions.push(ins);
  }
  return { instructions, args };
}

const { instructions, args } = parse(text);
const inStage = (s: string) => instructions.filter((i) => i.stage === s);
const final = instructions.filter((i) => i.cmd === 'FROM').at(-1)!.stage;

test('multi-stage: toolchain, deps, build, runtime; all on Node 24 LTS bookworm-slim (one ABI)', () => {
  assert.match(text.split('\n')[0]!, /^# syntax=docker\/dockerfile:1\.(\d+)$/, 'BuildKit syntax for heredocs and cache mounts');
  const froms = instructions.filter((i) => i.cmd === 'FROM');
  assert.deepEqual(froms.map((f) => f.stage), ['toolchain', 'deps', 'build', 'runtime']);
  assert.equal(final, 'runtime');
  const runtime = /^node:(\d+)-bookworm-slim$/.exec(args.NODE_IMAGE!);
  const build = /^node:(\d+)\.(\d+)\.(\d+)-bookworm-slim$/.exec(args.NODE_BUILD_IMAGE!);
  assert.ok(runtime && build, `${args.NODE_IMAGE} / ${args.NODE_BUILD_IMAGE}`);
  assert.ok(Number(runtime[1]) >= 24 && Number(runtime[1]) % 2 === 0, 'runtime: an even (LTS) major, 24 or later');
  assert.equal(build[1], runtime[1], 'the addon is compiled for the runtime major (same ABI)');
  // nodejs/node#65446: better-sqlite3 <= 12 built against 24.19+ headers aborts at GC.
  const sqlite = JSON.parse(readFileSync(path.join(ROOT, 'node_modules/better-sqlite3/package.json'), 'utf8')).version as string;
  if (Number(sqlite.split('.')[0]) <= 12 && build[1] === '24') assert.ok(Number(build[2]) < 19, `better-sqlite3 ${sqlite} needs headers before 24.19`);
  assert.match(froms[0]!.args, /^\$\{NODE_BUILD_IMAGE\} AS toolchain$/);
  for (const f of froms.slice(1, 3)) assert.match(f.args, /^toolchain AS /, `FROM ${f.args}`);
  assert.match(froms[3]!.args, /^\$\{NODE_IMAGE\} AS runtime$/);
});

test('dependencies only from the lockfile: npm ci everywhere, never npm install; production deps in the runtime', () => {
  assert.ok(!/npm (install|i)\b/.test(text), 'no npm install');
  for (const stage of ['deps', 'build']) {
    const ins = inStage(stage);
    const ci = ins.findIndex((i) => i.cmd === 'RUN' && /npm ci\b/.test(i.args));
    const lock = ins.findIndex((i) => i.cmd === 'COPY' && /package-lock\.json/.test(i.args));
    assert.ok(lock >= 0 && ci > lock, `${stage}: the lockfile is copied before npm ci`);
  }
  assert.ok(inStage('deps').some((i) => /npm ci --omit=dev/.test(i.args)));
  assert.ok(inStage('build').some((i) => /npm run build/.test(i.args)));
  const runtime = inStage('runtime');
  assert.ok(runtime.some((i) => i.cmd === 'COPY' && /--from=deps \/src\/node_modules/.test(i.args)), 'node_modules from the production deps stage');
  assert.ok(runtime.some((i) => i.cmd === 'COPY' && /--from=build \/src\/dist/.test(i.args)));
  assert.ok(!runtime.some((i) => /apt-get install|npm ci|g\+\+/.test(i.args)), 'no toolchain in the runtime stage');
});

test('runtime: non-root uid 10001, HEALTHCHECK with node, port, entrypoint, command, OCI labels, data under /data', () => {
  const runtime = inStage('runtime');
  const users = runtime.filter((i) => i.cmd === 'USER');
  assert.equal(users.length, 1);
  assert.match(users[0]!.args, /^10001(:10001)?$/);
  const lastRun = runtime.map((i) => i.cmd).lastIndexOf('RUN');
  assert.ok(runtime.indexOf(users[0]!) > lastRun, 'USER comes after the last RUN');
  const hc = runtime.find((i) => i.cmd === 'HEALTHCHECK')!;
  assert.ok(hc, 'HEALTHCHECK');
  const hcCmd = JSON.parse(/CMD (\[.*\])$/.exec(hc.args)![1]!) as string[];
  assert.equal(hcCmd[0], 'node');
  assert.ok(hcCmd.join(' ').includes('/healthz') && !/curl|wget/.test(hc.args));
  assert.deepEqual(runtime.find((i) => i.cmd === 'EXPOSE')?.args, '5000');
  assert.deepEqual(JSON.parse(runtime.find((i) => i.cmd === 'ENTRYPOINT')!.args), ['node', '/app/dist/cli.js']);
  assert.deepEqual(JSON.parse(runtime.find((i) => i.cmd === 'CMD')!.args), ['serve', '--config', '/etc/portcullis/portcullis.yaml']);
  const labels = runtime.filter((i) => i.cmd === 'LABEL').map((i) => i.args).join(' ');
  for (const l of ['title', 'description', 'version', 'revision', 'source', 'licenses', 'base.name']) assert.ok(labels.includes(`org.opencontainers.image.${l}=`), l);
  const env = runtime.filter((i) => i.cmd === 'ENV').map((i) => i.args).join(' ');
  assert.match(env, /TMPDIR=\/data\/tmp/);
  assert.match(env, /NODE_ENV=production/);
  assert.deepEqual(JSON.parse(runtime.find((i) => i.cmd === 'VOLUME')!.args), ['/data']);
});

test('the default config in the image validates and writes only under /data', () => {
  const copy = inStage('runtime').find((i) => i.cmd === 'COPY' && i.heredoc !== undefined)!;
  assert.match(copy.args, /<<"EOF" \/etc\/portcullis\/portcullis\.yaml$/, 'quoted heredoc: ${VAR}s reach the config untouched');
  const cfg = parseConfig(copy.heredoc!, 'image', {});
  assert.equal(cfg.server.listen, '0.0.0.0:5000');
  assert.equal(cfg.telemetry.otlpEndpoint, '');
  for (const p of [cfg.storage.path, cfg.vulndb.path, cfg.auth.tokensFile, cfg.cache.verdicts.replace(/^sqlite:\/\//, '')]) {
    assert.ok(p === '/data' || p.startsWith('/data/'), `${p} is under /data`);
  }
  assert.equal(parseConfig(copy.heredoc!, 'image', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel:4318' }).telemetry.otlpEndpoint, 'http://otel:4318');
});

test('.dockerignore lets through only what the build copies', () => {
  const rules = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
  assert.equal(rules[0], '*');
  for (const p of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'src/']) assert.ok(rules.includes(`!${p}`), p);
  assert.ok(!rules.some((r) => /^!(node_modules|dist|data|test)/.test(r)));
});

test('simulate-build.sh: the image build steps and a read-only runtime work', { timeout: 15 * 60_000 }, async () => {
  const r = await runCommand('bash', [path.join(ROOT, 'test/docker/simulate-build.sh'), ROOT], { timeoutMs: 14 * 60_000 });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /simulate-build: ok\n$/);
});
