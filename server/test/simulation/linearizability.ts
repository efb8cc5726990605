// Linearizability checking in the style of Wing & Gong with Lowe's memoisation (as Porcupine does it).
//
// The history is split into independent parts first: operations are grouped by the connected components of the
// keys they touch (a multi over two keys joins their groups), and by locality of linearizability each group can be
// checked on its own against the model restricted to its keys. Within a group, the search repeatedly linearizes a
// pending operation whose call precedes every unlinearized return, memoising (set of linearized ops, model state)
// so no configuration is explored twice, and backtracks when a return is reached that nothing explains.
// Operations whose reply was lost return "at infinity" with an unknown outcome: they may take effect at any point
// after their call, or never (linearized after everything else, where their effect cannot be observed).
import { describeOp, pathsOf, type HistoryOp } from './history.js';
import { ModelState, stepIfConsistent } from './zk-model.js';

export type LinearizabilityResult =
  | { ok: true; partitions: number; explored: number }
  | { ok: false; reason: 'notLinearizable' | 'searchBudgetExceeded'; paths: string[]; ops: HistoryOp[]; report: string };

export interface CheckOptions {
  /** Search steps allowed per partition before giving up (reported, never taken as success). */
  maxSteps?: number;
}

export function checkLinearizable(history: readonly HistoryOp[], opts: CheckOptions = {}): LinearizabilityResult {
  let explored = 0;
  const groups = partition(history);
  for (const ops of groups) {
    const r = checkPartition(ops, opts.maxSteps ?? 2_000_000);
    explored += r.steps;
    if (r.verdict !== 'ok') {
      const paths = [...new Set(ops.flatMap((h) => pathsOf(h.op)))].sort();
      const reason = r.verdict === 'budget' ? 'searchBudgetExceeded' : 'notLinearizable';
      const shown = ops.slice().sort((a, b) => a.invoke - b.invoke);
      const lines = shown.slice(0, 60).map(describeOp);
      if (shown.length > 60) lines.push(`... ${shown.length - 60} more`);
      const longest = r.longest.map((h) => `#${h.id}`).join(' ');
      const report = `${reason} on ${paths.join(', ')} (${ops.length} ops); longest linearizable prefix: ${longest || '(none)'}\n${lines.join('\n')}`;
      return { ok: false, reason, paths, ops, report };
    }
  }
  return { ok: true, partitions: groups.length, explored };
}

/** Groups of operations whose key sets are connected (union-find over paths). */
function partition(history: readonly HistoryOp[]): HistoryOp[][] {
  const parent = new Map<string, string>();
  const find = (p: string): string => {
    let root = p;
    while (parent.get(root) !== root) root = parent.get(root)!;
    parent.set(p, root);
    return root;
  };
  for (const h of history) {
    const paths = pathsOf(h.op);
    for (const p of paths) if (!parent.has(p)) parent.set(p, p);
    for (const p of paths.slice(1)) parent.set(find(p), find(paths[0]!));
  }
  const groups = new Map<string, HistoryOp[]>();
  for (const h of history) {
    const root = find(pathsOf(h.op)[0]!);
    let g = groups.get(root);
    if (!g) groups.set(root, (g = []));
    g.push(h);
  }
  return [...groups.values()];
}

/** A call or return event in a doubly linked list ordered by time. */
interface Event {
  op: number;
  call: boolean;
  time: number;
  match?: Event;
  prev?: Event;
  next?: Event;
}

function buildEvents(ops: readonly HistoryOp[]): Event {
  const events: Event[] = [];
  ops.forEach((h, i) => {
    const call: Event = { op: i, call: true, time: h.invoke };
    const ret: Event = { op: i, call: false, time: h.response };
    call.match = ret;
    events.push(call, ret);
  });
  // Calls before returns at equal times: such operations count as concurrent. Unknown returns go last.
  events.sort((a, b) => a.time - b.time || (a.call === b.call ? a.op - b.op : a.call ? -1 : 1));
  const head: Event = { op: -1, call: false, time: -Infinity };
  let prev = head;
  for (const e of events) {
    prev.next = e;
    e.prev = prev;
    prev = e;
  }
  return head;
}

function lift(e: Event): void {
  e.prev!.next = e.next;
  e.next!.prev = e.prev;
  const m = e.match!;
  m.prev!.next = m.next;
  if (m.next) m.next.prev = m.prev;
}

function unlift(e: Event): void {
  const m = e.match!;
  m.prev!.next = m;
  if (m.next) m.next.prev = m;
  e.prev!.next = e;
  e.next!.prev = e;
}

function checkPartition(ops: readonly HistoryOp[], maxSteps: number): { verdict: 'ok' | 'fail' | 'budget'; steps: number; longest: HistoryOp[] } {
  const head = buildEvents(ops);
  const linearized = new Uint32Array(Math.ceil(ops.length / 32));
  const flip = (i: number) => (linearized[i >>> 5]! ^= 1 << (i & 31));
  const seen = new Set<string>();
  const stack: Array<{ event: Event; state: ModelState }> = [];
  let longest: number[] = [];
  let state = new ModelState();
  let event = head.next;
  let steps = 0;
  while (head.next) {
    if (++steps > maxSteps) return { verdict: 'budget', steps, longest: longest.map((i) => ops[i]!) };
    if (event!.call) {
      const h = ops[event!.op]!;
      const next = stepIfConsistent(state, h.op, h.outcome);
      if (next) {
        flip(event!.op);
        const key = `${linearized.join(',')}|${next.key}`;
        if (!seen.has(key)) {
          seen.add(key);
          stack.push({ event: event!, state });
          state = next;
          lift(event!);
          event = head.next;
          continue;
        }
        flip(event!.op);
      }
      event = event!.next;
    } else {
      if (stack.length > longest.length) longest = stack.map((s) => s.event.op);
      const top = stack.pop();
      if (!top) return { verdict: 'fail', steps, longest: longest.map((i) => ops[i]!) };
      state = top.state;
      flip(top.event.op);
      unlift(top.event);
      event = top.event.next;
    }
  }
  return { verdict: 'ok', steps, longest: [] };
}
