/**
 * A DSL assertion that failed in simulation. The generated Verilog prints
 * `tcast-assert: assertion failed: MESSAGE @[file:line]` and calls $finish;
 * the harnesses stop and report "the design called $finish in cycle N". This
 * turns the two lines into one error with the cycle, the message and the line.
 */
export class SimAssertionError extends Error {
  readonly userFacing = true;
  readonly exitCode = 1;
  constructor(
    readonly top: string,
    /** The cycle after reset in which the assertion failed (-1: during reset). */
    readonly cycle: number,
    /** The assertion's message. */
    readonly assertion: string,
    /** Its TypeScript source line (`file:line`). */
    readonly loc: string,
    readonly stderr: string,
  ) {
    super(`simulation of '${top}': assertion failed in cycle ${cycle}: ${assertion}${loc ? ` @[${loc}]` : ''}`);
    this.name = 'SimAssertionError';
  }
}

/** The failed assertion a harness's stderr reports, if any. */
export function assertionFailure(top: string, stderr: string): SimAssertionError | undefined {
  const a = /^tcast-assert: (?:assertion|assumption) failed: (.*?)(?: @\[([^\]]*)\])?\s*$/m.exec(stderr);
  if (!a) return undefined;
  const c = /the design called \$finish in cycle (\d+)/.exec(stderr);
  return new SimAssertionError(top, c ? Number(c[1]) : -1, a[1]!, a[2] ?? '', stderr);
}
