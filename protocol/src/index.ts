// The ZooKeeper client wire protocol, shared by the Corral server and client: the package's public entry
// (`corral/protocol`, see package.json's exports). Server, client and operator import the protocol only from here.
export * from './constants.js';
export type * from './records.js';
export { JuteReader, JuteWriter, MarshallingError } from './jute.js';
export * from './record-codec.js';
export { UnknownOpCodeError, decodeRequest, writeRequestBody } from './request-codec.js';
export { decodeResponse, encodeGetDataBody, sharedBodyReply, writeResponseBody, type ReplyBytes } from './response-codec.js';
export { vector, type Codec } from './layout.js';
export * from './framing.js';
export * from './messages.js';
export * from './admin-api.js';
export * from './quota.js';
