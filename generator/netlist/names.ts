/**
 * Identifiers: the names a module's Verilog may use. The builder claims the
 * user's names in a module's `Namespace`; the netlist records them; a back
 * end continues the same namespace for its own temporaries.
 */
import { ElaborationError } from '../hdl/errors';
import { locToString, type SourceLoc } from './loc';

/** Names Verilog or SystemVerilog reserve; a port or signal may not use them. */
export const VERILOG_KEYWORDS: ReadonlySet<string> = new Set(
  ('always and assign automatic begin buf bufif0 bufif1 case casex casez cell cmos config deassign default defparam design ' +
    'disable edge else end endcase endconfig endfunction endgenerate endmodule endprimitive endspecify endtable endtask event ' +
    'for force forever fork function generate genvar highz0 highz1 if ifnone incdir include initial inout input instance integer ' +
    'join large liblist library localparam macromodule medium module nand negedge nmos nor noshowcancelled not notif0 notif1 or ' +
    'output parameter pmos posedge primitive pull0 pull1 pulldown pullup pulsestyle_onevent pulsestyle_ondetect rcmos real realtime ' +
    'reg release repeat rnmos rpmos rtran rtranif0 rtranif1 scalared showcancelled signed small specify specparam strong0 strong1 ' +
    'supply0 supply1 table task time tran tranif0 tranif1 tri tri0 tri1 triand trior trireg unsigned use uwire vectored wait wand ' +
    'weak0 weak1 while wire wor xnor xor alias always_comb always_ff always_latch assert assume before bind bins binsof bit break ' +
    'byte chandle class clocking const constraint context continue cover covergroup coverpoint cross dist do endclass endclocking ' +
    'endgroup endinterface endpackage endprogram endproperty endsequence enum expect export extends extern final first_match ' +
    'foreach forkjoin iff ignore_bins illegal_bins import inside int interface intersect join_any join_none local logic longint ' +
    'matches modport new null package packed priority program property protected pure rand randc randcase randsequence ref return ' +
    'sequence shortint shortreal solve static string struct super tagged this throughout timeprecision timeunit type typedef union ' +
    'unique var virtual void wait_order wildcard with within').split(' '),
);

/**
 * Names Verilator reserves for its C++ model (lint warning SYMRSVDWORD): C++
 * keywords and common library words. Generated Verilog is clean under
 * `verilator --lint-only -Wall`, so a port or signal may not use them either.
 */
export const VERILATOR_RESERVED: ReadonlySet<string> = new Set(
  ('NULL abort alignas alignof and_eq asm atomic_cancel atomic_commit atomic_noexcept auto bit_vector bitand bitor bool ' +
    'catch cdecl char char16_t char32_t compl complex concept const_cast const_iterator const_reference constexpr decltype ' +
    'delete deque double dynamic_cast explicit false far float friend goto huge inline interrupt iterator list long map ' +
    'mutable namespace near noexcept not_eq nullptr operator or_eq override pascal private public queue reference register ' +
    'reinterpret_cast requires restrict set short sizeof stack static_assert static_cast switch synchronized template ' +
    'thread_local throw transaction_safe transaction_safe_dynamic true try type_info typeid typename uint16_t uint32_t ' +
    'uint8_t using vector volatile wchar_t xor_eq sc_clock sc_in sc_inout sc_out sc_signal sensitive sensitive_neg ' +
    'sensitive_pos').split(' '),
);

const identRe = /^[A-Za-z][A-Za-z0-9_]*$/;

/** Why `name` is reserved (a Verilog/SystemVerilog keyword, or a word Verilator reserves), or undefined. */
export function reservedWhy(name: string): string | undefined {
  if (VERILOG_KEYWORDS.has(name)) return 'a Verilog/SystemVerilog keyword';
  if (VERILATOR_RESERVED.has(name)) return 'a C++ word Verilator reserves for its model (lint warning SYMRSVDWORD)';
  return undefined;
}

/** True for a name usable as a Verilog identifier (not a keyword, not a word Verilator reserves). */
export function isLegalIdentifier(name: string): boolean {
  return identRe.test(name) && reservedWhy(name) === undefined;
}

/** The names used in one module's Verilog. */
export class Namespace {
  private readonly used = new Map<string, SourceLoc | undefined>();
  constructor(names: Iterable<string> = []) {
    for (const n of names) this.used.set(n, undefined);
  }
  /** Claims an explicit name: a collision or a keyword is an error. */
  claim(name: string, loc: SourceLoc | undefined, where: string): string {
    if (!identRe.test(name)) {
      throw new ElaborationError('NAME COLLISION', `'${name}' is not a legal Verilog identifier (letters, digits, _; starting with a letter)`, `${where}.${name}`, locToString(loc));
    }
    const why = reservedWhy(name);
    if (why) throw new ElaborationError('KEYWORD NAME', `'${name}' is ${why}; choose another name`, `${where}.${name}`, locToString(loc));
    if (this.used.has(name)) {
      const prev = this.used.get(name);
      throw new ElaborationError('NAME COLLISION', `'${name}' is already used in ${where}${prev ? ` (at ${locToString(prev)})` : ''}`, `${where}.${name}`, locToString(loc));
    }
    this.used.set(name, loc);
    return name;
  }
  /** A fresh name from a hint: suffixed _1, _2... when taken or reserved. */
  fresh(hint: string, loc?: SourceLoc): string {
    let base = hint.replace(/[^A-Za-z0-9_]/g, '_');
    if (!/^[A-Za-z_]/.test(base)) base = `_${base}`;
    let name = base;
    for (let i = 1; this.used.has(name) || reservedWhy(name) !== undefined; i++) name = `${base}_${i}`;
    this.used.set(name, loc);
    return name;
  }
  /** Every name taken so far, in the order taken. */
  names(): string[] {
    return [...this.used.keys()];
  }
  /** A copy, for the back end's temporaries (emitting twice gives the same names). */
  clone(): Namespace {
    const n = new Namespace();
    for (const [k, v] of this.used) n.used.set(k, v);
    return n;
  }
}
