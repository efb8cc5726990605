// ZooKeeper's trace mask (gtmk/stmk, get_trace_mask/set_trace_mask). Corral keeps the number so tooling that
// sets and reads it back works; it does not change what Corral logs.

/** ZooTrace's default mask (0x132), what gtmk prints on a fresh ZooKeeper. */
export const DEFAULT_TRACE_MASK = 306n;

const masks = new WeakMap<object, bigint>();

export function traceMask(member: object): bigint {
  return masks.get(member) ?? DEFAULT_TRACE_MASK;
}

export function setTraceMask(member: object, mask: bigint): void {
  masks.set(member, BigInt.asIntN(64, mask));
}
