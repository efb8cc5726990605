// New global sessions go through the log: a handshake whose CreateSession was lost in a leader change must not
// hang until the client's connect timeout.
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ErrorCode, PROTOCOL_VERSION } from '../../../protocol/src/constants.js';
import type { MemberConfig } from '../../src/config/member-config.js';
import { ReplicatedState } from '../../src/state/apply.js';
import { TxnKind, type Txn } from '../../src/state/txn.js';
import { SessionAdmission, type AdmissionConnection } from '../../src/member/session-admission.js';
import { SessionRegistry } from '../../src/member/sessions.js';

function admission() {
  const proposals: Array<{ txn: Txn; handed: (term: number) => void }> = [];
  let appliedTerm = 1;
  const state = new ReplicatedState({ enforceQuota: false, extendedTypesEnabled: false, skipAcl: false });
  const config = { minSessionTimeout: 4000, maxSessionTimeout: 40000, localSessionsEnabled: false } as MemberConfig;
  const registry = new SessionRegistry(1, 2000, Date.now());
  const a = new SessionAdmission({
    config,
    log: pino({ level: 'silent' }),
    registry,
    replicated: () => state,
    serving: () => true,
    barrier: async () => {},
    propose: (txn, handed) => proposals.push({ txn, handed }),
    appliedTerm: () => appliedTerm,
    selfId: 2,
    connections: () => [],
    now: Date.now,
  });
  return { a, proposals, registry, state, setAppliedTerm: (t: number) => (appliedTerm = t) };
}

function connection() {
  const events: string[] = [];
  const conn = {
    isOpen: true,
    readOnly: false,
    remoteAddress: '127.0.0.1',
    accept: (_reply: Buffer, session: bigint) => events.push(`accept ${session}`),
    refuse: (_reply: Buffer | undefined, reason: string) => events.push(`refuse ${reason}`),
    close: (reason: string) => events.push(`close ${reason}`),
  };
  return { conn: conn as AdmissionConnection, events };
}

const connect = { protocolVersion: PROTOCOL_VERSION, lastZxidSeen: 0, timeOut: 10_000, sessionId: 0n, passwd: Buffer.alloc(16), readOnly: false };

describe('session admission', () => {
  it('moves a global session that reconnects from another member here through the log, and lets it in once moved', () => {
    const { a, proposals, state } = admission();
    const { conn, events } = connection();
    state.apply({ kind: TxnKind.CreateSession, time: 0, session: 0x55n, timeout: 10_000, passwd: Buffer.alloc(16, 1) }, 1);
    a.handshake(conn, { ...connect, sessionId: 0x55n, passwd: Buffer.alloc(16, 1) });
    expect(events).toEqual([]);
    const move = proposals[0]!.txn as Extract<Txn, { kind: TxnKind.MoveSession }>;
    expect(move).toEqual({ kind: TxnKind.MoveSession, time: expect.any(Number), session: 0x55n, owner: 2, prev: 0 });
    a.sessionMoved(move, state.apply(move, 2).err);
    expect(events).toEqual(['accept 85']);
    expect(state.sessions.get(0x55n)).toMatchObject({ owner: 2, claim: 2 });
    // Once it is owned here, a reconnect here needs no move.
    const again = connection();
    a.handshake(again.conn, { ...connect, sessionId: 0x55n, passwd: Buffer.alloc(16, 1) });
    expect(proposals).toHaveLength(1);
    expect(again.events).toEqual(['accept 85']);
  });

  it('closes the connection of a move another move overtook, and judges the next reconnect on the ownership as it is then', () => {
    const { a, proposals, state } = admission();
    const { conn, events } = connection();
    state.apply({ kind: TxnKind.CreateSession, time: 0, session: 0x55n, timeout: 10_000, passwd: Buffer.alloc(16, 1) }, 1);
    a.handshake(conn, { ...connect, sessionId: 0x55n, passwd: Buffer.alloc(16, 1) });
    const ours = proposals[0]!.txn as Extract<Txn, { kind: TxnKind.MoveSession }>;
    // Member 3's move, decided on the same ownership, commits first: the client went on to member 3.
    expect(state.apply({ kind: TxnKind.MoveSession, time: 0, session: 0x55n, owner: 3, prev: 0 }, 2).err).toBe(ErrorCode.Ok);
    const result = state.apply(ours, 3);
    expect(result.err).toBe(ErrorCode.SessionMoved);
    a.sessionMoved(ours, result.err);
    expect(events).toEqual(['close session moved to another member meanwhile']);
    expect(state.sessions.get(0x55n)).toMatchObject({ owner: 3, claim: 2 });
    a.handshake(connection().conn, { ...connect, sessionId: 0x55n, passwd: Buffer.alloc(16, 1) });
    expect(proposals[1]!.txn).toMatchObject({ kind: TxnKind.MoveSession, owner: 2, prev: 2 });
  });

  it('answers the handshake when its CreateSession is applied', () => {
    const { a, proposals } = admission();
    const { conn, events } = connection();
    a.handshake(conn, connect);
    expect(proposals).toHaveLength(1);
    const txn = proposals[0]!.txn as Extract<Txn, { kind: TxnKind.CreateSession }>;
    proposals[0]!.handed(1);
    a.dropLost(1); // entries of the same term: nothing lost
    a.sessionCreated(txn);
    expect(events).toEqual([`accept ${txn.session}`]);
  });

  it('closes a handshake whose CreateSession was handed to a leader that was replaced', () => {
    const { a, proposals } = admission();
    const { conn, events } = connection();
    a.handshake(conn, connect);
    proposals[0]!.handed(1);
    a.dropLost(2);
    expect(events).toEqual(['close session creation lost in a leader change']);
    // Should the entry come back after all, nobody is waiting for it any more: it is only tracked.
    a.sessionCreated(proposals[0]!.txn as Extract<Txn, { kind: TxnKind.CreateSession }>);
    expect(events).toHaveLength(1);
  });

  it('closes at once a handshake handed to a term that entries of a later term already superseded', () => {
    const { a, proposals, setAppliedTerm } = admission();
    const { conn, events } = connection();
    a.handshake(conn, connect);
    setAppliedTerm(3);
    proposals[0]!.handed(2);
    expect(events).toEqual(['close session creation lost in a leader change']);
  });
});
