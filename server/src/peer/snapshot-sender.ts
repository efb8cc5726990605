// Sends one snapshot on a connection of its own, so a large transfer never queues behind (or in front of) Raft
// heartbeats. Chunks keep their boundaries (one frame each); the next chunk is pulled only when the socket has
// drained, so the TCP window, and through it the receiver's consumer, paces the producer.
import net from 'node:net';
import type { NodeId } from '../consensus/types.js';
import { FRAME_HEADER_BYTES, frameHeader } from '../storage/frame.js';
import type { PeerAddress } from './outbound-link.js';
import { FrameDecoder, FrameKind, HELLO_MAX_BYTES, PROTOCOL_VERSION, decodeValue, encodeValueFrame, toVerdict } from './wire.js';

export interface SnapshotTransfer {
  selfId: NodeId;
  to: NodeId;
  address: PeerAddress;
  meta: unknown;
  chunks: AsyncIterable<Uint8Array>;
  maxFrameBytes: number;
  /** Fail when no byte moves for this long while streaming. */
  idleTimeoutMs: number;
  /** Registers the socket so the network can cut the transfer (close, peer removed); returns the unregister, called on close. */
  track(socket: net.Socket): () => void;
}

export async function sendSnapshot(t: SnapshotTransfer): Promise<void> {
  const socket = net.connect({ host: t.address.host, port: t.address.port });
  socket.once('close', t.track(socket));
  let failure: Error | undefined;
  socket.on('error', (err) => (failure ??= err));
  socket.setTimeout(t.idleTimeoutMs, () => socket.destroy(new Error(`snapshot transfer to peer ${t.to} idle for ${t.idleTimeoutMs} ms`)));

  // Settles with the receiver's verdict, or fails when the connection ends without one.
  const outcome = new Promise<void>((resolve, reject) => {
    const decoder = new FrameDecoder(64 * 1024);
    socket.on('data', (data) => {
      try {
        const [frame] = decoder.push(data);
        if (!frame) return;
        if (frame.kind !== FrameKind.Verdict) throw new Error(`unexpected frame kind ${frame.kind}`);
        const verdict = toVerdict(decodeValue(frame.payload));
        if (verdict.ok) resolve();
        else reject(new Error(`peer ${t.to} refused the snapshot: ${verdict.reason ?? 'no reason given'}`));
      } catch (err) {
        reject(err);
      }
      socket.destroy();
    });
    socket.on('close', () => reject(failure ?? new Error(`snapshot connection to peer ${t.to} closed before the peer answered`)));
  });
  let stopped = false;
  outcome.then(
    () => (stopped = true),
    () => (stopped = true),
  );

  await Promise.race([new Promise((resolve) => socket.once('connect', resolve)), outcome]);
  socket.setNoDelay(true);
  socket.setKeepAlive(true, 10_000);
  const hello = { version: PROTOCOL_VERSION, from: t.selfId, to: t.to, stream: 'snapshot' } as const;
  const withMeta = encodeValueFrame(FrameKind.Hello, { ...hello, meta: t.meta });
  if (withMeta.length - FRAME_HEADER_BYTES <= HELLO_MAX_BYTES) socket.write(withMeta);
  else {
    socket.write(encodeValueFrame(FrameKind.Hello, { ...hello, metaFollows: true }));
    socket.write(encodeValueFrame(FrameKind.Meta, t.meta));
  }
  // Each pull from the source races the outcome: a stuck producer must not outlive a failed transfer.
  const source = t.chunks[Symbol.asyncIterator]();
  const failed = outcome.then(() => undefined);
  let exhausted = false;
  try {
    for (;;) {
      const next = await Promise.race([source.next(), failed]);
      exhausted = next?.done === true;
      if (!next || next.done || stopped) break;
      const chunk = next.value;
      if (chunk.length > t.maxFrameBytes) throw new Error(`snapshot chunk of ${chunk.length} bytes exceeds maxFrameBytes (${t.maxFrameBytes})`);
      socket.cork();
      socket.write(frameHeader(FrameKind.Chunk, chunk));
      const more = socket.write(chunk);
      socket.uncork();
      if (!more) await Promise.race([new Promise((resolve) => socket.once('drain', resolve)), outcome]);
    }
  } catch (err) {
    // Our side failed (the chunk source, or the connection): tell the receiver why, if it can still hear it.
    if (!stopped) socket.end(encodeValueFrame(FrameKind.Abort, err instanceof Error ? err.message : String(err)));
    throw err;
  } finally {
    if (!exhausted) source.return?.().catch(() => {}); // not awaited: a stuck producer would hang us
  }
  if (!stopped) {
    socket.setTimeout(0); // the receiver may take a while to install what it got
    socket.write(encodeValueFrame(FrameKind.End, null));
  }
  await outcome;
}
