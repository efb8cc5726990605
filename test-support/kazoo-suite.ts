// Runs kazoo's own test suite against Apache ZooKeeper or Corral.
//
// The suite is the `kazoo.tests` package that Debian's python3-kazoo ships next to kazoo itself (for a kazoo
// installed from PyPI, the sdist from `pip download kazoo==<version> --no-deps` holds the same kazoo/tests).
// Its harness (kazoo/testing/harness.py, common.py) starts a three-member ensemble on its own: it writes a zoo.cfg
// per member and runs `java ... QuorumPeerMain zoo.cfg`, stops and restarts members in some tests, and points every
// client at 127.0.0.1:<ZOOKEEPER_PORT_OFFSET + 10i>. For ZooKeeper it gets the Debian jar as ZOOKEEPER_CLASSPATH;
// for Corral, kazoo-suite/java comes first on PATH and starts a Corral member on the same zoo.cfg instead.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runProgram } from './processes.js';
import { CORRAL_SERVER_JS, type TargetKind } from './servers.js';
import { kazooPythonPath, zookeeperClassPath } from './tools.js';

const JAVA_STAND_IN_DIR = fileURLToPath(new URL('./kazoo-suite/', import.meta.url));

export type Outcome = 'passed' | 'failed' | 'skipped';

export interface TestResult {
  outcome: Outcome;
  /** The failure's first line, or the skip reason. */
  message: string;
}

export interface SuiteRun {
  /** By test id, `kazoo.tests.test_client.TestClient::test_create`. */
  results: Map<string, TestResult>;
  /** pytest's closing summary line ("3 failed, 470 passed, 3 skipped in 210.52s"). */
  summary: string;
  /** pytest's output with the per-test details, for failure messages. */
  output: string;
  seconds: number;
}

export interface SuiteOptions {
  /** Test ids to run (default: the whole suite). */
  only?: string[];
  timeoutMs: number;
  /** Release the target claims, for the harness (it adds 4lw and reconfig settings from 3.5 on). */
  zookeeperVersion: string;
}

/** Runs the suite (or `only` those tests) against a fresh ensemble of `kind`, started by kazoo's harness. */
export async function runKazooSuite(kind: TargetKind, opts: SuiteOptions): Promise<SuiteRun> {
  const python = kazooPythonPath();
  const dir = mkdtempSync(join(tmpdir(), `corral-kazoo-suite-${kind}-`));
  const junit = join(dir, 'junit.xml');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // The harness's member directories go here too (tempfile.mkdtemp), so removing dir cleans up after it.
    TMPDIR: dir,
    PYTHONDONTWRITEBYTECODE: '1',
    ZOOKEEPER_PORT_OFFSET: String(await freePortBlock(HARNESS_PORT_SPAN)),
    ZOOKEEPER_VERSION: opts.zookeeperVersion,
  };
  if (kind === 'zookeeper') {
    env.ZOOKEEPER_CLASSPATH = zookeeperClassPath();
  } else {
    // The harness insists on one of ZOOKEEPER_PATH/CLASSPATH; the stand-in ignores it.
    env.ZOOKEEPER_CLASSPATH = 'unused-by-corral';
    env.PATH = `${JAVA_STAND_IN_DIR}:${process.env.PATH ?? ''}`;
    env.CORRAL_NODE = process.execPath;
    env.CORRAL_SERVER_JS = CORRAL_SERVER_JS;
  }
  // With the directory kazoo is installed in as pytest's rootdir, tests are named from the package down.
  const root = await installedUnder(python);
  const selection = opts.only ? opts.only.map((id) => testPath(root, id)) : ['--pyargs', 'kazoo.tests'];
  const started = Date.now();
  try {
    const res = await runProgram(python, [
      '-m', 'pytest', '-p', 'no:cacheprovider', '-q', '-rfEs', '--color=no', `--rootdir=${root}`, `--junitxml=${junit}`,
      ...selection,
    ], { timeoutMs: opts.timeoutMs, env, cwd: dir });
    const output = `${res.stdout}\n${res.stderr}`;
    if (res.timedOut) throw new Error(`kazoo's suite against ${kind} timed out after ${opts.timeoutMs} ms:\n${tail(output)}`);
    let xml: string;
    try {
      xml = readFileSync(junit, 'utf8');
    } catch {
      throw new Error(`kazoo's suite against ${kind} wrote no report (exit ${res.code}):\n${tail(output)}`);
    }
    // The closing line, "=== 3 failed, 470 passed, 3 skipped in 210.52s ===" (without the rules under -q).
    const summary = [...res.stdout.matchAll(/^=* ?(\d+ (?:passed|failed|skipped|error).* in [\d.]+s.*?) ?=*$/gm)].pop()?.[1] ?? `exit ${res.code}`;
    return { results: parseJUnit(xml), summary, output, seconds: Math.round((Date.now() - started) / 1000) };
  } finally {
    if (!process.env.COMPAT_KEEP_DIRS) rmSync(dir, { recursive: true, force: true });
  }
}

/** pytest's junit XML: one <testcase> per test, with a <failure>, <error> or <skipped> child unless it passed. */
export function parseJUnit(xml: string): Map<string, TestResult> {
  const results = new Map<string, TestResult>();
  const testcase = /<testcase\b([^>]*?)(?:\/>|>([\s\S]*?)<\/testcase>)/g;
  for (const [, attrs, body = ''] of xml.matchAll(testcase)) {
    const attr = (name: string) => unescapeXml(new RegExp(`\\b${name}="([^"]*)"`).exec(attrs!)?.[1] ?? '');
    const id = `${attr('classname')}::${attr('name')}`;
    const child = /<(failure|error|skipped)\b([^>]*)/.exec(body);
    const message = unescapeXml(/\bmessage="([^"]*)"/.exec(child?.[2] ?? '')?.[1] ?? '').split('\n')[0]!;
    // A test that passed but whose teardown failed is reported twice; the failure wins.
    const outcome: Outcome = !child ? 'passed' : child[1] === 'skipped' ? 'skipped' : 'failed';
    if (results.get(id)?.outcome !== 'failed') results.set(id, { outcome, message });
  }
  return results;
}

function unescapeXml(s: string): string {
  return s.replace(/&(lt|gt|quot|apos|amp|#(\d+)|#x([0-9a-fA-F]+));/g, (_m, name: string, dec?: string, hex?: string) => {
    if (dec) return String.fromCodePoint(Number(dec));
    if (hex) return String.fromCodePoint(parseInt(hex, 16));
    return { lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' }[name]!;
  });
}

/** The directory the kazoo package is installed in (Debian's dist-packages). */
async function installedUnder(python: string): Promise<string> {
  const res = await runProgram(python, ['-c', 'import kazoo, os; print(os.path.dirname(os.path.dirname(kazoo.__file__)))'], {
    timeoutMs: 30_000,
  });
  const root = res.stdout.trim();
  if (res.code !== 0 || !root) throw new Error(`cannot import kazoo with ${python}: ${res.stderr}`);
  return root;
}

/** `kazoo.tests.test_client.TestClient::test_create` -> `<root>/kazoo/tests/test_client.py::TestClient::test_create`. */
function testPath(root: string, id: string): string {
  const [dotted, test] = id.split('::');
  const parts = dotted!.split('.');
  const cls = parts.pop()!;
  return `${join(root, ...parts)}.py::${cls}::${test}`;
}

/** The harness uses ports offset .. offset+23 (client, election, quorum, admin for three members, 10 apart). */
const HARNESS_PORT_SPAN = 24;

/** A base port whose next `span` ports are all free on loopback, below the kernel's ephemeral range. */
export async function freePortBlock(span: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 10_000);
    const ports = Array.from({ length: span }, (_, i) => base + i);
    if ((await Promise.all(ports.map(portIsFree))).every(Boolean)) return base;
  }
  throw new Error(`no block of ${span} free ports found between 20000 and 30000`);
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '0.0.0.0', () => srv.close(() => resolve(true)));
  });
}

function tail(text: string, lines = 60): string {
  return text.split('\n').slice(-lines).join('\n');
}

/** The ZooKeeper release of the Debian jar the reference ensemble runs (from its versioned symlink). */
export function debianZooKeeperRelease(): string {
  const dir = join(zookeeperClassPath(), '..');
  const jar = readdirSync(dir).map((f) => /^zookeeper-(\d+\.\d+\.\d+)\.jar$/.exec(f)?.[1]).find(Boolean);
  if (!jar) throw new Error(`no zookeeper-<version>.jar next to ${zookeeperClassPath()}`);
  return jar;
}
