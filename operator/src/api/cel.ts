// Small helpers for writing CEL expressions from TypeScript values.

/** A CEL string literal. */
export const celString = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** A CEL list literal of strings. */
export const celList = (items: readonly string[]): string => `[${items.map(celString).join(', ')}]`;

/** A CEL map literal from string keys to CEL expressions. */
export const celMap = (entries: ReadonlyArray<readonly [string, string]>): string =>
  `{${entries.map(([k, v]) => `${celString(k)}: ${v}`).join(', ')}}`;

/** `a ? x : b ? y : ... : otherwise` from [condition, value] pairs. */
export const celChoose = (cases: ReadonlyArray<readonly [string, string]>, otherwise: string): string =>
  cases.reduceRight((rest, [cond, value]) => `(${cond} ? ${value} : ${rest})`, otherwise);

/**
 * `body` with `name` bound to `value`. The CRD validation environment has no cel.bind, so the binding is a
 * one-element list mapped over.
 */
export const celLet = (name: string, value: string, body: string): string => `[${value}].map(${name}, ${body})[0]`;
