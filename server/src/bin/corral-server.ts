#!/usr/bin/env node
// corral-server path/to/zoo.cfg — runs one member in the foreground, like `zkServer.sh start-foreground`.
import { loadConfig } from '../config/index.js';
import { serve } from './serve.js';

const path = process.argv[2];
if (!path || process.argv.length > 3) {
  process.stderr.write('usage: corral-server <path/to/zoo.cfg>\n');
  process.exit(2);
}
serve('corral-server', () => loadConfig(path));
