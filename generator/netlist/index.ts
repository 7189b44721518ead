/** The IR between the builder (generator/hdl) and the back ends (generator/back). */
export type * from './netlist';
export { litValue } from './netlist';
export { Namespace, VERILOG_KEYWORDS, VERILATOR_RESERVED, isLegalIdentifier, reservedWhy } from './names';
export { locToString, type SourceLoc } from './loc';
