/**
 * Where in the user's TypeScript a piece of hardware was built, and what the
 * user called it.
 *
 * Locations. Every signal, connection and expression records the stack frames
 * outside the DSL core (this folder). Its locator (`// @[file:line]`, and the
 * line of an elaboration error) is the first of them, except that a library
 * helper's frames (generator/stdlib) are skipped while a user's module is
 * being built, or outside any build: a stdlib helper or a library block's
 * constructor reports the line that called it, as Amaranth's `src_loc_at`
 * does. A library block's own build() keeps its own lines, so its Verilog is
 * the same whoever instantiates it.
 *
 * Names. The source file is parsed once with ts-morph (syntax only, no type
 * checking) and the call at each frame is looked up in the syntax tree: the
 * value is named after the binding that receives it (`const`/`let`, a class
 * field, `this.x = `, an object property, an array element, a destructuring
 * pattern); a value that a function returns is named at its caller's binding,
 * frame after frame. A binding inside a loop (or inside a callback of
 * map/forEach/Array.from...) gets the iteration's index: `lane_3`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ts } from 'ts-morph';
import type { SourceLoc } from '../netlist/loc';
export { locToString, type SourceLoc } from '../netlist/loc';

const coreDir = dirname(fileURLToPath(import.meta.url));

/** tcast's own root: the checkout, or the installed package (node_modules/tcast/dist). */
const tcastRoot = resolve(coreDir, '..', '..');

/** The nearest folder at or above `dir` that holds a package.json (else `dir`). */
function packageRootOf(dir: string): string {
  for (let d = resolve(dir); ; d = dirname(d)) {
    if (existsSync(join(d, 'package.json'))) return d;
    if (dirname(d) === d) return resolve(dir);
  }
}

/**
 * The project whose files the locators name, relative to it so output is
 * machine-independent: tcast's checkout when it runs from there; installed
 * (under node_modules), the user's project: $TCAST_PROJECT_ROOT, else the
 * nearest folder with a package.json at or above the working directory.
 */
export const projectRoot = tcastRoot.split(sep).includes('node_modules')
  ? resolve(process.env.TCAST_PROJECT_ROOT ?? packageRootOf(process.cwd()))
  : tcastRoot;

/** Library code: its helpers report their caller's line (see above). */
const libraryPrefix = 'generator/stdlib/';
export function isLibraryFile(file: string): boolean {
  return file.startsWith(libraryPrefix);
}

/** One stack frame outside the DSL core. */
export interface UserFrame extends SourceLoc {
  /** `file:line:column`, the key of the call site. */
  readonly key: string;
}

/**
 * The user frames of a stack, innermost first, and a key identifying the whole
 * stack. Interned: two captures with the same frames return the same object.
 */
export interface UserStack {
  readonly frames: readonly UserFrame[];
  readonly key: string;
}

const frameRe = /\(?((?:file:\/\/)?[^()\s]+?):(\d+):(\d+)\)?$/;
const relCache = new Map<string, string | null>();

/** The project-relative path of a frame's file, or null for the DSL core, node internals and node_modules. */
function relFile(raw: string): string | null {
  let r = relCache.get(raw);
  if (r !== undefined) return r;
  // Vite/vitest sometimes appends a query (e.g. ?v=123) to module URLs.
  const abs = (raw.startsWith('file://') ? fileURLToPath(raw) : raw).replace(/\?.*$/, '');
  if (abs.startsWith('node:') || abs.includes(`${sep}node_modules${sep}`) || abs.startsWith(coreDir + sep) || !isAbsolute(abs)) r = null;
  else r = relative(projectRoot, abs).split(sep).join('/');
  relCache.set(raw, r);
  return r;
}

const EMPTY: UserStack = { frames: [], key: '' };

/**
 * The stacks seen so far, as a trie on their (interned) frames: a capture
 * walks it with one identity lookup per frame instead of joining and hashing
 * a new key string, and shares the UserStack of an earlier identical capture.
 */
interface StackTrie { readonly stack: UserStack; readonly next: Map<UserFrame, StackTrie> }
const stackTrie: StackTrie = { stack: EMPTY, next: new Map() };
/** User frames kept per stack: enough for a value returned through a few helpers. */
const USER_DEPTH = 8;
const keepSites = (_e: Error, sites: NodeJS.CallSite[]): NodeJS.CallSite[] => sites;
/**
 * Per script (the runtime's file name of a frame): its frames by position in
 * the generated code, each source-mapped once; null for a script outside the
 * user's code (the DSL core, node internals, node_modules), whose frames are
 * skipped without asking for their position.
 */
const scripts = new Map<string, Map<number, UserFrame | null> | null>();
/** TypeScript position -> its one UserFrame object (two generated positions may map to one). */
const framesByKey = new Map<string, UserFrame>();
const probe = new Error('tcast');
/** A call site's character offset in its script (V8's CallSite.getPosition; its line and column elsewhere). */
const positionOf: (cs: NodeJS.CallSite) => number = hasGetPosition()
  ? (cs) => (cs as unknown as { getPosition(): number }).getPosition()
  : (cs) => (cs.getLineNumber() ?? 0) * 0x100000 + (cs.getColumnNumber() ?? 0);

function hasGetPosition(): boolean {
  const format = Error.prepareStackTrace;
  const holder: { stack?: unknown } = {};
  Error.prepareStackTrace = keepSites as typeof Error.prepareStackTrace;
  try {
    Error.captureStackTrace(holder);
    const sites = holder.stack as unknown;
    return Array.isArray(sites) && typeof (sites[0] as { getPosition?: unknown } | undefined)?.getPosition === 'function';
  } finally {
    Error.prepareStackTrace = format;
  }
}

/**
 * The TypeScript position of a call site: the runtime's own stack formatter
 * (tsx's or vitest's, which apply the source maps) on that one site.
 */
function mapSite(cs: NodeJS.CallSite, format: typeof Error.prepareStackTrace): UserFrame | null {
  let file = cs.getFileName() ?? '';
  let line = cs.getLineNumber() ?? 0;
  let column = cs.getColumnNumber() ?? 0;
  if (format !== undefined) {
    const text = String(format(probe, [cs]));
    const m = frameRe.exec(text.slice(text.lastIndexOf('\n') + 1).trim());
    if (m) { file = m[1]!; line = Number(m[2]); column = Number(m[3]); }
  }
  const rel = relFile(file);
  if (rel === null) return null;
  const key = `${rel}:${line}:${column}`;
  const known = framesByKey.get(key);
  if (known) return known;
  const f: UserFrame = { file: rel, line, column, key };
  framesByKey.set(key, f);
  return f;
}

/** The frames outside the DSL core (node internals and node_modules skipped too). */
export function userStack(): UserStack {
  const format = Error.prepareStackTrace;
  const limit = Error.stackTraceLimit;
  const holder: { stack?: unknown } = {};
  Error.prepareStackTrace = keepSites as typeof Error.prepareStackTrace;
  // Deep enough that the DSL core's own frames (a Vec.at tree, a stdlib helper
  // inside a child's build) never push the user's frames out: two nodes of
  // one call must get the same key whatever depth inside the core built them.
  Error.stackTraceLimit = 40;
  try {
    Error.captureStackTrace(holder, userStack);
    void holder.stack;
  } finally {
    Error.prepareStackTrace = format;
    Error.stackTraceLimit = limit;
  }
  const sites = holder.stack as NodeJS.CallSite[] | undefined;
  if (!Array.isArray(sites)) return EMPTY;
  let node = stackTrie;
  let depth = 0;
  for (const cs of sites) {
    const raw = cs.getFileName();
    if (raw === undefined || raw === null) continue;
    let byPos = scripts.get(raw);
    if (byPos === undefined) {
      byPos = relFile(raw) === null ? null : new Map();
      scripts.set(raw, byPos);
    }
    if (byPos === null) continue;
    const pos = positionOf(cs);
    let f = byPos.get(pos);
    if (f === undefined) {
      f = mapSite(cs, format);
      byPos.set(pos, f);
    }
    if (f) {
      let child = node.next.get(f);
      if (child === undefined) {
        const up = node.stack;
        child = { stack: { frames: [...up.frames, f], key: up.key === '' ? f.key : `${up.key}|${f.key}` }, next: new Map() };
        node.next.set(f, child);
      }
      node = child;
      // A fixed depth of user frames, so two values built by one call have the same key.
      if (++depth === USER_DEPTH) break;
    }
  }
  return node.stack;
}

// ---------------------------------------------------------------------------
// Build context: which module's build() is running, and is it a library block?

interface BuildCtx { readonly id: number; readonly library: boolean }
const builds: BuildCtx[] = [];
let nextBuildId = 1;

/** @internal Called by Module.runBuild around build(). */
export function enterBuild(library: boolean): void {
  builds.push({ id: nextBuildId++, library });
}
/** @internal */
export function exitBuild(): void {
  builds.pop();
}
/** The id of the build() running (0 outside any): values count loop indices per module. */
export function currentBuildId(): number {
  return builds[builds.length - 1]?.id ?? 0;
}

/** The locator of a stack: its first frame, skipping library helpers unless a library block is building. */
export function locOf(s: UserStack): SourceLoc | undefined {
  const inLibrary = builds[builds.length - 1]?.library ?? false;
  let first: UserFrame | undefined;
  for (const f of s.frames) {
    first ??= f;
    if (inLibrary || !isLibraryFile(f.file)) return plain(f);
  }
  return first ? plain(first) : undefined;
}
const plain = (f: UserFrame): SourceLoc => ({ file: f.file, line: f.line, column: f.column });

/** The user's line that led here (see the file comment for library helpers). */
export function callerLoc(): SourceLoc | undefined {
  return locOf(userStack());
}

/** The first frame outside the DSL core, library or not (where a Module subclass's constructor is). */
export function definitionLoc(): SourceLoc | undefined {
  const f = userStack().frames[0];
  return f !== undefined ? plain(f) : undefined;
}

// ---------------------------------------------------------------------------
// Names from the syntax tree

// ts-morph's own TypeScript compiler API: a syntax-only parse, no program, no type checking.
const files = new Map<string, ts.SourceFile | null>();

function sourceFile(file: string): ts.SourceFile | null {
  let sf = files.get(file);
  if (sf !== undefined) return sf;
  try {
    const text = readFileSync(resolve(projectRoot, file), 'utf8');
    sf = ts.createSourceFile(file, text, { languageVersion: ts.ScriptTarget.Latest, jsDocParsingMode: ts.JSDocParsingMode.ParseNone }, true, ts.ScriptKind.TS);
  } catch {
    sf = null;
  }
  files.set(file, sf);
  return sf;
}

type Seg = string | number;
/** What happens to the value a call at a site produces. */
type Site =
  | { kind: 'bind'; name: string; path: readonly Seg[]; loop: boolean; key: string }
  | { kind: 'pattern'; pattern: ts.BindingPattern; path: readonly Seg[]; loop: boolean; key: string }
  | { kind: 'return'; path: readonly Seg[] }
  | { kind: 'dropped'; how: string; text: string; path: readonly Seg[] }
  | { kind: 'none'; path: readonly Seg[] };

const sites = new Map<string, Site>();
const NONE: Site = { kind: 'none', path: [] };

/**
 * The deepest node starting at or spanning `pos`. A node's full range
 * (`pos`..`end`, leading trivia included) is checked first: only the few
 * nodes that contain `pos` pay for `getStart`, which rescans the trivia.
 * `forEachChild` stops at the first child that returns a value, and children
 * come in source order, so the walk also stops once past `pos`.
 */
function tokenAt(sf: ts.SourceFile, pos: number): ts.Node | undefined {
  let found: ts.Node | undefined;
  const visit = (n: ts.Node): true | undefined => {
    if (n.pos > pos) return true;
    if (pos >= n.end || pos < n.getStart(sf)) return undefined;
    found = n;
    ts.forEachChild(n, visit);
    return true;
  };
  ts.forEachChild(sf, visit);
  return found;
}

/** The call expression whose callee is at (line, column), as V8 reports a call frame's position. */
function callAt(sf: ts.SourceFile, line: number, column: number): ts.Node | undefined {
  let pos: number;
  try {
    pos = sf.getPositionOfLineAndCharacter(line - 1, column - 1);
  } catch {
    return undefined;
  }
  const tok = tokenAt(sf, pos);
  if (!tok) return undefined;
  if (ts.isNewExpression(tok) && tok.getStart(sf) === pos) return tok;
  let n: ts.Node = tok;
  if (n.parent !== undefined && ts.isPropertyAccessExpression(n.parent) && n.parent.name === n) n = n.parent;
  const c = n.parent;
  if (c !== undefined && (ts.isCallExpression(c) || ts.isNewExpression(c)) && c.expression === n) return c;
  return undefined;
}

const loopCallbacks = new Set(['map', 'forEach', 'flatMap', 'from', 'reduce', 'filter', 'every', 'some', 'fromEntries']);

/** Whether a binding runs once per iteration of a loop (up to its enclosing function). */
function inLoop(n: ts.Node): boolean {
  for (let p: ts.Node | undefined = n.parent; p !== undefined; p = p.parent) {
    if (ts.isForStatement(p) || ts.isForOfStatement(p) || ts.isForInStatement(p) || ts.isWhileStatement(p) || ts.isDoStatement(p)) return true;
    if (ts.isArrowFunction(p) || ts.isFunctionExpression(p)) {
      const call = p.parent;
      if (call !== undefined && ts.isCallExpression(call) && call.arguments.includes(p as ts.Expression)) {
        const callee = call.expression;
        const name = ts.isPropertyAccessExpression(callee) ? callee.name.text : ts.isIdentifier(callee) ? callee.text : '';
        return loopCallbacks.has(name);
      }
      return false;
    }
    if (ts.isFunctionDeclaration(p) || ts.isMethodDeclaration(p) || ts.isConstructorDeclaration(p) || ts.isGetAccessor(p)) return false;
  }
  return false;
}

function analyse(f: UserFrame): Site {
  let s = sites.get(f.key);
  if (s) return s;
  s = NONE;
  const sf = sourceFile(f.file);
  const call = sf ? callAt(sf, f.line, f.column) : undefined;
  if (call) s = classify(call, f.key);
  sites.set(f.key, s);
  return s;
}

function nameText(n: ts.Node): string | undefined {
  if (ts.isIdentifier(n) || ts.isPrivateIdentifier(n)) return n.text.replace(/^#/, '');
  if (ts.isStringLiteral(n) || ts.isNumericLiteral(n)) return n.text;
  return undefined;
}

function classify(call: ts.Node, key: string): Site {
  let cur: ts.Node = call;
  let path: Seg[] = [];
  for (;;) {
    const p = cur.parent;
    if (p === undefined) return { kind: 'none', path };
    if (ts.isParenthesizedExpression(p) || ts.isAsExpression(p) || ts.isNonNullExpression(p) || ts.isTypeAssertionExpression(p) || ts.isSatisfiesExpression(p)) {
      cur = p;
      continue;
    }
    if (ts.isConditionalExpression(p) && p.condition !== cur) { cur = p; continue; }
    if (ts.isBinaryExpression(p) && p.right === cur && [ts.SyntaxKind.QuestionQuestionToken, ts.SyntaxKind.BarBarToken, ts.SyntaxKind.AmpersandAmpersandToken].includes(p.operatorToken.kind)) {
      cur = p;
      continue;
    }
    const how = droppedBy(p, cur);
    if (how) return { kind: 'dropped', how, text: cur.getText().replace(/\s+/g, ' '), path };
    if (ts.isPropertyAssignment(p) && p.initializer === cur) {
      const k = nameText(p.name);
      if (k === undefined) return { kind: 'none', path };
      path = [k, ...path];
      cur = p.parent;
      continue;
    }
    if (ts.isArrayLiteralExpression(p)) {
      path = [p.elements.indexOf(cur as ts.Expression), ...path];
      cur = p;
      continue;
    }
    if (ts.isVariableDeclaration(p) && p.initializer === cur) {
      if (ts.isIdentifier(p.name)) return { kind: 'bind', name: p.name.text, path, loop: inLoop(p), key };
      return { kind: 'pattern', pattern: p.name, path, loop: inLoop(p), key };
    }
    if ((ts.isPropertyDeclaration(p) || ts.isParameter(p)) && p.initializer === cur) {
      const k = nameText(p.name);
      return k === undefined ? { kind: 'none', path } : { kind: 'bind', name: k, path, loop: inLoop(p), key };
    }
    if (ts.isBinaryExpression(p) && p.right === cur && p.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
      const l = p.left;
      const k = ts.isIdentifier(l) ? l.text : ts.isPropertyAccessExpression(l) ? nameText(l.name) : undefined;
      return k === undefined ? { kind: 'none', path } : { kind: 'bind', name: k, path, loop: inLoop(p), key };
    }
    if (ts.isReturnStatement(p)) return { kind: 'return', path };
    if (ts.isArrowFunction(p) && p.body === cur) return { kind: 'return', path };
    return { kind: 'none', path };
  }
}

/** How JavaScript, not hardware, consumes an expression `cur` in `p` (the JS-`if` trap), if it does. */
function droppedBy(p: ts.Node, cur: ts.Node): string | undefined {
  if (ts.isIfStatement(p) && p.expression === cur) return 'an if condition';
  if ((ts.isWhileStatement(p) || ts.isDoStatement(p)) && p.expression === cur) return 'a loop condition';
  if (ts.isForStatement(p) && p.condition === cur) return 'a loop condition';
  if (ts.isConditionalExpression(p) && p.condition === cur) return 'the condition of a ?: expression';
  if (ts.isPrefixUnaryExpression(p) && p.operator === ts.SyntaxKind.ExclamationToken) return 'the operand of !';
  if (ts.isBinaryExpression(p) && p.left === cur) {
    const op = p.operatorToken.kind;
    if (op === ts.SyntaxKind.AmpersandAmpersandToken) return 'the left operand of &&';
    if (op === ts.SyntaxKind.BarBarToken) return 'the left operand of ||';
    if (op === ts.SyntaxKind.QuestionQuestionToken) return 'the left operand of ??';
  }
  if (ts.isExpressionStatement(p)) return 'a statement that drops its value';
  return undefined;
}

/** Resolves a value path against a destructuring pattern: `const { a, b: [x, y] } = f()`. */
function throughPattern(pattern: ts.BindingPattern, path: readonly Seg[]): { name: string; rest: readonly Seg[] } | undefined {
  const [head, ...rest] = path;
  if (head === undefined) return undefined;
  let el: ts.BindingElement | undefined;
  if (ts.isObjectBindingPattern(pattern)) {
    el = pattern.elements.find((e) => (e.propertyName ? nameText(e.propertyName) : nameText(e.name)) === String(head));
  } else if (typeof head === 'number') {
    const e = pattern.elements[head];
    el = e !== undefined && ts.isBindingElement(e) ? e : undefined;
  }
  if (!el) return undefined;
  if (ts.isIdentifier(el.name)) return { name: el.name.text, rest };
  return throughPattern(el.name, rest);
}

/** A name found for a stack: the base name, and the binding site when it is in a loop. */
export interface FoundName {
  readonly name: string;
  /** Set for a binding inside a loop: the caller appends the iteration index. */
  readonly loopKey?: string;
}

/**
 * The name of the value produced at the innermost frame of `s`: the binding
 * that receives it, following returns out to the callers. Undefined when the
 * value is an operand of something else.
 */
export function bindingName(s: UserStack): FoundName | undefined {
  let r = namesByStack.get(s);
  if (r === undefined) namesByStack.set(s, (r = findName(s) ?? null));
  return r ?? undefined;
}
/** bindingName per (interned) stack: the syntax tree and the frames never change. */
const namesByStack = new Map<UserStack, FoundName | null>();

function findName(s: UserStack): FoundName | undefined {
  let suffix: readonly Seg[] = [];
  for (const f of s.frames) {
    const site = analyse(f);
    const path = [...site.path, ...suffix];
    if (site.kind === 'return') { suffix = path; continue; }
    if (site.kind === 'none' || site.kind === 'dropped') return undefined;
    let name: string;
    if (site.kind === 'bind') {
      name = [site.name, ...path].join('_');
    } else {
      const r = throughPattern(site.pattern, path);
      if (!r) return undefined;
      name = [r.name, ...r.rest].join('_');
    }
    return site.loop ? { name, loopKey: site.key } : { name };
  }
  return undefined;
}

/** Where JavaScript consumed a value built at the innermost frame of `s`, if it did (following returns). */
export interface Dropped {
  /** The JavaScript construct (e.g. 'an if condition'). */
  readonly how: string;
  /** The source text of the expression. */
  readonly text: string;
  /** Where JavaScript consumed it. */
  readonly loc: SourceLoc;
}

export function droppedAt(s: UserStack): Dropped | undefined {
  let r = droppedByStack.get(s);
  if (r === undefined) droppedByStack.set(s, (r = findDropped(s) ?? null));
  return r ?? undefined;
}
const droppedByStack = new Map<UserStack, Dropped | null>();

function findDropped(s: UserStack): Dropped | undefined {
  for (const f of s.frames) {
    const site = analyse(f);
    if (site.kind === 'return') continue;
    return site.kind === 'dropped' ? { how: site.how, text: site.text, loc: plain(f) } : undefined;
  }
  return undefined;
}

/** The name for hardware built here (see bindingName), without a loop index. */
export function inferName(): string | undefined {
  return bindingName(userStack())?.name;
}
