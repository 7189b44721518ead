/**
 * Bag interleaving in front of the row fetch (docs/ENGINE.md, "Reducer").
 *
 * The sequencer scans bags in order and gives bag k to slot k mod G; each
 * slot has its own token queue (`depth` lookups). The row fetch takes the
 * slots' lookups round robin (the DSL's RRArbiter), so consecutive row beats
 * reaching the in-order reducer belong to different bags and the adder's
 * latency is hidden: with G >= addLatency active slots a one-beat row
 * never waits for the previous term of its bag. Each bag's lookups stay in
 * one FIFO, in written order, so each bag's sum is still added strictly in
 * order (never reassociated); only the order *between* bags changes, and the
 * writer addresses each output row by its bag (with the fused update, each
 * segment's row id follows its last token: accel/engine/engine.ts).
 *
 * A bag longer than `depth` lookups fills its queue and the sequencer waits
 * for it: the bags behind it are not scanned until it drains, so such bags
 * are interleaved only partly (correct, slower). `depth` of the longest bag
 * expected (the DLRM preset: 100) keeps every slot supplied.
 */
import { Bool, UInt, Wire, instance, log2Up, orAny, select, type Signal, type Value } from '../../generator';
import { Queue } from '../../generator/stdlib/queue';
import { RRArbiter } from '../../generator/stdlib/arbiter';

export interface SlotQueues {
  /** Enqueue side (one token per cycle): the caller sets valid, slot and bits; `ready` is the addressed queue's. */
  enq: { valid: Signal; slot: Signal; bits: Signal; ready: Value };
  /** The next token, round robin over the slots with a token; the caller sets `ready`. */
  deq: { valid: Value; bits: Value; ready: Signal };
  /** Every slot's queue is empty. */
  empty: Value;
}

/** G token queues of `width`-bit tokens, one per bag slot, drained round robin; `flush` empties them all (after an error). */
export function slotQueues(width: number, slots: number, depth: number, flush: Value): SlotQueues {
  const qs = Array.from({ length: slots }, (_, i) => instance(new Queue(UInt(width), { depth, storage: depth > 2 ? 'ram' : 'reg' }), `tok_q_${i}`));
  const enqValid = Wire(Bool, { name: 'tok_enq_valid' });
  const enqSlot = Wire(UInt(Math.max(1, log2Up(slots))), { name: 'tok_enq_slot' });
  const enqBits = Wire(UInt(width), { name: 'tokQ_enq_bits' });
  qs.forEach((q, i) => {
    q.io.enq.valid.set(slots > 1 ? enqValid.and(enqSlot.eq(i)) : enqValid);
    q.io.enq.bits.set(enqBits);
  });
  const enqReady = select(qs.map((q) => q.io.enq.ready), enqSlot);
  const deqReady = Wire(Bool, { name: 'tok_deq_ready' });
  const empty = orAny(...qs.map((q) => q.io.deq.valid)).not();
  if (slots === 1) {
    const q = qs[0]!;
    q.io.deq.ready.set(flush.or(deqReady));
    return { enq: { valid: enqValid, slot: enqSlot, bits: enqBits, ready: enqReady }, deq: { valid: q.io.deq.valid, bits: q.io.deq.bits, ready: deqReady }, empty };
  }
  const arb = instance(new RRArbiter(UInt(width), slots), 'tok_arb');
  qs.forEach((q, i) => {
    const port = arb.io.in[i]!;
    port.valid.set(q.io.deq.valid);
    port.bits.set(q.io.deq.bits);
    q.io.deq.ready.set(flush.or(port.ready));
  });
  // While flushing, the arbiter's output is taken every cycle, so it ends unlocked.
  arb.io.out.ready.set(flush.or(deqReady));
  return { enq: { valid: enqValid, slot: enqSlot, bits: enqBits, ready: enqReady }, deq: { valid: arb.io.out.valid, bits: arb.io.out.bits, ready: deqReady }, empty };
}
