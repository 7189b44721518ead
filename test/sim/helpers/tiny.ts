/** A tiny design and a hand-written harness for the build-cache tests (fast to compile). */
import type { BuildSpec } from '../../../sim/build';

export function tinySpec(increment = 0): BuildSpec {
  return {
    top: 'tiny',
    sources: [
      {
        name: 'tiny.v',
        text: `module tiny (input wire clk, input wire [3:0] a, output reg [3:0] q);\n  always @(posedge clk) q <= a + 4'd${increment};\nendmodule\n`,
      },
    ],
    harness: [
      {
        name: 'main.cpp',
        text: [
          '#include "Vtiny.h"',
          '#include "verilated.h"',
          '#include <cstdio>',
          'int main(int argc, char** argv) {',
          '  VerilatedContext ctx; ctx.commandArgs(argc, argv);',
          '  Vtiny m{&ctx};',
          '  m.a = 5; m.clk = 0; m.eval(); m.clk = 1; m.eval();',
          '  std::printf("%d\\n", (int)m.q);',
          '  return 0;',
          '}',
          '',
        ].join('\n'),
      },
    ],
  };
}
