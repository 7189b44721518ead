/**
 * Printed-Verilog mutants: a shipped block's generated Verilog with one line
 * changed, so a property test can show it catches the bug, without a
 * test-only hook in the library. The change must apply exactly once: a
 * generator change that moves the line fails the test here instead of
 * silently testing the original.
 */
import type { VerilogDesign } from '../generator';

export function mutateVerilog(d: VerilogDesign, module: string, find: string | RegExp, replace: string): VerilogDesign {
  const m = d.modules.find((x) => x.name === module);
  if (!m) throw new Error(`mutant: no module ${module} in ${d.modules.map((x) => x.name).join(', ')}`);
  const hits = typeof find === 'string' ? m.text.split(find).length - 1 : [...m.text.matchAll(new RegExp(find.source, `${find.flags.replace('g', '')}g`))].length;
  if (hits !== 1) throw new Error(`mutant: ${String(find)} occurs ${hits} times in ${module}, not once`);
  return { ...d, modules: d.modules.map((x) => (x === m ? { ...x, text: m.text.replace(find, replace) } : x)) };
}
