/**
 * Bag interleaving in front of the row fetch (docs/ENGINE.md, "Reducer").
 *
 * The sequencer scans bags in order and gives each the next slot round robin
 * (bag k to slot k mod G unless a spill makes it skip slots, below); each
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
 * Without a spill, a bag longer than `depth` lookups fills its queue and the
 * sequencer waits for it: the bags behind it are not scanned until it drains,
 * so such bags are interleaved only partly (correct, slower). `depth` of the
 * longest bag expected (the DLRM preset: 100) keeps every slot supplied. With
 * a spill (below) the sequencer runs on past long bags, later bags skip the
 * slots that hold one, and the longest chain has priority in the fetch.
 */
import { Bool, Reg, UInt, Wire, bitsFor, cat, instance, lit, log2Up, mux, named, orAny, priorityEncode, select, when, type Signal, type Value } from '../../generator';
import { LinkedQueues } from '../../generator/stdlib/linked-queues';
import { Queue } from '../../generator/stdlib/queue';
import { RRArbiter } from '../../generator/stdlib/arbiter';

export interface SlotQueues {
  /** Enqueue side (one token per cycle): the caller sets valid, slot and bits; `ready` is the addressed queue's (or the spill's). */
  enq: { valid: Signal; slot: Signal; bits: Signal; ready: Value };
  /** The next token, round robin over the slots with a token; the caller sets `ready`. */
  deq: { valid: Value; bits: Value; ready: Signal };
  /** Every slot's queue is empty. */
  empty: Value;
  /**
   * The slot for the bag after one in slot `cur`: the next one round robin, skipping (with the spill on) the slots
   * that have tokens in the spill, a full queue or the priority chain, so no bag waits behind a long one.
   */
  next(cur: Value): Value;
}

/**
 * The spill (`spillDepth` > 0): one memory of `spillDepth` tokens shared by the slots (the DSL's LinkedQueues: a
 * linked list per slot) extends every slot's queue. A token for a slot whose queue is full, or whose earlier tokens
 * are still in the spill, goes to the slot's list in the spill (while the spill is `on`); the lists' heads move
 * into their slots' queues (one token per cycle) as those drain, so each slot's tokens still leave in written order. The sequencer then runs past bags
 * longer than `depth` (up to `spillDepth` lookups beyond the queues, shared by all slots) and keeps the other
 * slots supplied; the next bag skips the slots with tokens in the spill (it would wait behind a long bag there).
 * While any slot spills, the slot with the most tokens waiting has priority in the fetch: its chain of dependent
 * adds takes a term once `chainGap` - 1 tokens of other slots have passed since its last one (the adder's latency,
 * counted in the reducer's terms, which it takes in this order), or at once when no other slot has one; the other
 * slots round robin in between. Without that, round robin gives the long chain one term in G and it ends far
 * behind the rest.
 */
export interface SpillOptions {
  depth: number;
  chainGap: number;
  /**
   * The spill is used (and bags skip slots) only while this is 1: off, the queues behave exactly as without a
   * spill. The engine sets it for an operation that has a bag longer than a slot's queue and rows of fewer beats
   * than the adder's latency (longer rows space a chain's terms by themselves).
   */
  on: Value;
}

/** G token queues of `width`-bit tokens, one per bag slot, drained round robin; `flush` empties them all (after an error). */
export function slotQueues(width: number, slots: number, depth: number, flush: Value, spill?: SpillOptions): SlotQueues {
  const qs = Array.from({ length: slots }, (_, i) => instance(new Queue(UInt(width), { depth, storage: depth > 2 ? 'ram' : 'reg' }), `tok_q_${i}`));
  const gBits = Math.max(1, log2Up(slots));
  const enqValid = Wire(Bool, { name: 'tok_enq_valid' });
  const enqSlot = Wire(UInt(gBits), { name: 'tok_enq_slot' });
  const enqBits = Wire(UInt(width), { name: 'tokQ_enq_bits' });
  const deqReady = Wire(Bool, { name: 'tok_deq_ready' });
  const slotReady = select(qs.map((q) => q.io.enq.ready), enqSlot);
  if (!spill) {
    qs.forEach((q, i) => {
      q.io.enq.valid.set(slots > 1 ? enqValid.and(enqSlot.eq(i)) : enqValid);
      q.io.enq.bits.set(enqBits);
    });
  }
  let enqReady: Value = slotReady;
  let empty: Value = orAny(...qs.map((q) => q.io.deq.valid)).not();
  // Priority for the slot with the most tokens waiting (below): none without a spill.
  let prio: { slot: Value; on: Value } | null = null;
  let avoid: Value[] | null = null;
  if (spill) {
    const sq = instance(new LinkedQueues(UInt(width), slots, spill.depth), 'tok_spill');
    const spilled = sq.io.counts.map((c, i) => named(c.ne(0), `spilled_${i}`));
    // The token goes to the spill when its slot's queue is full or the spill holds earlier tokens of that slot.
    const slotSpilled = named(select(spilled, enqSlot), 'tok_slot_spilled');
    const toSpill = named(slotSpilled.or(slotReady.not()).and(spill.on), 'tok_to_spill');
    // Otherwise it waits for its slot's queue, and while the slot has tokens in the spill.
    const toQueue = named(toSpill.not().and(slotSpilled.not()), 'tok_to_queue');
    enqReady = mux(toSpill, sq.io.enq.ready, slotReady.and(slotSpilled.not()));
    sq.io.enq.valid.set(enqValid.and(toSpill));
    sq.io.enq.bits.set(enqBits);
    sq.io.enqSel.set(enqSlot);
    sq.io.clear.set(flush);
    // One spilled token per cycle moves to its slot's queue (the lowest slot with one and room): the sequencer never
    // writes that queue while the slot has tokens in the spill.
    const movable = qs.map((q, i) => spilled[i]!.and(q.io.enq.ready));
    const moveSlot = named(priorityEncode(cat(...[...movable].reverse())), 'spill_move_slot');
    const move = named(orAny(...movable).and(flush.not()), 'spill_move');
    sq.io.deqSel.set(moveSlot);
    sq.io.deq.ready.set(move);
    qs.forEach((q, i) => {
      const mine = move.and(moveSlot.eq(i));
      const direct = enqValid.and(enqSlot.eq(i)).and(toQueue);
      q.io.enq.valid.set(direct.or(mine));
      q.io.enq.bits.set(mux(mine, sq.io.deq.bits, enqBits));
    });
    const anySpilled = named(orAny(...spilled), 'tok_spill_used');
    empty = named(empty.and(anySpilled.not()), 'tok_all_empty');
    // Priority from the first spilled token until the spill and the priority slot's queue are empty; the priority
    // slot (registered) is the one with the most tokens in its queue and the spill.
    const cw = bitsFor(depth + spill.depth);
    const waiting = qs.map((q, i) => named(q.io.count.zext(cw).addWrap(sq.io.counts[i]!.zext(cw)), `tok_waiting_${i}`));
    const most = waiting.map((v, i) => ({ v: v as Value, i: lit(i, gBits) as Value }))
      .reduce((a, b) => ({ v: mux(b.v.gt(a.v), b.v, a.v), i: mux(b.v.gt(a.v), b.i, a.i) }));
    const prioSlot = Reg(UInt(gBits), { init: 0, name: 'prio_slot' });
    prioSlot.set(most.i);
    const prioOn = Reg(Bool, { init: 0, name: 'spill_prio' });
    const prioQueued = select(qs.map((q) => q.io.deq.valid), prioSlot);
    when(flush, () => prioOn.set(0))
      .elseWhen(enqValid.and(toSpill).and(sq.io.enq.ready), () => prioOn.set(1))
      .elseWhen(anySpilled.not().and(prioQueued.not()), () => prioOn.set(0));
    prio = { slot: prioSlot, on: prioOn };
    avoid = qs.map((q, i) => named(spilled[i]!.or(q.io.enq.ready.not()).or(prioOn.and(prioSlot.eq(i))).and(spill.on), `tok_avoid_${i}`));
  }
  const next = (cur: Value): Value => {
    if (slots === 1) return lit(0, gBits);
    const step = (j: number) => cur.addWrap(j).trunc(gBits);
    if (!avoid) return step(1);
    const av = avoid;
    let pick: Value = step(1);
    for (let j = slots; j >= 1; j--) pick = mux(select(av, step(j)).not(), step(j), pick);
    return pick;
  };
  if (slots === 1) {
    const q = qs[0]!;
    q.io.deq.ready.set(flush.or(deqReady));
    return { enq: { valid: enqValid, slot: enqSlot, bits: enqBits, ready: enqReady }, deq: { valid: q.io.deq.valid, bits: q.io.deq.bits, ready: deqReady }, empty, next };
  }
  const arb = instance(new RRArbiter(UInt(width), slots), 'tok_arb');
  // With a priority slot: its token whenever its chain is ready (`chainGap` - 1 other tokens since its last one), only then; the
  // others round robin while it waits. A token the arbiter has locked on (the consumer stalled) still leaves first.
  let eligible: Value | null = null;
  if (prio && spill) {
    const wait = Reg(UInt(bitsFor(spill.chainGap)), { init: 0, name: 'prio_wait' });
    const ready = named(wait.eq(0), 'prio_chain_ready');
    eligible = named(prio.on.and(ready).and(select(qs.map((q) => q.io.deq.valid), prio.slot)), 'prio_eligible');
    const isPrio = (i: number) => prio!.slot.eq(i);
    // With no other slot's token to fetch meanwhile, the priority slot's next one goes without waiting (the reducer waits
    // for its chain the same either way; the unfused UPDATE's tokens are no chain at all).
    const others = named(orAny(...qs.map((q, i) => q.io.deq.valid.and(isPrio(i).not()))), 'prio_others');
    qs.forEach((q, i) => {
      const masked = mux(isPrio(i), prio!.on.not().or(ready).or(others.not()), eligible!.not());
      arb.io.in[i]!.valid.set(q.io.deq.valid.and(masked));
    });
    const prioFire = named(arb.io.out.valid.and(deqReady).and(arb.io.chosen.eq(prio.slot)).and(prio.on), 'prio_fire');
    // Counted in the other slots' tokens (the reducer takes the terms in this order, one a cycle at most).
    const otherFire = named(arb.io.out.valid.and(deqReady).and(arb.io.chosen.ne(prio.slot)), 'prio_other_fire');
    when(flush, () => wait.set(0))
      .elseWhen(prioFire, () => wait.set(spill.chainGap - 1))
      .elseWhen(wait.ne(0).and(otherFire), () => wait.set(wait.subWrap(1)));
  }
  qs.forEach((q, i) => {
    const port = arb.io.in[i]!;
    if (!eligible) port.valid.set(q.io.deq.valid);
    port.bits.set(q.io.deq.bits);
    q.io.deq.ready.set(flush.or(port.ready));
  });
  // While flushing, the arbiter's output is taken every cycle, so it ends unlocked.
  arb.io.out.ready.set(flush.or(deqReady));
  return { enq: { valid: enqValid, slot: enqSlot, bits: enqBits, ready: enqReady }, deq: { valid: arb.io.out.valid, bits: arb.io.out.bits, ready: deqReady }, empty, next };
}
