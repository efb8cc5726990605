// The files the charts take from the API are the generated ones, and the cluster chart's schema closes what it
// should (misspelt keys refused) while leaving Kubernetes' open objects open.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLUSTER_VALUES_SCHEMA_FILE, clusterValuesSchema, clusterValuesSchemaJson, CRD_TEMPLATE_FILE, crdTemplate } from '../../src/api/charts.js';

const repoRoot = join(import.meta.dirname, '../../..');
const committed = (file: string) => readFileSync(join(repoRoot, file), 'utf8');

type Schema = { [key: string]: any };

describe('chart files generated from the API', () => {
  it.each([
    [CRD_TEMPLATE_FILE, crdTemplate],
    [CLUSTER_VALUES_SCHEMA_FILE, clusterValuesSchemaJson],
  ])('%s is what npm run gen:crds generates', (file, generate) => {
    // On failure: run `npm run gen:crds` and commit the files.
    expect(committed(file)).toBe(generate());
  });

  it('the CRD template is kept on uninstall and created only with crds.create', () => {
    const text = crdTemplate();
    expect(text).toMatch(/^\{\{- if \.Values\.crds\.create \}\}$/m);
    expect(text).toContain('helm.sh/resource-policy: keep');
    expect(text.trimEnd().endsWith('{{- end }}')).toBe(true);
  });

  it('the values schema closes declared objects, keeps open ones open and drops Kubernetes extensions', () => {
    const schema = clusterValuesSchema() as Schema;
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.storage.additionalProperties).toBe(false);
    expect(schema.properties.groups.items.additionalProperties).toBe(false);
    expect(schema.properties.quotas.items.additionalProperties).toBe(false);
    // core/v1 objects pass through as the pods' own validation checks them.
    expect(schema.properties.affinity).toEqual({ type: 'object', description: expect.any(String) });
    expect(schema.properties.podTemplate.properties.securityContext.additionalProperties).toBeUndefined();
    // string maps stay maps of strings.
    expect(schema.properties.config.additionalProperties).toMatchObject({ type: 'string' });
    expect(JSON.stringify(schema)).not.toMatch(/x-kubernetes-|"format"/);
    // image is repository/tag/pullPolicy in values, the rest of the spec keeps its names.
    expect(schema.properties.imagePullPolicy).toBeUndefined();
    expect(Object.keys(schema.properties.image.properties)).toEqual(['repository', 'tag', 'pullPolicy']);
    expect(schema.properties.replicas.type).toBe('integer');
  });
});
