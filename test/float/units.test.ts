/**
 * Each shipped fp32 unit co-simulated in Verilator (one cached build per unit),
 * bit-exact against Math.fround of the exact operation: a directed corner set
 * and 200 000 class-covering random vectors per unit (docs/FP32.md).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import designs, { FP32_DEFAULTS } from '../../designs/fp32';
import { UnitSim, directedVectors, randomVectors, type UnitKind } from '../../sim/fp32';

export const RANDOM_VECTORS = 200_000;

const UNITS: { kind: UnitKind; design: string; seed: number }[] = [
  { kind: 'add', design: `fp32-add-s${FP32_DEFAULTS.add}`, seed: 101 },
  { kind: 'mul', design: `fp32-mul-s${FP32_DEFAULTS.mul}`, seed: 202 },
  { kind: 'div', design: `fp32-div-s${FP32_DEFAULTS.div}`, seed: 303 },
  { kind: 'sqrt', design: `fp32-sqrt-s${FP32_DEFAULTS.sqrt}`, seed: 404 },
  { kind: 'max', design: `fp32-max-s${FP32_DEFAULTS.max}`, seed: 505 },
  { kind: 'u2f', design: `fp32-u2f-w32-s${FP32_DEFAULTS.u2f}`, seed: 606 },
];

for (const u of UNITS) {
  const entry = designs.find((d) => d.name === u.design)!;
  const directed = directedVectors(u.kind);
  describe(`${u.design} (${u.kind}, latency ${FP32_DEFAULTS[u.kind]})`, () => {
    let sim: UnitSim;
    beforeAll(async () => {
      sim = await UnitSim.open(u.kind, entry.make(), FP32_DEFAULTS[u.kind]);
    });
    afterAll(async () => {
      await sim?.close();
    });

    test(`directed corners: ${directed.length} vectors bit-exact`, async () => {
      const r = await sim.check(directed, { bubbles: false });
      expect(r.mismatches).toEqual([]);
      expect(r.count).toBe(directed.length);
      console.log(`[fp32] ${u.design}: ${r.count} directed vectors, ${r.failures} mismatches`);
    });

    test(`random: ${RANDOM_VECTORS} vectors bit-exact (every operand class; an idle cycle after every 31)`, async () => {
      const r = await sim.check(randomVectors(u.kind, RANDOM_VECTORS, u.seed));
      expect(r.validErrors).toBe(0);
      expect(r.mismatches).toEqual([]);
      expect(r.failures).toBe(0);
      expect(r.count).toBe(RANDOM_VECTORS);
      console.log(`[fp32] ${u.design}: ${r.count} random vectors, ${r.failures} mismatches`);
    });
  });
}
