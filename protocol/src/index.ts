// The ZooKeeper client wire protocol, shared by the Corral server and client.
export * from './constants.js';
export type * from './records.js';
export { JuteReader, JuteWriter, MarshallingError } from './jute.js';
export * from './record-codec.js';
export { UnknownOpCodeError, decodeRequest, writeRequestBody } from './request-codec.js';
export { decodeResponse, writeResponseBody } from './response-codec.js';
export * from './framing.js';
export * from './messages.js';
export * from './admin-api.js';
