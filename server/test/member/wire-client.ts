// A minimal ZooKeeper client over the project's own codec, for tests that need exact control of the bytes on
// the wire (fuzzing, crash recovery): connect, pipelined requests answered by xid, and a closed() signal.
import { connect, type Socket } from 'node:net';
import { ErrorCode, OpCode } from '../../../protocol/src/constants.js';
import { FrameDecoder } from '../../../protocol/src/framing.js';
import { decodeConnectResponse, decodeReply, decodeServerFrame, encodeConnectRequest, encodeRequest } from '../../../protocol/src/messages.js';
import type { ClientRequest, ClientResponse, ReplyHeader } from '../../../protocol/src/records.js';

export interface Reply {
  err: ErrorCode;
  zxid: number;
  body: ClientResponse | undefined;
}

/** How the error a send rejects with once the connection closed begins. */
export const CONNECTION_CLOSED = 'connection closed';

export class WireClient {
  sessionId = 0n;
  private readonly decoder = new FrameDecoder(64 * 1024 * 1024);
  private readonly pending = new Map<number, { type: OpCode; resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  /** An exchange() waiting for the next reply. */
  private nextReply: { resolve: (h: ReplyHeader) => void; reject: (e: Error) => void } | undefined;
  private nextXid = 1;
  private connected: ((frame: Buffer) => void) | undefined;
  private closedReason: Error | undefined;
  readonly closed: Promise<void>;

  private constructor(readonly socket: Socket) {
    this.closed = new Promise((resolve) => {
      const onClose = (why: string) => {
        if (this.closedReason) return;
        this.closedReason = new Error(`${CONNECTION_CLOSED}: ${why}`);
        for (const p of this.pending.values()) p.reject(this.closedReason);
        this.pending.clear();
        this.nextReply?.reject(this.closedReason);
        this.nextReply = undefined;
        resolve();
      };
      socket.on('close', () => onClose('socket closed'));
      socket.on('error', (e) => onClose(e.message));
    });
    socket.on('data', (chunk: Buffer) => {
      this.decoder.push(chunk);
      for (let f = this.decoder.next(); f !== null; f = this.decoder.next()) this.onFrame(f);
    });
  }

  /** Opens a TCP connection and completes the handshake for a new session. */
  static async open(port: number, timeoutMs = 10_000): Promise<WireClient> {
    const socket = await rawSocket(port);
    const c = new WireClient(socket);
    const frame = await new Promise<Buffer>((resolve, reject) => {
      c.connected = resolve;
      void c.closed.then(() => reject(c.closedReason));
      socket.write(encodeConnectRequest({ protocolVersion: 0, lastZxidSeen: 0, timeOut: timeoutMs, sessionId: 0n, passwd: Buffer.alloc(16), readOnly: false }));
    });
    const res = decodeConnectResponse(frame);
    if (res.sessionId === 0n) throw new Error('handshake refused');
    c.sessionId = res.sessionId;
    return c;
  }

  /** Sends a request; resolves with the reply (rejects only if the connection closes first). */
  send(req: ClientRequest): Promise<Reply> {
    if (this.closedReason) return Promise.reject(this.closedReason);
    const xid = this.nextXid++;
    return new Promise((resolve, reject) => {
      this.pending.set(xid, { type: req.type, resolve, reject });
      this.socket.write(encodeRequest(xid, req));
    });
  }

  /**
   * Sends one request with the xid given and resolves with the header of the next reply, whatever xid it carries
   * (to see how a server answers special xids). Nothing else may be outstanding.
   */
  exchange(xid: number, req: ClientRequest): Promise<ReplyHeader> {
    if (this.closedReason) return Promise.reject(this.closedReason);
    if (this.pending.size > 0 || this.nextReply) return Promise.reject(new Error('exchange with requests outstanding'));
    return new Promise((resolve, reject) => {
      this.nextReply = { resolve, reject };
      this.socket.write(encodeRequest(xid, req));
    });
  }

  /**
   * Sends a frame with the given header and raw body bytes (opcodes the codec would not encode) and resolves with
   * the header of the next reply. Nothing else may be outstanding.
   */
  exchangeRaw(xid: number, type: number, body: Buffer = Buffer.alloc(0)): Promise<ReplyHeader> {
    if (this.closedReason) return Promise.reject(this.closedReason);
    if (this.pending.size > 0 || this.nextReply) return Promise.reject(new Error('exchange with requests outstanding'));
    const frame = Buffer.alloc(12 + body.length);
    frame.writeInt32BE(8 + body.length, 0);
    frame.writeInt32BE(xid, 4);
    frame.writeInt32BE(type, 8);
    body.copy(frame, 12);
    return new Promise((resolve, reject) => {
      this.nextReply = { resolve, reject };
      this.socket.write(frame);
    });
  }

  /** Like send, but throws unless the reply is OK. */
  async ok(req: ClientRequest): Promise<ClientResponse | undefined> {
    const r = await this.send(req);
    if (r.err !== ErrorCode.Ok) throw new Error(`${OpCode[req.type]} failed with ${ErrorCode[r.err] ?? r.err}`);
    return r.body;
  }

  async close(): Promise<void> {
    if (!this.closedReason) {
      await this.send({ type: OpCode.CloseSession }).catch(() => undefined);
      this.socket.destroy();
    }
    await this.closed;
  }

  private onFrame(frame: Buffer): void {
    if (this.connected) {
      const done = this.connected;
      this.connected = undefined;
      done(frame);
      return;
    }
    const msg = decodeServerFrame(frame);
    if (msg.kind === 'notification') return;
    const next = this.nextReply;
    if (next) {
      this.nextReply = undefined;
      return next.resolve(msg.header);
    }
    const p = this.pending.get(msg.header.xid);
    if (!p) return;
    this.pending.delete(msg.header.xid);
    const { header, body } = decodeReply(frame, p.type);
    p.resolve({ err: header.err as ErrorCode, zxid: header.zxid, body });
  }
}

/** A connected socket to a member; `allowHalfOpen` keeps our side open after the member's FIN. */
export function rawSocket(port: number, allowHalfOpen = false): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, allowHalfOpen }, () => {
      s.off('error', reject);
      resolve(s);
    });
    s.once('error', reject);
  });
}
