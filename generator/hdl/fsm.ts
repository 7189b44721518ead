/**
 * Finite-state machines in the manner of Amaranth's `m.FSM`: the states are
 * an Enum (so they print as `localparam` names in the Verilog), the state is
 * a register reset to the first state, and each state's behaviour and
 * transitions are declared in its own block.
 *
 *   const ctl = FSM(['IDLE', 'LOAD', 'RUN']);       // register ctl_state, localparams ctl_IDLE, ...
 *   ctl.state('IDLE', () => when(go, () => ctl.next('LOAD')));
 *   ctl.state('LOAD', () => { busy.set(1); ctl.next('RUN'); });
 *   ctl.state('RUN', () => when(done, () => ctl.next('IDLE')));
 *   out.set(ctl.ongoing('RUN'));
 *
 * A state's block runs under `when(state == S)`, so everything in it (the
 * connections as well as `next`) applies only while the machine is in S,
 * with the usual last-connect rules. `next(S)` elsewhere (under any `when`)
 * is allowed too: a global abort, say.
 */
import { Enum, EnumMember, type EnumDef } from './enum';
import { ElaborationError } from './errors';
import type { Value } from './ir';
import { currentFrame, type Stmt, type WhenChain } from './builder';
import { Reg, when, type Signal } from './module';
import { callerLoc, inferName, locToString, type SourceLoc } from './source';
import type { GroundType } from './types';

export interface FsmOptions<S extends string> {
  /** The reset state (default: the first). */
  init?: S;
  /** Base name: the register is `<name>_state`, the localparams `<name>_<STATE>` (default: the variable). */
  name?: string;
}

export class Fsm<S extends string> {
  /** The states as an Enum (the localparams). */
  readonly states: EnumDef<S>;
  /** The state register. */
  readonly reg: Signal;
  private readonly declared = new Map<S, SourceLoc | undefined>();
  /** The last state block, to chain the next one onto it as an else-if when nothing came between. */
  private last?: { chain: WhenChain; block: Stmt[]; stmt: Stmt };

  /** @internal use FSM(). */
  constructor(states: readonly S[], name: string, init: S | undefined, loc: SourceLoc | undefined) {
    if (!Array.isArray(states as unknown) || states.length === 0) {
      throw new ElaborationError('BAD STRUCTURE', `FSM ${name}: give the states as a non-empty list of names`, name, locToString(loc));
    }
    this.states = Enum<S>(name, states);
    const start = init ?? states[0]!;
    this.check(start, 'init', loc);
    const ground: GroundType = this.states;
    const reset: EnumMember = this.states[start];
    this.reg = Reg(ground, { init: reset, name: `${name}_state` });
  }

  /** Declares state S's behaviour: `body` runs under `when(state == S)`. Each state is declared at most once. */
  state(s: S, body: () => void): void {
    const loc = callerLoc();
    this.check(s, 'state()', loc);
    if (this.declared.has(s)) {
      const prev = this.declared.get(s);
      throw new ElaborationError('BAD STRUCTURE', `FSM ${this.states.enumName}: state ${s} is declared twice${prev ? ` (first at ${locToString(prev)})` : ''}; put its behaviour in one block`, this.reg.path, locToString(loc));
    }
    this.declared.set(s, loc);
    const f = currentFrame('FSM.state()', loc);
    const cond = this.reg.eq(this.states[s]);
    // Consecutive state blocks are exclusive: chained (if / else if) they print as one if-else ladder.
    const chain = this.last && this.last.block === f.block && f.block[f.block.length - 1] === this.last.stmt
      ? this.last.chain.elseWhen(cond, body)
      : when(cond, body);
    const block = f.block;
    this.last = { chain, block, stmt: block[block.length - 1]! };
  }

  /** Moves to state S at the next clock edge (on the paths where this runs). */
  next(s: S): void {
    this.check(s, 'next()', callerLoc());
    // A literal of its own per transition, so each keeps its own source locator.
    const m = this.states[s];
    this.reg.set(new EnumMember(m.enumName, m.member, m.width, Number(m.lit)));
  }

  /** High while the machine is in state S. */
  ongoing(s: S): Value {
    this.check(s, 'ongoing()', callerLoc());
    return this.reg.eq(this.states[s]);
  }

  private check(s: S, what: string, loc: SourceLoc | undefined): void {
    if (typeof s !== 'string' || !this.states.members.includes(s)) {
      throw new ElaborationError('BAD STRUCTURE', `FSM ${this.states.enumName}: ${what} names '${String(s)}', which is not one of its states (${this.states.members.join(', ')})`, undefined, locToString(loc));
    }
  }
}

/**
 * A state machine over `states` (reset to the first, or `init`), named after
 * the variable it is assigned to: `const ctl = FSM(['IDLE', 'RUN'])`.
 */
export function FSM<const S extends string>(states: readonly S[], opts: FsmOptions<S> = {}): Fsm<S> {
  const loc = callerLoc();
  const name = opts.name ?? inferName() ?? 'fsm';
  return new Fsm(states, name, opts.init, loc);
}
