#!/usr/bin/env node
// kubectl-corral: on PATH, kubectl runs it as `kubectl corral ...` (compiled to
// dist/operator/src/kubectl-plugin/main.js, the package's kubectl-corral bin).
import { runPlugin } from './cli.js';

process.exitCode = await runPlugin(process.argv.slice(2), {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
});
