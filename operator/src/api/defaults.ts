// The operator's view of a spec with defaults filled in. The defaults come from the schema itself (TypeBox's
// Value.Default walks the same `default:` annotations the API server applies), so the two cannot disagree;
// the only defaults not in the schema are the implicit single group's sizes, which depend on spec.groups.
import { Value } from '@sinclair/typebox/value';
import {
  CoordinationClusterSpecSchema,
  DEFAULT_GROUP,
  DEFAULT_VOTERS,
  PLACEMENT_FIELDS,
  type CoordinationClusterSpec,
  type DefaultedGroup,
  type DefaultedSpec,
} from './spec.js';

/** A copy of `spec` with every schema default applied (what the API server stores). Idempotent. */
export function withDefaults(spec: CoordinationClusterSpec): DefaultedSpec {
  return Value.Default(CoordinationClusterSpecSchema, structuredClone(spec)) as DefaultedSpec;
}

/**
 * The member groups the spec asks for: spec.groups with defaults, or, when absent, the implicit group "default"
 * sized by spec.replicas (default 3) and spec.observers (default 0) and placed by the spec-level scheduling fields.
 */
export function normalizeGroups(spec: CoordinationClusterSpec): DefaultedGroup[] {
  const full = withDefaults(spec);
  if (full.groups !== undefined) return full.groups;
  // Only the placement fields the user set, so the group carries no undefined keys.
  const placement = Object.fromEntries(PLACEMENT_FIELDS.filter((f) => full[f] !== undefined).map((f) => [f, full[f]]));
  return [{ name: DEFAULT_GROUP, voters: full.replicas ?? DEFAULT_VOTERS, observers: full.observers ?? 0, leaderEligible: true, ...placement }];
}
