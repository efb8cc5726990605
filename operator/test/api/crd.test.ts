// The generated CRD: committed file up to date, schema structural and bounded, every field described.
// That every TypeScript field exists in the schema needs no test: the types are Static<> of the very schema
// objects the CRD is built from, so neither can have a field the other lacks. The CEL rules are evaluated by a
// real API server in e2e/tests/crd-validation.e2e.test.ts (no JavaScript CEL evaluator has Kubernetes' libraries).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCrd, CRD_FILE, crdYaml } from '../../src/api/crd.js';

const repoRoot = join(import.meta.dirname, '../../..');

interface Node {
  type?: string;
  description?: string;
  properties?: Record<string, Node>;
  additionalProperties?: Node | boolean;
  items?: Node;
  anyOf?: Node[];
  enum?: unknown[];
  maxItems?: number;
  maxProperties?: number;
  maxLength?: number;
  default?: unknown;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
}

/** Every schema node with its path (spec.groups[].name, spec.config{}), depth first. */
function* nodes(node: Node, path: string): Generator<[string, Node]> {
  yield [path, node];
  for (const [name, child] of Object.entries(node.properties ?? {})) yield* nodes(child, `${path}.${name}`);
  if (node.items) yield* nodes(node.items, `${path}[]`);
  if (typeof node.additionalProperties === 'object') yield* nodes(node.additionalProperties, `${path}{}`);
}

const root = buildCrd().spec.versions[0]!.schema.openAPIV3Schema as Node;
const specNodes = [...nodes(root.properties!.spec!, 'spec')];
const allNodes = [...nodes(root, '')];

describe('CoordinationCluster CRD', () => {
  it(`${CRD_FILE} is what npm run gen:crds generates`, () => {
    const committed = readFileSync(join(repoRoot, CRD_FILE), 'utf8');
    // On failure: run `npm run gen:crds` and commit the file.
    expect(committed).toBe(crdYaml());
  });

  it('is structural: every node has a type, anyOf only for int-or-string, properties and additionalProperties never together', () => {
    for (const [path, node] of allNodes) {
      if (node['x-kubernetes-int-or-string']) {
        expect(node.anyOf, path).toEqual([{ type: 'integer' }, { type: 'string' }]);
        continue;
      }
      expect(node.type, path).toBeDefined();
      expect(node.anyOf, path).toBeUndefined();
      if (node.additionalProperties !== undefined) expect(node.properties, path).toBeUndefined();
    }
  });

  it('describes every field (kubectl explain shows these)', () => {
    const fields = allNodes.filter(([path]) => path !== '' && !path.endsWith('[]') && !path.endsWith('{}') && path !== '.metadata');
    expect(fields.filter(([, node]) => !node.description).map(([path]) => path)).toEqual([]);
  });

  it('bounds every list, map and free string of the spec, so the CEL rules fit the cost budget', () => {
    const unbounded = specNodes.filter(([, n]) => {
      if (n['x-kubernetes-preserve-unknown-fields']) return false;
      if (n.type === 'array') return n.maxItems === undefined;
      if (n.type === 'object' && n.additionalProperties) return n.maxProperties === undefined;
      if (n.type === 'string') return n.enum === undefined && n.maxLength === undefined;
      return false;
    });
    expect(unbounded.map(([path]) => path)).toEqual([]);
  });

  it('gives enums as type: string with enum values', () => {
    const enums = allNodes.filter(([, n]) => n.enum !== undefined);
    expect(enums.map(([p]) => p)).toEqual(expect.arrayContaining(['.spec.imagePullPolicy', '.spec.storage.reclaimPolicy', '.status.conditions[].type']));
    for (const [path, node] of enums) expect(node.type, path).toBe('string');
  });

  it('has a scale subresource on spec.replicas and the printer columns', () => {
    const version = buildCrd().spec.versions[0]!;
    expect(version.subresources.scale.specReplicasPath).toBe('.spec.replicas');
    expect(root.properties!.spec!.properties!.replicas!.type).toBe('integer');
    expect(version.additionalPrinterColumns.map((c) => c.name)).toEqual(['Voters', 'Ready', 'Leader', 'Status', 'Age']);
  });
});
