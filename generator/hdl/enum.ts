/**
 * Enumerations: a ground type whose members print as `localparam` names.
 *
 *   const Op = Enum('Op', ['ADD', 'SUB', 'MUL']);   // or Enum(['ADD', ...]) named after the const
 *   const op = Reg(Op, { init: Op.ADD });            // an Enum is a ground type (UInt of Op.width bits)
 *   when(op.eq(Op.SUB), () => ...);                  // prints `op == Op_SUB`
 *
 * Each module that uses a member declares `localparam [w-1:0] Op_SUB = 2'h1;`
 * once and prints the name wherever the member appears. Members are encoded
 * 0, 1, 2... in list order, or with the values given
 * (`Enum('Cmd', { READ: 1, WRITE: 2 })`). The type is a UInt of the fewest
 * bits that hold the largest encoding, so it can be used as a port, a
 * register, a wire or a memory word like any other UInt.
 */
import { ElaborationError } from './errors';
import { Value } from './ir';
import { callerLoc, inferName, locToString } from './source';
import { bitsFor, type GroundType } from './types';

/** A member of an Enum: a literal that the back end prints as a localparam name. */
export class EnumMember extends Value {
  constructor(
    /** The enum's name: the localparam is `<enumName>_<member>`. */
    readonly enumName: string,
    readonly member: string,
    width: number,
    encoding: number,
  ) {
    super('lit', width, false, [], [], BigInt(encoding));
  }
  /** The localparam's name. */
  get paramName(): string {
    return `${this.enumName}_${this.member}`;
  }
}

/** The ground type of an Enum, with its members' names and encodings. */
export interface EnumType<K extends string = string> extends GroundType {
  readonly kind: 'uint';
  readonly width: number;
  readonly enumName: string;
  readonly members: readonly K[];
  /** The member's encoding by name. */
  readonly encoding: Readonly<Record<K, number>>;
  /** The member whose encoding is `bits`, or undefined (decoding a simulated value). */
  nameOf(bits: number | bigint): K | undefined;
}

/** An Enum: its type plus one property per member (`Op.ADD`). */
export type EnumDef<K extends string> = EnumType<K> & { readonly [P in K]: EnumMember };

const RESERVED = new Set(['kind', 'width', 'enumName', 'members', 'encoding', 'nameOf']);
const identRe = /^[A-Za-z][A-Za-z0-9_]*$/;

/**
 * Declares an enumeration: `Enum('Op', ['ADD', 'SUB'])`, `Enum('Cmd', { READ: 1, WRITE: 2 })`
 * or `Enum(['ADD', 'SUB'])` (named after the variable it is assigned to).
 */
export function Enum<const K extends string>(name: string, members: readonly K[] | Readonly<Record<K, number>>): EnumDef<K>;
export function Enum<const K extends string>(members: readonly K[] | Readonly<Record<K, number>>): EnumDef<K>;
export function Enum<const K extends string>(a: string | readonly K[] | Readonly<Record<K, number>>, b?: readonly K[] | Readonly<Record<K, number>>): EnumDef<K> {
  const loc = callerLoc();
  const where = locToString(loc);
  const explicit = typeof a === 'string' ? a : undefined;
  const spec = (typeof a === 'string' ? b : a) as readonly K[] | Readonly<Record<K, number>> | undefined;
  const name = explicit ?? inferName();
  if (name === undefined) {
    throw new ElaborationError('BAD STRUCTURE', "Enum(): cannot tell the enum's name from this line; pass it first: Enum('State', [...])", undefined, where);
  }
  if (!identRe.test(name)) {
    throw new ElaborationError('NAME COLLISION', `enum name '${name}' is not a legal Verilog identifier (letters, digits, _; starting with a letter)`, name, where);
  }
  if (spec === undefined || typeof spec !== 'object') {
    throw new ElaborationError('BAD STRUCTURE', `Enum ${name}: give the members as a list of names or a record of name: encoding`, name, where);
  }
  const entries: [K, number][] = Array.isArray(spec)
    ? (spec as readonly K[]).map((k, i): [K, number] => [k, i])
    : (Object.entries(spec) as [K, number][]);
  if (entries.length === 0) throw new ElaborationError('BAD STRUCTURE', `Enum ${name} has no members`, name, where);
  const byValue = new Map<number, string>();
  const seen = new Set<string>();
  for (const [k, v] of entries) {
    if (typeof k !== 'string' || !identRe.test(k)) {
      throw new ElaborationError('NAME COLLISION', `Enum ${name}: member '${String(k)}' is not a legal Verilog identifier (letters, digits, _; starting with a letter)`, name, where);
    }
    if (RESERVED.has(k)) {
      throw new ElaborationError('NAME COLLISION', `Enum ${name}: member '${k}' clashes with the enum's own property ${k}; rename it (members are usually UPPER_CASE)`, name, where);
    }
    if (seen.has(k)) throw new ElaborationError('NAME COLLISION', `Enum ${name}: member '${k}' is listed twice`, name, where);
    seen.add(k);
    if (!Number.isSafeInteger(v) || v < 0) {
      throw new ElaborationError('LITERAL OVERFLOW', `Enum ${name}: member ${k} has encoding ${v}; encodings are non-negative integers`, name, where);
    }
    const prev = byValue.get(v);
    if (prev !== undefined) throw new ElaborationError('NAME COLLISION', `Enum ${name}: members ${prev} and ${k} share the encoding ${v}`, name, where);
    byValue.set(v, k);
  }
  const width = bitsFor(Math.max(...entries.map(([, v]) => v)));
  const encoding = Object.fromEntries(entries) as Record<K, number>;
  const def: Record<string, unknown> = {
    kind: 'uint',
    width,
    enumName: name,
    members: Object.freeze(entries.map(([k]) => k)),
    encoding: Object.freeze(encoding),
    nameOf: (bits: number | bigint): K | undefined => byValue.get(Number(bits)) as K | undefined,
  };
  for (const [k, v] of entries) def[k] = new EnumMember(name, k, width, v);
  return Object.freeze(def) as EnumDef<K>;
}

/** Whether a type is an Enum's. */
export function isEnum(t: GroundType): t is EnumType {
  return 'enumName' in t && typeof (t as EnumType).enumName === 'string';
}
