// Whole messages, framed and ready for the socket (encode) or taken from one frame (decode).
import { OpCode, Xid } from './constants.js';
import { JuteReader } from './jute.js';
import { encodeFrame } from './framing.js';
import {
  connectRequestCodec,
  connectResponseCodec,
  replyHeaderCodec,
  requestHeaderCodec,
  watcherEventCodec,
} from './record-codec.js';
import { decodeRequest, writeRequestBody } from './request-codec.js';
import { decodeResponse, writeResponseBody } from './response-codec.js';
import type {
  ClientRequest,
  ClientResponse,
  ConnectRequest,
  ConnectResponse,
  ReplyHeader,
  RequestHeader,
  WatcherEvent,
} from './records.js';

// ---- Server side ----

export function decodeConnectRequest(frame: Buffer): ConnectRequest {
  return connectRequestCodec.read(new JuteReader(frame));
}

export function encodeConnectResponse(res: ConnectResponse): Buffer {
  return encodeFrame((w) => connectResponseCodec.write(w, res));
}

/**
 * Decodes a request frame. Throws MarshallingError for malformed frames and its subclass UnknownOpCodeError
 * (which carries the xid to answer with UNIMPLEMENTED) for opcodes clients may not send.
 */
export function decodeRequestFrame(frame: Buffer): { header: RequestHeader; request: ClientRequest } {
  const r = new JuteReader(frame);
  const header = requestHeaderCodec.read(r);
  return { header, request: decodeRequest(header, r) };
}

/** A reply frame. The body is written only when `err` is 0 and a body is given, as ZooKeeper does. */
export function encodeReply(xid: number, zxid: number, err: number, body?: ClientResponse): Buffer {
  return encodeFrame((w) => {
    replyHeaderCodec.write(w, { xid, zxid, err });
    if (err === 0 && body !== undefined) writeResponseBody(w, body);
  });
}

/** A watch notification frame (xid -1, zxid -1, as ZooKeeper sends them). */
export function encodeNotification(event: WatcherEvent): Buffer {
  return encodeFrame((w) => {
    replyHeaderCodec.write(w, { xid: Xid.Notification, zxid: -1, err: 0 });
    watcherEventCodec.write(w, event);
  });
}

// ---- Client side ----

export function encodeConnectRequest(req: ConnectRequest): Buffer {
  return encodeFrame((w) => connectRequestCodec.write(w, req));
}

export function decodeConnectResponse(frame: Buffer): ConnectResponse {
  return connectResponseCodec.read(new JuteReader(frame));
}

export function encodeRequest(xid: number, req: ClientRequest): Buffer {
  return encodeFrame((w) => {
    requestHeaderCodec.write(w, { xid, type: req.type });
    writeRequestBody(w, req);
  });
}

/** What a client reads from one reply frame. */
export type ServerMessage =
  | { kind: 'notification'; header: ReplyHeader; event: WatcherEvent }
  | { kind: 'reply'; header: ReplyHeader; reader: JuteReader };

/**
 * Reads the ReplyHeader of a frame from the server. Notifications are decoded at once; for replies the
 * caller looks up the request type by xid and, if header.err is 0, calls decodeResponse(type, reader).
 */
export function decodeServerFrame(frame: Buffer): ServerMessage {
  const reader = new JuteReader(frame);
  const header = replyHeaderCodec.read(reader);
  if (header.xid === Xid.Notification) return { kind: 'notification', header, event: watcherEventCodec.read(reader) };
  return { kind: 'reply', header, reader };
}

/** decodeServerFrame + decodeResponse for a reply whose request type is known; body is undefined on error. */
export function decodeReply(frame: Buffer, type: OpCode): { header: ReplyHeader; body: ClientResponse | undefined } {
  const r = new JuteReader(frame);
  const header = replyHeaderCodec.read(r);
  return { header, body: header.err === 0 ? decodeResponse(type, r) : undefined };
}
