// The msgpack codec for the replicated state's own formats (transactions, snapshot chunks): 64-bit integers
// such as session ids round-trip as bigint.
import { Packr } from 'msgpackr';

// useBigInt64 (int64 <-> bigint) exists at runtime but is missing from msgpackr's typings.
export const statePackr = new Packr({ useRecords: false, useBigInt64: true } as ConstructorParameters<typeof Packr>[0]);
