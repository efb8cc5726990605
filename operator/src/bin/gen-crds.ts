// `npm run gen:crds`: writes what is generated from operator/src/api (run from the repository root): the CRD in
// crds/, the operator chart's CRD template and the cluster chart's values schema.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { CLUSTER_VALUES_SCHEMA_FILE, clusterValuesSchemaJson, CRD_TEMPLATE_FILE, crdTemplate } from '../api/charts.js';
import { CRD_FILE, crdYaml } from '../api/crd.js';

for (const [file, text] of [
  [CRD_FILE, crdYaml()],
  [CRD_TEMPLATE_FILE, crdTemplate()],
  [CLUSTER_VALUES_SCHEMA_FILE, clusterValuesSchemaJson()],
] as const) {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  console.log(`wrote ${file}`);
}
