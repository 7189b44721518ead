/** The standard library: streams, queues (one, or several sharing a memory), a skid buffer, an arbiter, counters. */
export { Decoupled, Valid, fire } from './stream';
export type { DecoupledType, ValidType, DecoupledIO } from './stream';
export { fork, join, map, foldPackets, frame, Packet } from './combinators';
export type { Source, PacketType } from './combinators';
export { Queue, queue } from './queue';
export type { QueueOptions } from './queue';
export { SkidBuffer } from './skid';
export { RRArbiter } from './arbiter';
export { LinkedQueues } from './linked-queues';
export { counter, WrapCounter } from './counter';
export type { CounterHw } from './counter';
