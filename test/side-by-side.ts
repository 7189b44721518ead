/**
 * SideBySide: several independent modules under one top, each port exposed as
 * `<prefix>_<port>`. A test bench that checks many configurations then costs
 * one simulator build instead of one per configuration. The children share
 * the top's clock and reset.
 */
import { In, Module, Out, instance, type PortSpec, type Signal } from '../generator/hdl/module';
import { UInt, type GroundType } from '../generator/hdl/types';

export class SideBySide extends Module {
  readonly io: Record<string, Signal>;
  constructor(readonly name: string, readonly parts: Record<string, Module>) {
    super();
    const spec: Record<string, PortSpec<GroundType>> = {};
    for (const [prefix, m] of Object.entries(parts)) {
      for (const p of m.portSignals) {
        spec[`${prefix}_${p.name}`] = (p.kind === 'input' ? In : Out)(UInt(p.width));
      }
    }
    this.io = this.ports(spec);
  }
  override get moduleName(): string {
    return this.name;
  }
  protected build(): void {
    for (const [prefix, m] of Object.entries(this.parts)) {
      instance(m, prefix);
      for (const p of m.portSignals) {
        const outer = this.io[`${prefix}_${p.name}`]!;
        if (p.kind === 'input') p.set(p.signed ? outer.asSInt() : outer);
        else outer.set(p.asUInt());
      }
    }
  }
}
