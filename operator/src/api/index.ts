// The CoordinationCluster API (corral.dev/v1alpha1): schema, types, defaults and the CRD built from them.
export * from './resource.js';
export * from './spec.js';
export * from './status.js';
export { withDefaults, normalizeGroups } from './defaults.js';
export { USER_CONFIG_KEYS, OWNED_CONFIG_KEYS, isOwnedConfigKey, type UserConfigKeyName } from './config-keys.js';
