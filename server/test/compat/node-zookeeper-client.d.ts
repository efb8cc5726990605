// The parts of node-zookeeper-client (which ships no types) that the compatibility scenario uses.
declare module 'node-zookeeper-client' {
  export interface Stat {
    czxid: Buffer; mzxid: Buffer; ctime: Buffer; mtime: Buffer; version: number; cversion: number;
    aversion: number; ephemeralOwner: Buffer; dataLength: number; numChildren: number; pzxid: Buffer;
  }
  export interface Event { type: number; name: string; path: string; getType(): number; getName(): string; getPath(): string }
  export interface State { name: string; code: number }
  export class Id { constructor(scheme: string, id: string); scheme: string; id: string }
  export interface ACL { permission: number; id: Id }
  export type Callback<T> = (error: (Error & { code?: number; name?: string; getCode?(): number }) | null, result: T, stat: Stat) => void;
  export interface Transaction {
    create(path: string, data?: Buffer, acls?: ACL[], mode?: number): Transaction;
    setData(path: string, data: Buffer | null, version?: number): Transaction;
    check(path: string, version: number): Transaction;
    remove(path: string, version?: number): Transaction;
    commit(cb: (error: (Error & { code?: number }) | null, results: Array<{ type: number; path?: string; stat?: Stat; err?: number }>) => void): void;
  }
  export interface Client {
    connect(): void;
    close(): void;
    once(event: 'connected' | 'disconnected' | 'expired', cb: () => void): void;
    on(event: 'state', cb: (state: State) => void): void;
    getSessionId(): Buffer;
    create(path: string, data: Buffer | null, acls: ACL[], mode: number, cb: Callback<string>): void;
    remove(path: string, version: number, cb: (error: Error | null) => void): void;
    setData(path: string, data: Buffer | null, version: number, cb: Callback<Stat>): void;
    getData(path: string, watcher: ((e: Event) => void) | undefined, cb: (error: Error | null, data: Buffer, stat: Stat) => void): void;
    exists(path: string, watcher: ((e: Event) => void) | undefined, cb: (error: Error | null, stat: Stat | null) => void): void;
    getChildren(path: string, watcher: ((e: Event) => void) | undefined, cb: (error: Error | null, children: string[], stat: Stat) => void): void;
    getACL(path: string, cb: (error: Error | null, acls: ACL[], stat: Stat) => void): void;
    setACL(path: string, acls: ACL[], version: number, cb: (error: Error | null, stat: Stat) => void): void;
    addAuthInfo(scheme: string, auth: Buffer): void;
    transaction(): Transaction;
    /** Internal: the scenario destroys the socket to force a reconnect. */
    connectionManager: { socket?: import('node:net').Socket };
  }
  export function createClient(connectString: string, options?: { sessionTimeout?: number; spinDelay?: number; retries?: number }): Client;
  export const CreateMode: { PERSISTENT: number; EPHEMERAL: number; PERSISTENT_SEQUENTIAL: number; EPHEMERAL_SEQUENTIAL: number };
  export const ACL: { OPEN_ACL_UNSAFE: ACL[]; CREATOR_ALL_ACL: ACL[]; READ_ACL_UNSAFE: ACL[]; new (perms: number, id: Id): ACL };
  export const Permission: { READ: number; WRITE: number; CREATE: number; DELETE: number; ADMIN: number; ALL: number };
}
