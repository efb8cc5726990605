// The CEL rules on spec.config (a string map), built from the key lists in config-keys.ts. Each rule that fails
// names the first offending key in its message.
import { celChoose, celList, celMap, celString } from './cel.js';
import {
  CONFIG_INT_MAX,
  OWNED_CONFIG_KEYS,
  REFUSED_CONFIG_KEYS,
  USER_CONFIG_KEYS,
  type ConfigValueKind,
  type UserConfigKey,
} from './config-keys.js';
import type { CelRule } from './openapi.js';

const userKeys = Object.entries(USER_CONFIG_KEYS) as Array<[string, UserConfigKey]>;
const keysOf = (kind: ConfigValueKind): string[] => userKeys.filter(([, k]) => k.kind === kind).map(([name]) => name);

/** CEL: is the key in `k` one the operator owns? */
function ownedKey(k: string): string {
  const exact = OWNED_CONFIG_KEYS.filter((o) => !o.key.endsWith('.')).map((o) => o.key);
  const prefixes = OWNED_CONFIG_KEYS.filter((o) => o.key.endsWith('.')).map((o) => `${k}.startsWith(${celString(o.key)})`);
  return `(${[`${k} in ${celList(exact)}`, ...prefixes].join(' || ')})`;
}

const matchesOwned = (k: string, key: string): string =>
  key.endsWith('.') ? `${k}.startsWith(${celString(key)})` : `${k} == ${celString(key)}`;

/** CEL: ", set <field> instead" for an owned key that has a spec field, else ''. */
function insteadHint(k: string): string {
  const cases = OWNED_CONFIG_KEYS.filter((o) => o.instead !== undefined).map(
    (o) => [matchesOwned(k, o.key), celString(`; set ${o.instead} instead`)] as const,
  );
  return celChoose(cases, "''");
}

const allowed = (k: string): string => `${k} in ${celList(userKeys.map(([name]) => name))}`;

const INTEGER_FORM = '^[+-]?[0-9]{1,10}$';
const integerMins = celMap(userKeys.filter(([, k]) => k.kind === 'integer').map(([name, k]) => [name, String(k.min ?? 0)]));

/** CEL: is the value of the settable key `k` well formed? */
function validValue(k: string): string {
  const v = `self[${k}]`;
  return celChoose(
    [
      [`${k} in ${celList(keysOf('integer'))}`, `(${v}.matches(${celString(INTEGER_FORM)}) && int(${v}) >= ${integerMins}[${k}] && int(${v}) <= ${CONFIG_INT_MAX})`],
      [`${k} in ${celList(keysOf('boolean'))}`, `${v}.lowerAscii() in ['true', 'false']`],
      [`${k} in ${celList(keysOf('yesNo'))}`, `${v}.lowerAscii() in ['yes', 'no']`],
    ],
    'true',
  );
}

/** What a valid value of each checked key looks like, for the message (as literals: the cost estimate of string(int) is unbounded). */
const EXPECTED: Record<ConfigValueKind, (k: UserConfigKey) => string | undefined> = {
  integer: (k) => `a whole number from ${k.min ?? 0} to ${CONFIG_INT_MAX}`,
  boolean: () => "'true' or 'false'",
  yesNo: () => "'yes' or 'no'",
  text: () => undefined,
};
const expectedValue = (k: string): string =>
  `${celMap(userKeys.flatMap(([name, key]) => { const text = EXPECTED[key.kind](key); return text === undefined ? [] : [[name, celString(text)] as const]; }))}[${k}]`;

function refusedReason(k: string): string {
  return celChoose(
    Object.entries(REFUSED_CONFIG_KEYS).map(([key, why]) => [`${k} == ${celString(key)}`, celString(` (${why})`)] as const),
    "''",
  );
}

/** A message about the first key of spec.config for which `bad` (a CEL predicate over `k`) holds, bound to `key`. */
const aboutFirstKey = (bad: string, message: string): string => `self.filter(k, ${bad}).map(key, ${message})[0]`;

/** CEL: min and max session timeouts both set (not to -1, "derive from tickTime") and out of order. */
const timeoutsReversed = (() => {
  const [lo, hi] = ['minSessionTimeout', 'maxSessionTimeout'].map((k) => `self[${celString(k)}]`) as [string, string];
  const set = (v: string) => `${v}.matches(${celString(INTEGER_FORM)}) && int(${v}) != -1`;
  return `(${celString('minSessionTimeout')} in self && ${celString('maxSessionTimeout')} in self && ${set(lo)} && ${set(hi)} && int(${lo}) > int(${hi}))`;
})();

export const CONFIG_RULES: CelRule[] = [
  {
    rule: `!self.exists(k, ${ownedKey('k')})`,
    messageExpression: aboutFirstKey(ownedKey('k'), `key + ' is managed by the operator' + ${insteadHint('key')}`),
  },
  {
    rule: `self.all(k, ${ownedKey('k')} || ${allowed('k')})`,
    messageExpression: aboutFirstKey(
      `!(${ownedKey('k')} || ${allowed('k')})`,
      `key + ' is not a setting spec.config accepts' + ${refusedReason('key')} + ${celString(`; the settable keys are ${userKeys.map(([name]) => name).join(', ')}`)}`,
    ),
  },
  {
    rule: `self.all(k, !(${allowed('k')}) || ${validValue('k')})`,
    messageExpression: aboutFirstKey(`${allowed('k')} && !${validValue('k')}`, `key + ' must be ' + ${expectedValue('key')} + ", not '" + self[key] + "'"`),
  },
  {
    rule: `!${timeoutsReversed}`,
    message: 'minSessionTimeout must not be larger than maxSessionTimeout',
  },
];
