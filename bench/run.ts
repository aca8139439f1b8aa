/**
 * `npm run bench [-- NAME... --flag...]`: runs every benchmark file in bench/ one after another, each
 * as its own child process (`node --import tsx bench/NAME.ts`), collects their markdown sections into
 * bench/results/latest.md and prints it.
 *
 * Convention (see bench/README.md): a benchmark is a top-level `bench/NAME.ts` whose name has no
 * hyphen; it is runnable alone and prints one markdown section (starting with `## `) on stdout,
 * progress on stderr. Helpers are `bench/NAME-*.ts` or live in bench/lib/.
 * NAME arguments select benchmarks; `--flags` are passed to every one (e.g. `--quick`).
 */
import { spawn } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { table } from './lib/report.js';
import { machine } from './lib/timing.js';

const BENCH = fileURLToPath(new URL('.', import.meta.url));
const REPO = path.dirname(BENCH);
/** Benchmarks that exist run in this order; any other entry file follows alphabetically. */
const ORDER = ['core', 'gate', 'scan', 'auth', 'telemetry'];

export async function discoverBenchmarks(dir = BENCH): Promise<string[]> {
  const names = (await readdir(dir))
    .map((f) => /^([a-z0-9]+)\.ts$/.exec(f)?.[1])
    .filter((n): n is string => n !== undefined && n !== 'run');
  const rank = (n: string) => (ORDER.includes(n) ? ORDER.indexOf(n) : ORDER.length);
  return names.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

interface Outcome {
  name: string;
  code: number | null;
  seconds: number;
  markdown: string;
}

/** Runs one benchmark; its stdout is kept (and echoed to our stderr as it comes), its stderr passes through. */
function runOne(name: string, flags: string[]): Promise<Outcome> {
  const started = performance.now();
  process.stderr.write(`\n=== bench/${name}.ts ${flags.join(' ')}\n`);
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(BENCH, `${name}.ts`), ...flags], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString('utf8');
    process.stderr.write(c);
  });
  return new Promise((resolve) => {
    const finish = (code: number | null) => {
      const seconds = (performance.now() - started) / 1000;
      const text = out.trim();
      const body = text.startsWith('## ') ? text : `## bench/${name}.ts\n\n\`\`\`text\n${text}\n\`\`\``;
      const failed = code === 0 ? '' : `\n\n**bench/${name}.ts failed (exit ${code}); see its stderr for the error.**`;
      resolve({ name, code, seconds, markdown: body + failed });
    };
    child.once('error', (e) => { out += `\n[spawn error] ${e.message}`; finish(-1); });
    child.once('close', (code) => finish(code));
  });
}

function commit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const flags = args.filter((a) => a.startsWith('-'));
  const wanted = args.filter((a) => !a.startsWith('-'));
  const all = await discoverBenchmarks();
  const unknown = wanted.filter((w) => !all.includes(w));
  if (unknown.length > 0) {
    process.stderr.write(`unknown benchmark(s): ${unknown.join(', ')}; present: ${all.join(', ')}\n`);
    return 2;
  }
  const selected = wanted.length > 0 ? all.filter((n) => wanted.includes(n)) : all;
  const outcomes: Outcome[] = [];
  for (const name of selected) outcomes.push(await runOne(name, flags));

  const report = [
    '# Portcullis benchmarks',
    `${new Date().toISOString()}, commit ${commit()}. ${machine()}.${flags.length ? ` Flags: \`${flags.join(' ')}\`.` : ''}`,
    table(['benchmark', 'result', 'time'], outcomes.map((o) => [`bench/${o.name}.ts`, o.code === 0 ? 'ok' : `failed (exit ${o.code})`, `${o.seconds.toFixed(0)} s`])),
    ...outcomes.map((o) => o.markdown),
  ].join('\n\n') + '\n';
  const file = path.join(BENCH, 'results', 'latest.md');
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, report);
  process.stdout.write(report);
  process.stderr.write(`\nwritten to ${path.relative(REPO, file)}\n`);
  return outcomes.every((o) => o.code === 0) ? 0 : 1;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main();
}
