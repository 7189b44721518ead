/** Shipped standard-library configurations (rtl/<name>/). */
import { Bundle, UInt } from '../generator/hdl/types';
import { Queue } from '../generator/stdlib/queue';
import { SkidBuffer } from '../generator/stdlib/skid';
import { RRArbiter } from '../generator/stdlib/arbiter';
import { WrapCounter } from '../generator/stdlib/counter';
import type { DesignEntry } from './registry';

/** An index-queue entry: a row id and its bag id (what the casted index streams). */
export const IndexEntry = Bundle({ row: UInt(24), bag: UInt(12) });

const designs: DesignEntry[] = [
  { name: 'queue-d1-w8-reg', summary: 'FIFO, depth 1, 8-bit payload, registers', make: () => new Queue(UInt(8), { depth: 1 }) },
  { name: 'queue-d4-w8-reg', summary: 'FIFO, depth 4, 8-bit payload, registers', make: () => new Queue(UInt(8), { depth: 4 }) },
  { name: 'queue-d5-w8-ram', summary: 'FIFO, depth 5 (not a power of two), 8-bit payload, inferred RAM', make: () => new Queue(UInt(8), { depth: 5, storage: 'ram' }) },
  { name: 'queue-d3-w8-pipe', summary: 'FIFO, depth 3, pipe (enq while full and dequeuing)', make: () => new Queue(UInt(8), { depth: 3, pipe: true }) },
  { name: 'queue-d2-w8-flow', summary: 'FIFO, depth 2, flow-through when empty', make: () => new Queue(UInt(8), { depth: 2, flow: true }) },
  { name: 'queue-d16-index-ram', summary: 'Index queue: 16 x {row: 24, bag: 12}, inferred RAM', make: () => new Queue(IndexEntry, { depth: 16, storage: 'ram' }) },
  { name: 'queue-d1024-index-bram', summary: 'Deep index queue: 1024 x {row: 24, bag: 12}, block RAM (synchronous read)', make: () => new Queue(IndexEntry, { depth: 1024, storage: 'bram' }) },
  { name: 'skid-w8', summary: 'Skid buffer, 8-bit payload', make: () => new SkidBuffer(UInt(8)) },
  { name: 'rrarbiter-n3-w8', summary: 'Round-robin arbiter, 3 x 8-bit streams', make: () => new RRArbiter(UInt(8), 3) },
  { name: 'wrapcounter-n10', summary: 'Counter modulo 10', make: () => new WrapCounter(10) },
];
export default designs;
