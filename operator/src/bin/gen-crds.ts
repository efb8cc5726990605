// `npm run gen:crds`: writes the CRDs generated from operator/src/api into crds/ (run from the repository root).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { CRD_FILE, crdYaml } from '../api/crd.js';

mkdirSync(dirname(CRD_FILE), { recursive: true });
writeFileSync(CRD_FILE, crdYaml());
console.log(`wrote ${CRD_FILE}`);
