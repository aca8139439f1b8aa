import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash, randomBytes } from 'node:crypto';
import { openSink, WORKER_MIN_BYTES } from './blob-sink.js';

const here = path.dirname(fileURLToPath(import.meta.url));

test('the worker sink hashes and writes a large blob, in order', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'sink-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'blob');
  const chunks = Array.from({ length: 24 }, () => randomBytes(512 * 1024));
  const sink = await openSink(file, 'sha256', WORKER_MIN_BYTES * 3);
  for (const c of chunks) sink.write(c);
  const hex = await sink.finish();
  const data = Buffer.concat(chunks);
  assert.equal(hex, createHash('sha256').update(data).digest('hex'));
  assert.ok((await readFile(file)).equals(data));
});

test('a process with a warm digest worker and nothing else to do exits by itself', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'sink-exit-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const script = path.join(dir, 'warm.mts');
  await writeFile(script, `import { warmSinks } from ${JSON.stringify(path.join(here, 'blob-sink.ts'))};\nwarmSinks();\n`);
  const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: 'ignore' });
  const exited = await Promise.race([
    new Promise<number | null>((resolve) => child.once('exit', resolve)),
    new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 15_000).unref()),
  ]);
  if (exited === 'hung') child.kill('SIGKILL');
  assert.equal(exited, 0, 'the idle worker must not keep the process alive');
});
