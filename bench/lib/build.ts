/**
 * A tsc build of the gateway for benchmarks, so the measured process runs compiled JavaScript as in
 * production (`node dist/cli.js`) rather than TypeScript through tsx's loader. Emits src/ and
 * test/support/process-gateway.ts (the core-only entry) under .tmp/bench-js, inside the repository
 * so that node_modules resolve. Type errors do not stop it (`noCheck`): typechecking is the tests' job.
 */
import { execFile } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

export async function buildForBench(): Promise<string> {
  const tmp = path.join(REPO, '.tmp');
  const out = path.join(tmp, 'bench-js');
  await rm(out, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  const tsconfig = path.join(tmp, 'tsconfig.bench.json');
  await writeFile(tsconfig, JSON.stringify({
    extends: '../tsconfig.json',
    compilerOptions: { rootDir: '..', outDir: 'bench-js', noCheck: true, sourceMap: false },
    include: ['../src/**/*.ts', '../test/support/process-gateway.ts'],
    exclude: ['../src/**/*.test.ts'],
  }, null, 2));
  const tsc = path.join(REPO, 'node_modules/typescript/bin/tsc');
  await new Promise<void>((resolve, reject) => {
    execFile(process.execPath, [tsc, '-p', tsconfig], { cwd: REPO }, (error, stdout, stderr) => {
      if (error) reject(new Error(`tsc build for the benchmark failed:\n${stdout}${stderr}`));
      else resolve();
    });
  });
  return out;
}
