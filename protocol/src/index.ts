// The ZooKeeper client wire protocol, shared by the Corral server and client.
export * from './constants.js';
export type * from './records.js';
