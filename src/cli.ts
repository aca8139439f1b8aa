#!/usr/bin/env node
/** `portcullis <command>` — exit codes: 0 ok/allowed, 1 denied by policy, 2 usage or runtime error. */
import { runCli } from './cli/run.js';

runCli(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e) => {
  process.stderr.write(`portcullis: ${(e as Error)?.message ?? String(e)}\n`);
  process.exitCode = 2;
});
