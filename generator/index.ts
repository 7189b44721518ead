/**
 * tcast's hardware-construction DSL: the public surface.
 *
 *   import { Module, In, Out, UInt, Reg, when, generate } from '../generator';
 */
export { UInt, SInt, Bool, Bundle, Vec, Flip, bitWidth, bitsFor, log2Up, typeToString } from './hdl/types';
export type { HwType, GroundType, BundleType, VecType } from './hdl/types';
export { Value, lit, U, S, cat, fill, mux, priorityMux, select, andAll, orAny, priorityEncode, minWidth } from './hdl/ir';
export type { ValueLike } from './hdl/ir';
export {
  Module, Signal, Mem, In, Out, Reg, RegNext, Wire, named, when, switchOn, instance, connect, pack, unpack,
  currentModule, leaves, forEachLeaf, inferType, DefinitionScope,
} from './hdl/module';
export type { Hw, HwValue, PortSpec, PortDecl, ModuleOptions, ResetSpec, Clocking } from './hdl/module';
export { Memory, Banked, BankedMemory, TypedMemory } from './hdl/typed-memory';
export type { MemData, MemMask, MemoryOptions } from './hdl/typed-memory';
export { HwVec, VecElem } from './hdl/vec';
export type { Dyn } from './hdl/vec';
export { Enum, EnumMember, isEnum } from './hdl/enum';
export type { EnumDef, EnumType } from './hdl/enum';
export { FSM, Fsm } from './hdl/fsm';
export type { FsmOptions } from './hdl/fsm';
export { assert, assume, cover, printf } from './hdl/verify';
export { elaborate } from './hdl/elaborate';
export type { Elaborated } from './hdl/elaborate';
export type { Netlist, NetModule, NetSignal, NetMemory, NetInstance, Expr, ExprNode, ExprOp } from './netlist';
export { ElaborationError } from './hdl/errors';
export { badParameter } from './hdl/params';
export type { CheckName } from './hdl/errors';
export { emitVerilog } from './back/verilog';
export type { VerilogDesign, VerilogModule, PortInfo } from './back/verilog';
export { generate, writeDesign } from './back/design';
