import { describe, expect, it } from 'vitest';
import {
  CreateMode,
  ErrorCode,
  MAX_TTL,
  OpCode,
  errorName,
  isContainer,
  isEphemeral,
  isSequential,
  isTTL,
  isValidCreateMode,
} from '../src/constants.js';

describe('constants', () => {
  it('error codes carry ZooKeeper numbers and upper-case names', () => {
    const expected: Record<string, number> = {
      OK: 0, SYSTEMERROR: -1, RUNTIMEINCONSISTENCY: -2, DATAINCONSISTENCY: -3, CONNECTIONLOSS: -4,
      MARSHALLINGERROR: -5, UNIMPLEMENTED: -6, OPERATIONTIMEOUT: -7, BADARGUMENTS: -8, UNKNOWNSESSION: -12,
      NEWCONFIGNOQUORUM: -13, RECONFIGINPROGRESS: -14, APIERROR: -100, NONODE: -101, NOAUTH: -102,
      BADVERSION: -103, NOCHILDRENFOREPHEMERALS: -108, NODEEXISTS: -110, NOTEMPTY: -111, SESSIONEXPIRED: -112,
      INVALIDCALLBACK: -113, INVALIDACL: -114, AUTHFAILED: -115, SESSIONMOVED: -118, NOTREADONLY: -119,
      EPHEMERALONLOCALSESSION: -120, NOWATCHER: -121, REQUESTTIMEOUT: -122, RECONFIGDISABLED: -123,
      SESSIONCLOSEDREQUIRESASLAUTH: -124, QUOTAEXCEEDED: -125, THROTTLEDOP: -127,
    };
    const codes = Object.values(ErrorCode).filter((v) => typeof v === 'number');
    expect(codes).toHaveLength(Object.keys(expected).length);
    for (const [name, code] of Object.entries(expected)) expect(errorName(code)).toBe(name);
    expect(errorName(-999)).toBe('UNKNOWN(-999)');
    expect(ErrorCode[ErrorCode.NoNode]).toBe('NoNode');
  });

  it('create modes', () => {
    const table: [CreateMode, boolean, boolean, boolean, boolean][] = [
      // mode, ephemeral, sequential, container, ttl
      [CreateMode.Persistent, false, false, false, false],
      [CreateMode.Ephemeral, true, false, false, false],
      [CreateMode.PersistentSequential, false, true, false, false],
      [CreateMode.EphemeralSequential, true, true, false, false],
      [CreateMode.Container, false, false, true, false],
      [CreateMode.PersistentWithTTL, false, false, false, true],
      [CreateMode.PersistentSequentialWithTTL, false, true, false, true],
    ];
    for (const [mode, e, s, c, t] of table) {
      expect([isEphemeral(mode), isSequential(mode), isContainer(mode), isTTL(mode)]).toEqual([e, s, c, t]);
      expect(isValidCreateMode(mode)).toBe(true);
    }
    expect(isValidCreateMode(7)).toBe(false);
    expect(isValidCreateMode(-1)).toBe(false);
    expect(MAX_TTL).toBe(2 ** 40 - 1);
  });

  it('opcodes print their names', () => {
    expect(OpCode[OpCode.GetChildren2]).toBe('GetChildren2');
    expect(OpCode.CloseSession).toBe(-11);
    expect(OpCode.WhoAmI).toBe(107);
  });
});
