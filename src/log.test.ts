import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from './log.js';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger('debug', {}, (l) => lines.push(JSON.parse(l)));
  return { logger, lines };
}

test('credential-named fields are redacted at any depth, in arrays too, and in child loggers', () => {
  const { logger, lines } = capture();
  logger.info('upstream', {
    password: 'p1',
    upstream: { url: 'https://r.example', username: 'u', password: 'p2', headers: { Authorization: 'Bearer t1', accept: '*/*' } },
    webhooks: [{ url: 'https://h.example', secret: 's1' }],
  });
  logger.child({ token: 't2', who: 'ci' }).warn('child');
  const text = JSON.stringify(lines);
  for (const secret of ['p1', 'p2', 't1', 's1', 't2']) assert.ok(!text.includes(`"${secret}"`) && !text.includes(` ${secret}"`), `${secret} leaked: ${text}`);
  const first = lines[0] as { upstream: { username: string; headers: { accept: string; Authorization: string } }; webhooks: Array<{ url: string }> };
  assert.equal(first.upstream.username, 'u');
  assert.equal(first.upstream.headers.accept, '*/*');
  assert.equal(first.upstream.headers.Authorization, '[redacted]');
  assert.equal(first.webhooks[0]!.url, 'https://h.example');
  assert.equal(lines[1]!.who, 'ci');
});

test('errors print their message; dates print as JSON; cycles and deep nesting cannot blow up a log line', () => {
  const { logger, lines } = capture();
  const cyclic: Record<string, unknown> = { name: 'loop' };
  cyclic.self = cyclic;
  logger.error('failed', { error: new Error('boom'), at: new Date(0), cyclic });
  assert.equal(lines[0]!.error, 'boom');
  assert.equal(lines[0]!.at, '1970-01-01T00:00:00.000Z');
  assert.match(JSON.stringify(lines[0]!.cyclic), /too deep/);
});

test('stdout lines of one event-loop turn go out in one write, in order, and nothing is lost at exit', async () => {
  const { spawnSync } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const logModule = fileURLToPath(new URL('./log.ts', import.meta.url));
  const script = `
    import { createLogger } from ${JSON.stringify(logModule)};
    const writes = [];
    const original = process.stdout.write.bind(process.stdout);
    process.stdout.write = (chunk, ...rest) => { writes.push(String(chunk).split('\\n').length - 1); return original(chunk, ...rest); };
    const log = createLogger('info');
    for (let i = 0; i < 50; i++) log.info('line', { i });
    setImmediate(() => {
      process.stderr.write(JSON.stringify(writes));
      log.info('last words');
      process.exit(3);
    });
  `;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 3);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { msg: string; i?: number });
  assert.equal(lines.length, 51);
  assert.deepEqual(lines.slice(0, 50).map((l) => l.i), Array.from({ length: 50 }, (_, i) => i));
  assert.equal(lines[50]!.msg, 'last words', 'the line logged just before process.exit is written');
  assert.deepEqual(JSON.parse(r.stderr), [50], 'fifty lines of one turn, one write');
});
