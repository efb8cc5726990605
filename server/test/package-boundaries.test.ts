// What depends on what, checked over the sources: the protocol is used only through its public entry
// ('corral/protocol', package.json's exports) and depends on nothing of Corral's; client and operator never reach
// into the server; the admin surface reads the member only through its view (admin/view.ts), never member/ code.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Every module specifier imported or re-exported by the .ts files under `dir`, with the file it is in. */
function importsUnder(dir: string): Array<{ file: string; spec: string }> {
  const out: Array<{ file: string; spec: string }> = [];
  for (const name of readdirSync(join(ROOT, dir), { recursive: true }) as string[]) {
    if (!name.endsWith('.ts')) continue;
    const file = join(dir, name);
    const text = readFileSync(join(ROOT, file), 'utf8');
    for (const m of text.matchAll(/^(?:import|export)\b[^'"]*?from\s+'([^']+)'/gms)) out.push({ file, spec: m[1]! });
  }
  return out;
}

/** The repository path an import resolves to ('' for packages and node: modules). */
function target(file: string, spec: string): string {
  return spec.startsWith('.') ? relative(ROOT, join(ROOT, file, '..', spec)) : '';
}

const offending = (dir: string, bad: (spec: string, to: string) => boolean) =>
  importsUnder(dir).filter(({ file, spec }) => bad(spec, target(file, spec))).map(({ file, spec }) => `${file}: ${spec}`);

describe('package boundaries', () => {
  it('server, client and operator use the protocol only through corral/protocol', () => {
    for (const dir of ['server/src', 'client/src', 'operator/src']) {
      expect(offending(dir, (_spec, to) => to.startsWith('protocol/')), dir).toEqual([]);
    }
  });

  it('the protocol depends on nothing of Corral\'s outside it', () => {
    expect(offending('protocol/src', (spec, to) => spec.startsWith('.') && !to.startsWith('protocol/src'))).toEqual([]);
  });

  it('client and operator do not reach into the server', () => {
    for (const dir of ['client/src', 'operator/src']) expect(offending(dir, (_spec, to) => to.startsWith('server/')), dir).toEqual([]);
  });

  it('admin/ reads the member only through its view: nothing of member/ is imported', () => {
    expect(offending('server/src/admin', (_spec, to) => to.startsWith('server/src/member/'))).toEqual([]);
  });
});
