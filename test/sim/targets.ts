/** The hand-written fixture designs as SimTargets, shared by the sim tests (one cached build each). */
import { fileURLToPath } from 'node:url';
import type { PortSpec, SimTarget, StreamSpec } from '../../sim/vectors';

export const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}.v`, import.meta.url));

const ports = (list: [string, 'input' | 'output', number][]): PortSpec[] => list.map(([name, dir, width]) => ({ name, dir, width }));

/** 8-bit counter, clock/reset active-high; count and a combinational wrap flag. */
export const counter: SimTarget = {
  top: 'counter',
  files: [fixture('counter')],
  clock: 'clock',
  reset: { name: 'reset', activeLow: false },
  ports: ports([
    ['clock', 'input', 1],
    ['reset', 'input', 1],
    ['en', 'input', 1],
    ['count', 'output', 8],
    ['wrap', 'output', 1],
  ]),
};

/** 2-entry ready/valid queue, aclk/aresetn (active-low reset). */
export const queue2: SimTarget = {
  top: 'queue2',
  files: [fixture('queue2')],
  clock: 'aclk',
  reset: { name: 'aresetn', activeLow: true },
  ports: ports([
    ['aclk', 'input', 1],
    ['aresetn', 'input', 1],
    ['in_valid', 'input', 1],
    ['in_ready', 'output', 1],
    ['in_data', 'input', 8],
    ['in_last', 'input', 1],
    ['out_valid', 'output', 1],
    ['out_ready', 'input', 1],
    ['out_data', 'output', 8],
    ['out_last', 'output', 1],
    ['count', 'output', 2],
  ]),
};
export const queueIn: StreamSpec = { valid: 'in_valid', ready: 'in_ready', data: ['in_data', 'in_last'] };
export const queueOut: StreamSpec = { valid: 'out_valid', ready: 'out_ready', data: ['out_data', 'out_last'] };

/** 100-bit passthrough (y), registered copy (q), 65-bit sum; clock clk, no reset. */
export const wide100: SimTarget = {
  top: 'wide100',
  files: [fixture('wide100')],
  clock: 'clk',
  ports: ports([
    ['clk', 'input', 1],
    ['a', 'input', 100],
    ['b', 'input', 64],
    ['y', 'output', 100],
    ['q', 'output', 100],
    ['sum', 'output', 65],
  ]),
};

/** Prints with $display when verbose, calls $finish when stop. */
export const finisher: SimTarget = {
  top: 'finisher',
  files: [fixture('finisher')],
  clock: 'clk',
  reset: { name: 'reset', activeLow: false },
  ports: ports([
    ['clk', 'input', 1],
    ['reset', 'input', 1],
    ['verbose', 'input', 1],
    ['stop', 'input', 1],
    ['n', 'output', 4],
  ]),
};
