#!/usr/bin/env node
// Entry point of the `corral` command (compiled to dist/client/src/cli/main.js).
import { runCli } from './run.js';

const code = await runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
});
process.exitCode = code;
