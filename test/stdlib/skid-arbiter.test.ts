/**
 * SkidBuffer and RRArbiter properties, co-simulated against TypeScript models
 * under random valid/ready patterns (200 sequences each).
 */
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { benchTarget, checkProperty, cyclesFor, stream, streamCase, type StreamCase } from './bench';
import { simulate, type Episode, type EpisodeResult } from '../../sim/vectors';
import { generate, UInt } from '../../generator';
import { SkidBuffer } from '../../generator/stdlib';
import { SideBySide } from '../side-by-side';
import { targetOf } from '../../sim/design';

const RUNS = 200;

function skidEpisode(c: StreamCase): Episode {
  return {
    cycles: cyclesFor(c),
    sources: { in: { stream: stream('skid_in'), payloads: c.payloads.map((p) => [p]), offer: c.offer } },
    sinks: { out: { stream: stream('skid_out'), accept: c.accept } },
  };
}
function checkSkid(c: StreamCase, r: EpisodeResult): string | undefined {
  const got = r.received.out!.map((x) => Number(x.data[0]));
  if (JSON.stringify(got) !== JSON.stringify(c.payloads)) return `skid: sent ${JSON.stringify(c.payloads)}, received ${JSON.stringify(got)}`;
  // At most two items inside (out register + skid register).
  const sent = r.sent.in!, recv = r.received.out!.map((x) => x.cycle);
  for (let i = 2; i < sent.length; i++) if (recv[i - 2]! >= sent[i]!) return `skid: item ${i} entered while 2 were inside`;
  return undefined;
}

test(`SkidBuffer: ${RUNS} random sequences: nothing lost or duplicated, order kept, at most 2 inside`, async () => {
  expect(await checkProperty(streamCase, RUNS, 11, skidEpisode, checkSkid)).toEqual({ ok: true, runs: RUNS });
});

test('SkidBuffer: full throughput with latency 1 when never stalled', async () => {
  const n = 25;
  const [r] = await simulate(benchTarget(), [skidEpisode({ payloads: Array.from({ length: n }, (_, i) => i), offer: [true], accept: [true] })]);
  expect(r!.sent.in).toEqual(Array.from({ length: n }, (_, i) => i));
  expect(r!.received.out!.map((x) => x.cycle)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
});

test('mutant: a skid buffer that never fills its skid register fails the property', async () => {
  // The printed Verilog of the real SkidBuffer, with the one line that catches
  // a stalled item changed: the item is dropped instead. Simulated in the
  // synthesis view, without its own assertion, which would stop the run first.
  const d = generate(new SideBySide('SkidMutantBench', { skid: new SkidBuffer(UInt(8)) }));
  const line = "skidValid <= 1'b1;";
  d.modules = d.modules.map((m) => ({ ...m, text: m.text.replace(line, "skidValid <= 1'b0;") }));
  expect(d.modules.some((m) => m.text.includes("skidValid <= 1'b0; // @[generator/stdlib/skid.ts"))).toBe(true);
  const r = await checkProperty(streamCase, RUNS, 11, skidEpisode, checkSkid, { ...targetOf(d), defines: ['SYNTHESIS'] });
  expect(r.ok).toBe(false);
  if (!r.ok) expect(r.why).toMatch(/^skid: sent .*, received/);
});

// ---------------------------------------------------------------------------

interface ArbCase { inputs: StreamCase[]; accept: boolean[] }
const arbCase: fc.Arbitrary<ArbCase> = fc.record({
  inputs: fc.tuple(streamCase, streamCase, streamCase).map((t) => t.map((s) => ({ ...s, payloads: s.payloads.slice(0, 20) }))),
  accept: streamCase.map((s) => s.accept),
});

/** Payloads carry their input's number in the top two bits and a sequence number below. */
const tag = (i: number, k: number): number => (i << 6) | (k & 63);

function arbEpisode(c: ArbCase, prefix = 'arb'): Episode {
  const sources: Episode['sources'] = {};
  c.inputs.forEach((s, i) => {
    sources[`in${i}`] = { stream: stream(`${prefix}_in_${i}`), payloads: s.payloads.map((_, k) => [tag(i, k)]), offer: s.offer };
  });
  const total = c.inputs.reduce((n, s) => n + s.payloads.length, 0);
  const longest = Math.max(...c.inputs.map((s) => s.offer.length));
  return { cycles: (total + 4) * (longest + c.accept.length + 2) * 3 + 20, sources, sinks: { out: { stream: stream(`${prefix}_out`), accept: c.accept } } };
}

function checkArb(c: ArbCase, r: EpisodeResult): string | undefined {
  const got = r.received.out!.map((x) => ({ cycle: x.cycle, src: Number(x.data[0]) >> 6, seq: Number(x.data[0]) & 63 }));
  for (let i = 0; i < 3; i++) {
    const mine = got.filter((g) => g.src === i).map((g) => g.seq);
    const want = c.inputs[i]!.payloads.map((_, k) => k & 63);
    if (JSON.stringify(mine) !== JSON.stringify(want)) return `arb: input ${i} sent ${want.length} items, out carried ${JSON.stringify(mine)}`;
  }
  // Fairness: while input i waits (valid raised, not yet taken), the others get at most n-1 = 2 grants.
  for (let i = 0; i < 3; i++) {
    const s = c.inputs[i]!;
    const fires = r.sent[`in${i}`]!;
    let prev = -1;
    for (let k = 0; k < fires.length; k++) {
      let raise = prev + 1;
      while (!s.offer[raise % s.offer.length]) raise++;
      const others = got.filter((g) => g.src !== i && g.cycle >= raise && g.cycle < fires[k]!).length;
      if (others > 2) return `arb: input ${i} waited from cycle ${raise} to ${fires[k]} while ${others} other grants went out`;
      prev = fires[k]!;
    }
  }
  return undefined;
}

test(`RRArbiter: ${RUNS} random sequences: every item out once, per-input order kept, round-robin fairness`, async () => {
  expect(await checkProperty(arbCase, RUNS, 13, arbEpisode, checkArb)).toEqual({ ok: true, runs: RUNS });
});

test('RRArbiter: with every input always valid, grants rotate 0, 1, 2, 0, ...', async () => {
  const c: ArbCase = { inputs: [0, 1, 2].map(() => ({ payloads: Array.from({ length: 10 }, (_, k) => k), offer: [true], accept: [true] })), accept: [true] };
  const [r] = await simulate(benchTarget(), [arbEpisode(c)]);
  const order = r!.received.out!.map((x) => Number(x.data[0]) >> 6);
  expect(order).toEqual(Array.from({ length: 30 }, (_, k) => k % 3));
});

test('mutant: a fixed-priority arbiter fails the fairness property', async () => {
  const r = await checkProperty(arbCase, RUNS, 17, (c) => arbEpisode(c, 'unfair'), checkArb);
  expect(r.ok).toBe(false);
  if (!r.ok) expect(r.why).toMatch(/waited from cycle/);
});
