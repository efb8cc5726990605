// TypeBox builders for the shapes a Kubernetes structural schema needs and TypeBox does not produce by itself:
// string enums as `type: string, enum: [...]` (Type.Enum/Union would emit anyOf), string maps as
// `additionalProperties` (Type.Record emits patternProperties, which structural schemas forbid), quantities as
// int-or-string, core/v1 shapes kept opaque, and defaults the TypeScript side knows about.
import { Type, type Static, type TArray, type TObject, type TOptional, type TProperties, type TSchema, type TUnsafe } from '@sinclair/typebox';

/** One `x-kubernetes-validations` entry: a CEL rule and the message shown when it is false. */
export interface CelRule {
  rule: string;
  message?: string;
  /** A CEL expression producing the message, for messages that name the offending value. */
  messageExpression?: string;
  /** Where the error is reported, relative to the node carrying the rule (e.g. `.replicas`). */
  fieldPath?: string;
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
}

/** `type: string, enum: [...]`, typed as the union of the values. */
export function StringEnum<const V extends readonly string[]>(values: V, description: string): TUnsafe<V[number]> {
  return Type.Unsafe<V[number]>({ type: 'string', enum: [...values], description });
}

/** A string-to-string map (labels, annotations, nodeSelector, zoo.cfg keys). */
export function StringMap(description: string, limits: { maxProperties: number; maxValueLength: number }, extra: object = {}) {
  return Type.Unsafe<Record<string, string>>({
    type: 'object',
    description,
    maxProperties: limits.maxProperties,
    additionalProperties: { type: 'string', maxLength: limits.maxValueLength },
    ...extra,
  });
}

/** A resource.Quantity above zero: an integer or a string such as "10Gi". */
export function PositiveQuantity(description: string): TUnsafe<string | number> {
  return Type.Unsafe<string | number>({
    'x-kubernetes-int-or-string': true,
    anyOf: [{ type: 'integer' }, { type: 'string' }],
    maxLength: 64,
    description,
    'x-kubernetes-validations': [
      {
        rule: "type(self) == int ? self > 0 : isQuantity(self) && quantity(self).isGreaterThan(quantity('0'))",
        message: 'must be a positive quantity such as 10Gi',
      },
    ] satisfies CelRule[],
  });
}

/**
 * A Kubernetes core object passed through to the pods as written (affinity, securityContext, ...). The API server
 * keeps its fields without checking them here; the pod's own validation checks them when the operator creates it.
 */
export function KubernetesObject<T>(description: string): TUnsafe<T> {
  return Type.Unsafe<T>({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true, description });
}

/** A list of Kubernetes core objects (tolerations, topologySpreadConstraints), passed through like KubernetesObject. */
export function KubernetesList<T>(description: string, maxItems: number): TUnsafe<T[]> {
  return Type.Unsafe<T[]>({
    type: 'array',
    description,
    maxItems,
    'x-kubernetes-list-type': 'atomic',
    items: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
  });
}

// A field with a schema default is optional for whoever writes the object, but always present once the API server
// (or withDefaults) has defaulted it. The brand below lets the type system tell such fields apart from optional
// fields without a default; it exists only in types.
declare const HasDefault: unique symbol;
export type TDefaulted<T extends TSchema> = TOptional<T> & { [HasDefault]: true };

/** An optional field whose `default:` the API server applies; a scalar default is named in the description (kubectl explain does not show defaults). */
export function Defaulted<T extends TSchema>(schema: T, value: Static<T>): TDefaulted<T> {
  const description = typeof value === 'object' ? schema.description : `${schema.description} Default: ${String(value)}.`;
  return Type.Optional({ ...schema, description, default: value }) as unknown as TDefaulted<T>;
}

type OptionalWithoutDefault<S> = S extends TOptional<TSchema> ? (S extends { [HasDefault]: true } ? false : true) : false;

/** The static type of a schema after defaulting: fields with a default are required, other optionals stay optional. */
export type WithDefaults<T extends TSchema> =
  T extends TObject<infer P> ? DefaultedProperties<P>
  : T extends TArray<infer I> ? WithDefaults<I>[]
  : Static<T>;

type DefaultedProperties<P extends TProperties> = Flatten<
  { [K in keyof P as OptionalWithoutDefault<P[K]> extends true ? never : K]: WithDefaults<P[K]> } & {
    [K in keyof P as OptionalWithoutDefault<P[K]> extends true ? K : never]?: WithDefaults<P[K]>;
  }
>;

/** One object type instead of an intersection, so editors show the fields. */
type Flatten<T> = { [K in keyof T]: T[K] } & {};
