/**
 * tcast's simulation API (`import { ... } from 'tcast/sim'`): from a generated
 * design to a Verilator run (cached builds), stream drivers and monitors, a
 * scoreboard, and the tool checks. docs/TESTBENCH.md walks through it.
 */
export { targetOf, type GeneratedVerilog } from './design';
export {
  simulate, openStream, buildTarget, SimRunError, MAX_EPISODE_CYCLES, MAX_PORT_WIDTH,
  type SimTarget, type PortSpec, type StreamSpec, type Episode, type EpisodeResult, type SimOptions, type StreamOptions, type SimStream, type Value,
} from './vectors';
export { lintVerilator, synthYosys, compileIcarus, inferMemories } from './checks';
export { requireTool, ToolMissingError } from './tools';
export {
  runStreams, driver, monitor, streamPorts, Scoreboard, asReceived,
  type Item, type ReceivedItem, type Driver, type Monitor, type Pattern, type RunStreamsOptions, type StreamsResult, type StreamPorts,
} from './streams';
