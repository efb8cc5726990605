// Every opcode of the client protocol: how this member handles it and the name `cons` shows for it. One table,
// checked complete by the compiler: an opcode added to OpCode does not build until it has a row here, and the
// member's dispatch does not build until it handles the row's class.
import { OpCode, type ClientRequest } from 'corral/protocol';

/**
 * - `read`: answered from this member's copy of the tree (reads.ts), without the log;
 * - `write`: proposed to the log and answered once applied;
 * - `session`: about the session or its connection rather than the tree (pings, auth, watches restored after a
 *   reconnect, sync barriers, closing);
 * - `refused`: not a request a client sends (server-internal, a reply type, or valid only inside a multi): answered
 *   as ZooKeeper answers an opcode it does not know, UNIMPLEMENTED and the connection closed (the session lives on).
 *   ZooKeeper 3.8 would still run a client's deleteContainer, and answers createSession MARSHALLINGERROR.
 */
export type OpClass = 'read' | 'write' | 'session' | 'refused';

interface OpInfo {
  readonly class: OpClass;
  /** ZooKeeper's short name of the operation (FinalRequestProcessor's lastOp; `lop` in cons); NA when it sets none. */
  readonly name: string;
}

export const OPCODES = {
  [OpCode.Notification]: { class: 'refused', name: 'NA' },
  [OpCode.Create]: { class: 'write', name: 'CREA' },
  [OpCode.Delete]: { class: 'write', name: 'DELE' },
  [OpCode.Exists]: { class: 'read', name: 'EXIS' },
  [OpCode.GetData]: { class: 'read', name: 'GETD' },
  [OpCode.SetData]: { class: 'write', name: 'SETD' },
  [OpCode.GetACL]: { class: 'read', name: 'GETA' },
  [OpCode.SetACL]: { class: 'write', name: 'SETA' },
  [OpCode.GetChildren]: { class: 'read', name: 'GETC' },
  [OpCode.Sync]: { class: 'session', name: 'SYNC' },
  [OpCode.Ping]: { class: 'session', name: 'PING' },
  [OpCode.GetChildren2]: { class: 'read', name: 'GETC' },
  // From ZooKeeper 3.9.3 on (ZOOKEEPER-2623) only inside a multi: alone it is an unknown request.
  [OpCode.Check]: { class: 'refused', name: 'CHEC' },
  [OpCode.Multi]: { class: 'write', name: 'MULT' },
  [OpCode.Create2]: { class: 'write', name: 'CREA' },
  [OpCode.Reconfig]: { class: 'write', name: 'RECO' },
  [OpCode.CheckWatches]: { class: 'read', name: 'CHKW' },
  [OpCode.RemoveWatches]: { class: 'read', name: 'REMW' },
  [OpCode.CreateContainer]: { class: 'write', name: 'CREA' },
  // The leader's own request for removing an empty container; clients do not send it.
  [OpCode.DeleteContainer]: { class: 'refused', name: 'DELE' },
  [OpCode.CreateTTL]: { class: 'write', name: 'CREA' },
  [OpCode.MultiRead]: { class: 'read', name: 'MLTR' },
  [OpCode.Auth]: { class: 'session', name: 'AUTH' },
  [OpCode.SetWatches]: { class: 'session', name: 'SETW' },
  // Answered UNIMPLEMENTED, the connection kept: Corral has no SASL.
  [OpCode.Sasl]: { class: 'session', name: 'NA' },
  [OpCode.GetEphemerals]: { class: 'read', name: 'GETE' },
  [OpCode.GetAllChildrenNumber]: { class: 'read', name: 'GETACN' },
  [OpCode.SetWatches2]: { class: 'session', name: 'STW2' },
  [OpCode.AddWatch]: { class: 'read', name: 'ADDW' },
  [OpCode.WhoAmI]: { class: 'read', name: 'HOMI' },
  // The connect handshake stands for it; as a request it is refused.
  [OpCode.CreateSession]: { class: 'refused', name: 'SESS' },
  [OpCode.CloseSession]: { class: 'session', name: 'CLOS' },
  [OpCode.Error]: { class: 'refused', name: 'NA' },
} as const satisfies Record<OpCode, OpInfo>;

type Table = typeof OPCODES;

/** The opcodes of one class. */
export type OpCodeOf<C extends OpClass> = { [K in keyof Table]: Table[K]['class'] extends C ? K : never }[keyof Table];

/** The request variants whose opcode is in K (splitting variants that share a layout across opcodes). */
export type RequestOf<K extends OpCode> = ClientRequest extends infer R
  ? R extends { type: infer T }
    ? T extends K
      ? R & { type: T }
      : never
    : never
  : never;

/** Requests a member takes from clients: everything decoded except the refused opcodes. */
export type AcceptedRequest = RequestOf<Exclude<OpCode, OpCodeOf<'refused'>>>;

/** The class of an opcode received from a client; numbers OpCode does not define are refused. */
export function opClass(type: number): OpClass {
  return (OPCODES as Partial<Record<number, OpInfo>>)[type]?.class ?? 'refused';
}

/** ZooKeeper's short name of an opcode, NA for numbers it does not define. */
export function opName(type: number): string {
  return (OPCODES as Partial<Record<number, OpInfo>>)[type]?.name ?? 'NA';
}

export function isAccepted(req: ClientRequest): req is AcceptedRequest {
  return opClass(req.type) !== 'refused';
}
