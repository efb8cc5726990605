// One TCP connection to one server: socket, framing and the session handshake. Reconnection policy lives in
// session.ts; this module only knows how to open, talk and die.
import { connect, type Socket } from 'node:net';
import {
  decodeConnectResponse, DEFAULT_MAX_BUFFER, encodeConnectRequest, FrameDecoder, type ConnectRequest,
  type ConnectResponse,
} from 'corral/protocol';
import type { HostPort } from './connect-string.js';

export interface ConnectionHandlers {
  /** One complete frame from the server (after the handshake), in arrival order. */
  frame(frame: Buffer): void;
  /** The connection is gone (error, peer close, or close() called); called once. */
  closed(reason: Error): void;
}

export class Connection {
  private handlers: ConnectionHandlers | null = null;
  private ended = false;

  private constructor(
    private readonly socket: Socket,
    private readonly decoder: FrameDecoder,
    readonly server: HostPort,
  ) {}

  /**
   * Connects and performs the handshake. Rejects on socket errors, on a close before the answer, or after
   * timeoutMs. Frames that arrive right behind the ConnectResponse are kept for attach().
   */
  static open(
    server: HostPort,
    request: ConnectRequest,
    timeoutMs: number,
  ): Promise<{ connection: Connection; response: ConnectResponse }> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: server.host, port: server.port });
      socket.setNoDelay(true);
      const decoder = new FrameDecoder(DEFAULT_MAX_BUFFER * 4);
      const fail = (err: Error) => {
        cleanup();
        socket.destroy();
        reject(err);
      };
      const timer = setTimeout(
        () => fail(new Error(`no handshake from ${server.host}:${server.port} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const onError = (err: Error) => fail(err);
      const onClose = () => fail(new Error(`${server.host}:${server.port} closed the connection during the handshake`));
      const onData = (chunk: Buffer) => {
        decoder.push(chunk);
        let frame: Buffer | null;
        try {
          frame = decoder.next();
        } catch (err) {
          fail(err as Error);
          return;
        }
        if (frame === null) return;
        let response: ConnectResponse;
        try {
          response = decodeConnectResponse(frame);
        } catch (err) {
          fail(err as Error);
          return;
        }
        cleanup();
        resolve({ connection: new Connection(socket, decoder, server), response });
      };
      const cleanup = () => {
        clearTimeout(timer);
        socket.pause(); // hold later bytes in the socket until attach() listens

        socket.off('error', onError);
        socket.off('close', onClose);
        socket.off('data', onData);
      };
      socket.on('error', onError);
      socket.on('close', onClose);
      socket.on('data', onData);
      socket.on('connect', () => socket.write(encodeConnectRequest(request)));
    });
  }

  /** Starts delivering frames (including any already buffered) and the close notification. */
  attach(handlers: ConnectionHandlers): void {
    this.handlers = handlers;
    this.socket.on('data', (chunk: Buffer) => {
      this.decoder.push(chunk);
      this.drain();
    });
    this.socket.on('error', (err) => this.end(err));
    this.socket.on('close', () => this.end(new Error('connection closed by the server')));
    this.drain();
    this.socket.resume();
  }

  send(frame: Buffer): void {
    if (!this.ended) this.socket.write(frame);
  }

  /** Drops the connection; the closed handler runs with `reason`. */
  close(reason: Error = new Error('connection closed by the client')): void {
    this.end(reason);
  }

  private drain(): void {
    try {
      for (let frame = this.decoder.next(); frame !== null && !this.ended; frame = this.decoder.next()) {
        this.handlers!.frame(frame);
      }
    } catch (err) {
      this.end(err as Error);
    }
  }

  private end(reason: Error): void {
    if (this.ended) return;
    this.ended = true;
    this.socket.destroy();
    this.handlers?.closed(reason);
  }
}
