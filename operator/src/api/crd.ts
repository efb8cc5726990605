// The CustomResourceDefinition (apiextensions.k8s.io/v1) for CoordinationCluster, built from the TypeBox schemas.
// `npm run gen:crds` writes it to crds/; operator/test/api/crd.test.ts fails when the committed file differs.
import { dump } from 'js-yaml';
import { API_GROUP, API_VERSION, CATEGORIES, KIND, PLURAL, SHORT_NAMES, SINGULAR } from './resource.js';
import { CoordinationClusterSpecSchema } from './spec.js';
import { CoordinationClusterStatusSchema } from './status.js';

export const CRD_NAME = `${PLURAL}.${API_GROUP}`;
/** Where the generated CRD lives, relative to the repository root. */
export const CRD_FILE = `crds/${API_GROUP}_${PLURAL}.yaml`;

/** TypeBox schemas carry symbol-keyed metadata; the CRD gets the plain JSON Schema only. */
const plain = (schema: object): Record<string, unknown> => JSON.parse(JSON.stringify(schema)) as Record<string, unknown>;

export function buildCrd() {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: CRD_NAME, labels: { 'app.kubernetes.io/name': 'corral', 'app.kubernetes.io/part-of': 'corral-operator' } },
    spec: {
      group: API_GROUP,
      scope: 'Namespaced',
      names: { kind: KIND, listKind: `${KIND}List`, plural: PLURAL, singular: SINGULAR, shortNames: SHORT_NAMES, categories: CATEGORIES },
      versions: [
        {
          name: API_VERSION,
          served: true,
          storage: true,
          subresources: {
            status: {},
            // kubectl scale changes the voters of a cluster without groups; with groups the CEL rule on
            // spec.replicas refuses it and says to edit spec.groups[].voters.
            scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' },
          },
          additionalPrinterColumns: [
            { name: 'Voters', type: 'integer', jsonPath: '.status.voters', description: 'Voting members' },
            { name: 'Ready', type: 'integer', jsonPath: '.status.readyVoters', description: 'Voting members that serve' },
            { name: 'Leader', type: 'string', jsonPath: '.status.leader', description: 'Pod of the current leader' },
            { name: 'Status', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].reason', description: 'Reason of the Ready condition' },
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          ],
          schema: {
            openAPIV3Schema: {
              type: 'object',
              description:
                'A Corral coordination cluster: an ensemble of members speaking the ZooKeeper client protocol, each member one pod with its own volume, managed by the Corral operator.',
              required: ['spec'],
              properties: {
                apiVersion: { type: 'string', description: 'Versioned schema of this object: corral.dev/v1alpha1.' },
                kind: { type: 'string', description: 'CoordinationCluster.' },
                metadata: { type: 'object' },
                spec: plain(CoordinationClusterSpecSchema),
                status: plain(CoordinationClusterStatusSchema),
              },
            },
          },
        },
      ],
    },
  };
}

/** The CRD as the YAML file committed in crds/. */
export function crdYaml(): string {
  const header = '# Generated from operator/src/api by `npm run gen:crds`; do not edit.\n';
  return header + dump(buildCrd(), { noRefs: true, lineWidth: -1 });
}
