/**
 * From the DSL's generated Verilog (a plain VerilogDesign value) to a
 * simulation target. sim/ takes only the data: it does not elaborate.
 */
import type { SimTarget } from './vectors';

/** The shape of generator/back/verilog.ts's VerilogDesign that simulation needs. */
export interface GeneratedVerilog {
  top: string;
  modules: { name: string; text: string }[];
  ports: { name: string; dir: 'input' | 'output'; width: number }[];
  clock?: string;
  reset?: { name: string; activeLow: boolean };
}

export function targetOf(d: GeneratedVerilog): SimTarget {
  if (!d.clock) {
    throw new Error(`design ${d.top} has no clock: the cycle harness needs one (give the module a register, or wrap it)`);
  }
  return {
    top: d.top,
    sources: d.modules.map((m) => ({ name: `${m.name}.v`, text: m.text })),
    ports: d.ports,
    clock: d.clock,
    ...(d.reset ? { reset: d.reset } : {}),
  };
}
