/**
 * Elaboration errors. Each check has a name users learn once (SpinalHDL style):
 * the message carries the check, the signal's hierarchical name and the
 * TypeScript file:line that built the faulty piece.
 */
export type CheckName =
  | 'WIDTH MISMATCH'
  | 'NOT FULLY INITIALIZED'
  | 'MULTIPLE DRIVERS'
  | 'COMBINATIONAL LOOP'
  | 'INPUT DRIVEN FROM INSIDE'
  | 'REGISTER WITHOUT CLOCK'
  | 'NAME COLLISION'
  | 'KEYWORD NAME'
  | 'BAD WIDTH'
  | 'BAD PARAMETER'
  | 'DISCARDED HARDWARE VALUE'
  | 'LITERAL OVERFLOW'
  | 'TYPE MISMATCH'
  | 'CROSS MODULE REFERENCE'
  | 'BAD STRUCTURE';

export class ElaborationError extends Error {
  readonly userFacing = true;
  readonly exitCode = 2;
  constructor(
    readonly check: CheckName,
    readonly detail: string,
    readonly signal?: string,
    readonly loc?: string,
  ) {
    super(`${check}: ${detail}${signal ? ` [signal ${signal}]` : ''}${loc ? ` @[${loc}]` : ''}`);
    this.name = 'ElaborationError';
  }
}
