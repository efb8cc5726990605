// Jute record layouts: a record is described once, as its fields in wire order, and that one description both
// reads and writes it. The server's decoder and the client's encoder (and a test's golden bytes) therefore
// cannot disagree about a layout, and a new record is one declaration instead of a reader and a writer.
import type { JuteReader, JuteWriter } from './jute.js';

/** Reads and writes one value of a jute type (writing may accept more than reading yields: readonly arrays). */
export interface Codec<T, In = T> {
  read(r: JuteReader): T;
  write(w: JuteWriter, value: In): void;
}

export type ValueOf<C> = C extends Codec<infer T, any> ? T : never;

export const int: Codec<number> = { read: (r) => r.readInt(), write: (w, v) => w.writeInt(v) };
/** A 64-bit field held as a safe-integer number (zxids, times, TTLs, config ids). */
export const long: Codec<number> = { read: (r) => r.readLong(), write: (w, v) => w.writeLong(v) };
/** A 64-bit field held as a bigint (session ids, ephemeral owners). */
export const bigLong: Codec<bigint> = { read: (r) => r.readBigLong(), write: (w, v) => w.writeBigLong(v) };
export const boolean: Codec<boolean> = { read: (r) => r.readBoolean(), write: (w, v) => w.writeBoolean(v) };
/** A jute `buffer` where null and empty differ (node data). */
export const nullableBuffer: Codec<Buffer | null> = { read: (r) => r.readBuffer(), write: (w, v) => w.writeBuffer(v) };
/** A jute `buffer` where null reads as empty (passwords, auth tokens). */
export const buffer: Codec<Buffer> = { read: (r) => r.readBuffer() ?? Buffer.alloc(0), write: (w, v) => w.writeBuffer(v) };
/** A jute `ustring`; null reads as ''. */
export const ustring: Codec<string> = { read: (r) => r.readString(), write: (w, v) => w.writeString(v) };
export const nullableString: Codec<string | null> = { read: (r) => r.readNullableString(), write: (w, v) => w.writeString(v) };
export const stringVector: Codec<string[]> = { read: (r) => r.readStringVector(), write: (w, v) => w.writeStringVector(v) };

/** A jute vector of records each at least `minItemBytes` long (the reader bounds the count before allocating). */
export function vector<T>(item: Codec<T>, minItemBytes: number): Codec<T[], readonly T[]> {
  return { read: (r) => r.readVector(minItemBytes, item.read), write: (w, v) => w.writeVector(v, item.write) };
}

/** A last field that older peers leave out: absent at the end of the frame reads as `absent`. */
export function trailing<T>(item: Codec<T>, absent: T): Codec<T> {
  return { read: (r) => (r.remaining > 0 ? item.read(r) : absent), write: item.write };
}

/** A record: its fields in wire order. */
export function record<F extends Record<string, Codec<any, any>>>(fields: F): Codec<{ [K in keyof F]: ValueOf<F[K]> }> {
  const names = Object.keys(fields);
  const codecs = Object.values(fields);
  const n = names.length;
  return {
    read(r) {
      const value: Record<string, unknown> = {};
      for (let i = 0; i < n; i++) value[names[i]!] = codecs[i]!.read(r);
      return value as { [K in keyof F]: ValueOf<F[K]> };
    },
    write(w, value) {
      for (let i = 0; i < n; i++) codecs[i]!.write(w, value[names[i]!]);
    },
  };
}

/** A decoded body completed with the opcode it was read for (bodies do not carry it; the union types do). */
export function withType(type: number, body: object): object {
  (body as { type: number }).type = type;
  return body;
}
