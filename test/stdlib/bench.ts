/**
 * One simulator build for every stream block under test: the shipped queue,
 * skid buffer and arbiter configurations, plus a deliberately broken queue,
 * side by side (test/side-by-side.ts). Shared by the stdlib tests. The
 * broken blocks are printed-Verilog mutants of the shipped ones (test/mutate.ts).
 */
import fc from 'fast-check';
import { generate, UInt, type VerilogDesign } from '../../generator';
import { LinkedQueues, Queue, RRArbiter, SkidBuffer } from '../../generator/stdlib';
import { mutateVerilog } from '../mutate';
import { SideBySide } from '../side-by-side';
import { targetOf } from '../../sim/design';
import { simulate, type Episode, type EpisodeResult, type StreamSpec } from '../../sim/vectors';

/** The shipped queue under its own module name, so that its printed Verilog can be mutated alone. */
export class LateFullQueue extends Queue<ReturnType<typeof UInt>> {
  override get moduleName(): string {
    return `LateFull${super.moduleName}`;
  }
}

/** The shipped arbiter under its own module name (see LateFullQueue). */
export class FixedPriorityArbiter extends RRArbiter<ReturnType<typeof UInt>> {
  override get moduleName(): string {
    return `FixedPriority${super.moduleName}`;
  }
}

/** The shipped LinkedQueues under its own module name (see LateFullQueue). */
export class LostHeadLinkedQueues extends LinkedQueues<ReturnType<typeof UInt>> {
  override get moduleName(): string {
    return `LostHead${super.moduleName}`;
  }
}

/** LinkedQueues whose FIFO holding one item, taking a new one in the cycle that item leaves, loses the new one (its head points at the freed entry). */
export function lostHeadMutant(d: VerilogDesign, module = 'LostHeadLinkedQueues_n3_d5_w8'): VerilogDesign {
  return mutateVerilog(d, module, /wire newHead_1 = inI_1 & \(\(count_1 == (\S+)\) \| \(outI_1 & \(count_1 == \S+\)\)\);/, 'wire newHead_1 = inI_1 & (count_1 == $1);');
}

/** A queue whose full flag never rises (one entry late and more): it claims room it has not got. */
export function lateFullMutant(d: VerilogDesign, module = 'LateFullQueue_d4_w8_reg'): VerilogDesign {
  return mutateVerilog(d, module, 'wire full = ptrMatch & maybeFull;', "wire full = ptrMatch & maybeFull & 1'b0;");
}

/** An arbiter that never moves its last grant: it always grants the lowest-numbered valid input and starves the others. */
export function fixedPriorityMutant(d: VerilogDesign, module = 'FixedPriorityRRArbiter_n3_w8'): VerilogDesign {
  return mutateVerilog(d, module, /lastGrant <= idx;/, 'lastGrant <= lastGrant;');
}

export interface QueueDut { prefix: string; depth: number; flow: boolean; pipe: boolean; latency: number }
export const QUEUES: QueueDut[] = [
  { prefix: 'q1', depth: 1, flow: false, pipe: false, latency: 1 },
  { prefix: 'q4', depth: 4, flow: false, pipe: false, latency: 1 },
  { prefix: 'q5ram', depth: 5, flow: false, pipe: false, latency: 1 },
  { prefix: 'q3pipe', depth: 3, flow: false, pipe: true, latency: 1 },
  { prefix: 'q2flow', depth: 2, flow: true, pipe: false, latency: 0 },
  { prefix: 'q6bram', depth: 6, flow: false, pipe: false, latency: 2 },
];
export const BROKEN: QueueDut = { prefix: 'late', depth: 4, flow: false, pipe: false, latency: 1 };

export function benchDesign(): VerilogDesign {
  const d = generate(new SideBySide('StreamBench', {
    q1: new Queue(UInt(8), { depth: 1 }),
    q4: new Queue(UInt(8), { depth: 4 }),
    q5ram: new Queue(UInt(8), { depth: 5, storage: 'ram' }),
    q3pipe: new Queue(UInt(8), { depth: 3, pipe: true }),
    q2flow: new Queue(UInt(8), { depth: 2, flow: true }),
    q6bram: new Queue(UInt(8), { depth: 6, storage: 'bram' }),
    skid: new SkidBuffer(UInt(8)),
    arb: new RRArbiter(UInt(8), 3),
    late: new LateFullQueue(UInt(8), { depth: 4 }),
    unfair: new FixedPriorityArbiter(UInt(8), 3),
    lq: new LinkedQueues(UInt(8), 3, 5),
    lqlost: new LostHeadLinkedQueues(UInt(8), 3, 5),
  }));
  return lostHeadMutant(fixedPriorityMutant(lateFullMutant(d)));
}

let target: ReturnType<typeof targetOf> | undefined;
export function benchTarget(): ReturnType<typeof targetOf> {
  // The synthesis view: the blocks' own assertions are compiled out, so the
  // black-box properties alone must catch the kept mutants (the assertions are
  // proved by test/formal).
  target ??= { ...targetOf(benchDesign()), defines: ['SYNTHESIS'] };
  return target;
}

export function stream(prefix: string): StreamSpec {
  return { valid: `${prefix}_valid`, ready: `${prefix}_ready`, data: [`${prefix}_bits`] };
}

/** Random traffic for one stream: payloads, when the producer offers, when the consumer accepts. */
export interface StreamCase { payloads: number[]; offer: boolean[]; accept: boolean[] }

const pattern: fc.Arbitrary<boolean[]> = fc.oneof(
  { weight: 1, arbitrary: fc.constant([true]).map((p) => [...p]) },
  { weight: 4, arbitrary: fc.array(fc.boolean(), { minLength: 1, maxLength: 12 }).map((p) => (p.some(Boolean) ? p : [...p, true])) },
);
export const streamCase: fc.Arbitrary<StreamCase> = fc.record({
  payloads: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 40 }),
  offer: pattern,
  accept: pattern,
});

/** Enough cycles for every payload to get through, whatever the patterns. */
export function cyclesFor(c: StreamCase, extra = 0): number {
  return (c.payloads.length + 4 + extra) * (c.offer.length + c.accept.length + 2) + 20;
}

export function queueEpisode(prefix: string, c: StreamCase): Episode {
  return {
    cycles: cyclesFor(c),
    sources: { enq: { stream: stream(`${prefix}_enq`), payloads: c.payloads.map((p) => [p]), offer: c.offer } },
    sinks: { deq: { stream: stream(`${prefix}_deq`), accept: c.accept } },
    watch: [`${prefix}_count`],
  };
}

/** The queue properties: everything out once, in order; count = items inside. Returns a failure or undefined. */
export function checkQueue(dut: QueueDut, c: StreamCase, r: EpisodeResult): string | undefined {
  const got = r.received.deq!.map((x) => Number(x.data[0]));
  if (got.length !== c.payloads.length || got.some((v, i) => v !== c.payloads[i])) {
    return `${dut.prefix}: sent ${JSON.stringify(c.payloads)}, received ${JSON.stringify(got)}`;
  }
  const sent = r.sent.enq!;
  const recv = r.received.deq!.map((x) => x.cycle);
  const count = r.outputs[`${dut.prefix}_count`]!;
  let s = 0, q = 0;
  for (let cyc = 0; cyc < r.cycles; cyc++) {
    while (s < sent.length && sent[s]! < cyc) s++;
    while (q < recv.length && recv[q]! < cyc) q++;
    if (Number(count[cyc]) !== s - q) return `${dut.prefix}: count is ${count[cyc]} at cycle ${cyc}, but ${s - q} items are inside`;
    if (s - q > dut.depth) return `${dut.prefix}: holds ${s - q} items, more than its depth ${dut.depth}`;
  }
  return undefined;
}

/**
 * Runs `cases` as episodes of one simulation (one process), checks each, and
 * returns the first failure with its case. Fast when everything passes.
 */
export async function firstFailure<C>(cases: C[], episode: (c: C) => Episode, check: (c: C, r: EpisodeResult) => string | undefined, target = benchTarget()): Promise<{ c: C; why: string } | undefined> {
  const results = await simulate(target, cases.map((c) => episode(c)));
  for (let i = 0; i < cases.length; i++) {
    const why = check(cases[i]!, results[i]!);
    if (why) return { c: cases[i]!, why };
  }
  return undefined;
}

/**
 * fast-check over stream cases: 200+ random cases run as one batch; on a
 * failure, fc.check runs again case by case so fast-check can shrink it to a
 * small counterexample, which the error message shows.
 */
export async function checkProperty<C>(arb: fc.Arbitrary<C>, runs: number, seed: number, episode: (c: C) => Episode, check: (c: C, r: EpisodeResult) => string | undefined, target = benchTarget()): Promise<{ ok: true; runs: number } | { ok: false; counterexample: C; why: string }> {
  const cases = fc.sample(arb, { numRuns: runs, seed });
  const bad = await firstFailure(cases, episode, check, target);
  if (!bad) return { ok: true, runs: cases.length };
  let why = bad.why;
  const details = await fc.check(
    fc.asyncProperty(arb, async (c) => {
      const [r] = await simulate(target, [episode(c)]);
      const w = check(c, r!);
      if (w) why = w;
      return w === undefined;
    }),
    { seed, numRuns: runs, examples: [[bad.c]], endOnFailure: false, maxSkipsPerRun: 0 },
  );
  const counterexample = (details.counterexample?.[0] ?? bad.c) as C;
  // Re-run the shrunk case to report its own failure.
  const [r] = await simulate(target, [episode(counterexample)]);
  return { ok: false, counterexample, why: check(counterexample, r!) ?? why };
}
