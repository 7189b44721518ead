/**
 * The layers of ARCHITECTURE.md, enforced by `npm run lint`: each layer knows
 * only the ones below it. test/lint/layers.test.ts plants an upward import in
 * a copy and checks that this configuration refuses it.
 */
const rest = ['generator', 'accel', 'sim', 'testbench', 'designs', 'cli', 'bench', 'test'];
const dirs = (...names) => `^(${names.join('|')})/`;

module.exports = {
  forbidden: [
    {
      name: 'generator-is-the-bottom',
      comment: 'generator/ (the DSL, its IR, back end and stdlib) knows nothing of the accelerator, the simulators, the designs registry or the commands',
      severity: 'error',
      from: { path: '^generator/' },
      to: { path: dirs('accel', 'sim', 'testbench', 'designs', 'cli', 'bench', 'test') },
    },
    {
      name: 'core-not-stdlib',
      comment: 'the DSL core (hdl, netlist, back) never imports the standard library written on top of it',
      severity: 'error',
      from: { path: '^generator/(hdl|netlist|back)/' },
      to: { path: '^generator/stdlib/' },
    },
    {
      name: 'back-end-reads-the-netlist',
      comment: 'the Verilog back end reads the plain-data netlist only (and the error class), never the builder (design.ts is the glue that runs elaboration)',
      severity: 'error',
      from: { path: '^generator/back/', pathNot: '^generator/back/design\\.ts$' },
      to: { path: '^generator/hdl/', pathNot: '^generator/hdl/errors\\.ts$' },
    },
    {
      name: 'netlist-is-plain-data',
      comment: 'the IR imports nothing of the builder but its error class',
      severity: 'error',
      from: { path: '^generator/netlist/' },
      to: { path: '^generator/hdl/', pathNot: '^generator/hdl/errors\\.ts$' },
    },
    {
      name: 'accel-below-sim',
      comment: 'accel/ is written in the DSL; it knows nothing of Verilator, the harnesses, the registry or the commands',
      severity: 'error',
      from: { path: '^accel/' },
      to: { path: dirs('sim', 'testbench', 'designs', 'cli', 'bench', 'test') },
    },
    {
      name: 'model-imports-nothing',
      comment: 'the golden model imports nothing of the rest',
      severity: 'error',
      from: { path: '^model/' },
      to: { path: dirs(...rest) },
    },
    {
      name: 'sim-below-designs',
      comment: 'sim/ and testbench/ take designs as data; they never import the registry, the commands, the bench or the tests',
      severity: 'error',
      from: { path: dirs('sim', 'testbench') },
      to: { path: dirs('designs', 'cli', 'bench', 'test') },
    },
    {
      name: 'designs-below-commands',
      severity: 'error',
      from: { path: '^designs/' },
      to: { path: dirs('cli', 'bench', 'test') },
    },
    {
      name: 'nothing-imports-tests',
      comment: 'test/ is a leaf: the library, the commands and the bench never import it',
      severity: 'error',
      from: { pathNot: '^test/' },
      to: { path: '^test/' },
    },
    {
      name: 'no-circular-layers',
      comment: 'bench/ and cli/ are the top; neither imports the other (but the bench uses the CLI\'s leaf helpers: progress, the option parsing and errors of command.ts, the checked option values and outputs of io.ts)',
      severity: 'error',
      from: { path: '^bench/' },
      to: { path: '^cli/', pathNot: '^cli/(progress|command|io)\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|rtl|\\.cache)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'] },
  },
};
