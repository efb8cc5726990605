// What the Helm charts take from the API, so they never drift from it: the operator chart's CRD template and the
// cluster chart's values schema. `npm run gen:crds` writes both next to crds/; operator/test/api/charts.test.ts
// fails when a committed file differs.
import { dump } from 'js-yaml';
import { buildCrd } from './crd.js';
import { CoordinationClusterSpecSchema, PULL_POLICIES } from './spec.js';

/** Paths relative to the repository root. */
export const CRD_TEMPLATE_FILE = 'charts/corral-operator/templates/crd.yaml';
export const CLUSTER_VALUES_SCHEMA_FILE = 'charts/corral-cluster/values.schema.json';

/** The spec fields the cluster chart takes from values under other names (image.repository/tag/pullPolicy). */
const RENAMED_SPEC_FIELDS = ['image', 'imagePullPolicy'];

/**
 * The CRD as a template of the operator chart, behind `crds.create`. `helm.sh/resource-policy: keep` makes
 * `helm uninstall` leave it, and with it every CoordinationCluster; as a template (not in the chart's crds/
 * folder, which Helm installs once and never upgrades) it is upgraded with the chart.
 */
export function crdTemplate(): string {
  const crd = buildCrd();
  const kept = { ...crd, metadata: { ...crd.metadata, annotations: { 'helm.sh/resource-policy': 'keep' } } };
  const yaml = dump(kept, { noRefs: true, lineWidth: -1 });
  // Helm would take "{{" in a description or CEL rule for template syntax.
  if (yaml.includes('{{') || yaml.includes('}}')) throw new Error('the CRD contains "{{" or "}}", which Helm would read as template syntax');
  return [
    '{{- /* Generated from operator/src/api by `npm run gen:crds`; do not edit. */}}',
    '{{- if .Values.crds.create }}',
    yaml.trimEnd(),
    '{{- end }}',
    '',
  ].join('\n');
}

type JsonSchema = { [key: string]: unknown };

/**
 * A CRD schema node as plain JSON Schema for values.schema.json: Kubernetes' extensions and formats dropped (CEL
 * rules are checked by the API server when the chart applies the object), and objects with declared properties
 * closed, so a misspelt key is refused instead of ignored. Objects Kubernetes keeps open (affinity, ...) stay open.
 */
function valuesNode(node: JsonSchema): JsonSchema {
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (key.startsWith('x-kubernetes-') || key === 'format') continue;
    if (key === 'properties') out[key] = Object.fromEntries(Object.entries(value as Record<string, JsonSchema>).map(([k, v]) => [k, valuesNode(v)]));
    else if ((key === 'items' || key === 'additionalProperties') && typeof value === 'object') out[key] = valuesNode(value as JsonSchema);
    else if (key === 'anyOf') out[key] = (value as JsonSchema[]).map(valuesNode);
    else out[key] = value;
  }
  if (node.properties && !node['x-kubernetes-preserve-unknown-fields']) out.additionalProperties = false;
  return out;
}

/**
 * values.schema.json of charts/corral-cluster: the spec's fields at the top level (the chart renders them into
 * spec as they are), image as repository/tag/pullPolicy, and the CR's name.
 */
export function clusterValuesSchema(): JsonSchema {
  const spec = valuesNode(JSON.parse(JSON.stringify(CoordinationClusterSpecSchema)) as JsonSchema);
  const specProperties = Object.fromEntries(
    Object.entries(spec.properties as Record<string, JsonSchema>).filter(([k]) => !RENAMED_SPEC_FIELDS.includes(k)),
  );
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'corral-cluster values',
    description: 'One CoordinationCluster. Generated from operator/src/api by `npm run gen:crds`; do not edit.',
    type: 'object',
    additionalProperties: false,
    required: ['image'],
    properties: {
      global: { type: 'object', description: 'Values a parent chart shares with its subcharts.' },
      name: {
        type: 'string',
        maxLength: 52,
        pattern: '^([a-z]([-a-z0-9]*[a-z0-9])?)?$',
        description: "The CoordinationCluster's name; empty for the release name. Its members are <name>-<id>.",
      },
      image: {
        type: 'object',
        additionalProperties: false,
        required: ['repository'],
        description: 'Container image of the members (the repository\'s Dockerfile build).',
        properties: {
          repository: { type: 'string', minLength: 1, description: 'Image repository, e.g. registry.example.com/corral.' },
          tag: { type: 'string', description: "Image tag; empty for the chart's appVersion." },
          pullPolicy: { type: 'string', enum: [...PULL_POLICIES], description: 'Pull policy of the member image.' },
        },
      },
      ...specProperties,
    },
  };
}

/** The file as committed: stable key order, two-space indentation. */
export const clusterValuesSchemaJson = (): string => `${JSON.stringify(clusterValuesSchema(), null, 2)}\n`;
