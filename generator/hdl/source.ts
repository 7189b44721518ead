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
 * Names. The source file is parsed with ts-morph (syntax only, no type
 * checking; at most once per process, and not at all when the file's name
 * table is in the on-disk cache, see below) and the call at each frame is
 * looked up in the syntax tree: the
 * value is named after the binding that receives it (`const`/`let`, a class
 * field, `this.x = `, an object property, an array element, a destructuring
 * pattern); a value that a function returns is named at its caller's binding,
 * frame after frame. A binding inside a loop (or inside a callback of
 * map/forEach/Array.from...) gets the iteration's index: `lane_3`.
 *
 * Cost. A capture (Here) keeps the raw call sites down to the running
 * build()'s runBuild frame and source-maps its user frames only as far as
 * asked (see Here); callerLoc() resolves only up to the locator's frame.
 * Capturing is still most of elaboration's time (docs/BENCHMARKS.md).
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire, findSourceMap, type SourceMap, type SourceMapping } from 'node:module';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ts as TSNS } from 'ts-morph';
import type { SourceLoc } from '../netlist/loc';
import { withFullJit } from './jit';
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
/** The script of Module.runBuild (module.ts), marked in `scripts`. */
const BUILDER = new Map<number, UserFrame | null>();
function isModuleScript(raw: string): boolean {
  const abs = (raw.startsWith('file://') ? fileURLToPath(raw) : raw).replace(/\?.*$/, '');
  return abs === join(coreDir, 'module.ts') || abs === join(coreDir, 'module.js');
}
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

/** A call site's position as the runtime's own stack formatter prints it (tsx's or vitest's, which apply the source maps). */
function formattedPosition(cs: NodeJS.CallSite, format: typeof Error.prepareStackTrace): SourceLoc {
  let file = cs.getFileName() ?? '';
  let line = cs.getLineNumber() ?? 0;
  let column = cs.getColumnNumber() ?? 0;
  if (format !== undefined) {
    const text = String(format(probe, [cs]));
    const m = frameRe.exec(text.slice(text.lastIndexOf('\n') + 1).trim());
    if (m) { file = m[1]!; line = Number(m[2]); column = Number(m[3]); }
  }
  return { file, line, column };
}

/** A call site's position through Node's source map of its script (as Node's own formatter maps it), if the map has an entry. */
function mappedPosition(map: SourceMap, cs: NodeJS.CallSite): SourceLoc | undefined {
  const e = map.findEntry((cs.getLineNumber() ?? 0) - 1, (cs.getColumnNumber() ?? 0) - 1) as Partial<SourceMapping>;
  if (!e.originalSource || e.originalLine === undefined || e.originalColumn === undefined) return undefined;
  return { file: e.originalSource, line: e.originalLine + 1, column: e.originalColumn + 1 };
}

/**
 * Per script: Node's source map of it, when that gives the positions the
 * runtime's formatter gives (checked on the script's first frame: under tsx,
 * the formatter is Node's own), else null. Reading the map directly skips
 * formatting a stack line and parsing it back for every new call site.
 */
const directMaps = new Map<string, SourceMap | null>();

/** The TypeScript position of a call site (see directMaps). */
function mapSite(cs: NodeJS.CallSite, format: typeof Error.prepareStackTrace): UserFrame | null {
  const script = cs.getFileName() ?? '';
  let map = directMaps.get(script);
  let at: SourceLoc | undefined;
  if (map === undefined) {
    at = formattedPosition(cs, format);
    let found: SourceMap | undefined;
    try {
      found = findSourceMap(script);
    } catch {
      found = undefined;
    }
    const direct = found ? mappedPosition(found, cs) : undefined;
    const same = direct !== undefined && relFile(direct.file) === relFile(at.file) && direct.line === at.line && direct.column === at.column;
    map = same ? found! : null;
    directMaps.set(script, map);
  } else if (map !== null) {
    at = mappedPosition(map, cs);
  }
  at ??= formattedPosition(cs, format);
  const rel = relFile(at.file);
  if (rel === null) return null;
  const key = `${rel}:${at.line}:${at.column}`;
  const known = framesByKey.get(key);
  if (known) return known;
  const f: UserFrame = { file: rel, line: at.line, column: at.column, key };
  framesByKey.set(key, f);
  return f;
}

/**
 * Raw frames a capture keeps at most: deep enough that the DSL core's own
 * frames (a Vec.at tree, a stdlib helper inside a child's build) never push
 * the user's frames out: two nodes of one call must get the same key whatever
 * depth inside the core built them.
 */
const STACK_LIMIT = 40;
/**
 * Raw frames a capture takes first: 98% of the stacks reach their build()
 * within them (or their USER_DEPTH user frames); the others are captured
 * again with STACK_LIMIT. Fewer frames, a cheaper capture.
 */
const FIRST_LIMIT = 11;
/** The same for a locator alone (callerLoc): 96% of them are the second or third frame. */
const LOC_FIRST_LIMIT = 4;
/**
 * The user stack of the caller's caller, if it would be the same for
 * anything the caller builds at most `extra` frames deeper (no user code
 * running in between): the stack is well inside the raw-frame limit.
 * Undefined when it is not.
 */
export function sharedUserStack(extra: number): Here | undefined {
  const h = captureHere(sharedUserStack);
  fullStack(h);
  // rawDepth counts from the caller of sharedUserStack; one more for its own frame, as the limits count.
  return h.rawDepth + 1 + extra < STACK_LIMIT ? h : undefined;
}

/** The object captures write their stack to (one for all: nothing runs between a capture and its read). */
const holder: { stack?: unknown } = {};

/** The call sites of the stack below `below` (the core function capturing), at most `limit` raw frames. */
function captureSites(limit: number, format: typeof Error.prepareStackTrace, below: (...args: never[]) => unknown): NodeJS.CallSite[] | undefined {
  const saved = Error.stackTraceLimit;
  let sites: unknown;
  Error.prepareStackTrace = keepSites as typeof Error.prepareStackTrace;
  Error.stackTraceLimit = limit;
  try {
    Error.captureStackTrace(holder, below);
    sites = holder.stack;
  } finally {
    Error.prepareStackTrace = format;
    Error.stackTraceLimit = saved;
  }
  return Array.isArray(sites) ? (sites as NodeJS.CallSite[]) : undefined;
}

/**
 * Where hardware is being built: the stack's call sites, captured now, whose
 * user frames (the frames outside the DSL core, node internals and
 * node_modules skipped too) are source-mapped only as far as something asks:
 * the locator and the name need the first frame or two; the whole stack (a
 * loop's iteration groups, two values built by one call) is resolved only
 * when needed. Captured inside a build(), its call sites are kept until that
 * build ends.
 */
export interface Here {
  /** The k-th user frame (innermost first); undefined past the last; null if it can no longer be told (the build ended). */
  frame(k: number): UserFrame | undefined | null;
  /** The whole stack, interned; undefined if it can no longer be told. */
  whole(): UserStack | undefined;
  /** @internal Drops the call sites (the build that captured them ended). */
  release(): void;
  /** Raw frames the walk needed (for sharedUserStack); final once the whole stack is resolved. */
  readonly rawDepth: number;
}

/** A Here over captured call sites (kept out of the declarations: its fields are Node's types). */
class LazyStack implements Here {
  /** The raw call sites (dropped once resolved, or when the build that captured them ends). */
  private sites: readonly NodeJS.CallSite[] | undefined;
  /** The raw index where the walk ends: the running build's runBuild frame, or the end of the capture. */
  private readonly end: number;
  /** The next raw site to resolve. */
  private next = 0;
  /** The frames resolved so far (an interned prefix of the stack). */
  private node: StackTrie = stackTrie;
  private closed = false;
  /** Raw frames the walk needed (for sharedUserStack); final once closed. */
  rawDepth: number;
  constructor(sites: readonly NodeJS.CallSite[], end: number, private readonly format: typeof Error.prepareStackTrace) {
    this.sites = sites;
    this.end = end;
    this.rawDepth = end < sites.length ? end + 1 : sites.length;
    if (end === 0) this.close();
  }
  /** The k-th user frame (innermost first); undefined past the last; null if it can no longer be told (the build ended). */
  frame(k: number): UserFrame | undefined | null {
    while (this.node.stack.frames.length <= k && !this.closed) if (!this.step()) return null;
    return this.node.stack.frames[k];
  }
  /** The whole stack, interned; undefined if it can no longer be told. */
  whole(): UserStack | undefined {
    while (!this.closed) if (!this.step()) return undefined;
    return this.node.stack;
  }
  /** @internal Drops the call sites (the build that captured them ended). */
  release(): void {
    this.sites = undefined;
  }
  private close(): void {
    this.closed = true;
    this.sites = undefined;
  }
  private step(): boolean {
    const sites = this.sites;
    if (sites === undefined) return false;
    const i = this.next++;
    const f = frameOf(sites[i]!, this.format);
    if (f !== null && f !== RUN_BUILD) {
      let child = this.node.next.get(f);
      if (child === undefined) {
        const up = this.node.stack;
        child = { stack: { frames: [...up.frames, f], key: up.key === '' ? f.key : `${up.key}|${f.key}` }, next: new Map() };
        this.node.next.set(f, child);
      }
      this.node = child;
      // A fixed depth of user frames, so two values built by one call have the same key.
      if (child.stack.frames.length === USER_DEPTH) {
        this.rawDepth = i + 1;
        this.close();
        return true;
      }
    }
    if (this.next >= this.end) this.close();
    return true;
  }
}

/** The stack below `below` (a core function), as a Here. */
export function captureHere(below: (...args: never[]) => unknown = captureHere): Here {
  const format = Error.prepareStackTrace;
  let sites = captureSites(FIRST_LIMIT, format, below) ?? [];
  let end = walkEnd(sites);
  if (end === undefined) {
    sites = captureSites(STACK_LIMIT, format, below) ?? [];
    end = walkEnd(sites) ?? sites.length;
  }
  const h = new LazyStack(sites, end, format);
  const b = builds[builds.length - 1];
  // Outside any build nothing releases the sites: resolve now.
  if (b === undefined) h.whole();
  else b.captured.push(h);
  return h;
}

/**
 * The raw index of the running build's runBuild frame among `sites` (the
 * walk ends there), or their length if the stack ended within them;
 * undefined if they ran out at a capture limit below STACK_LIMIT first.
 * Looks at script names only: no position is asked for.
 */
function walkEnd(sites: readonly NodeJS.CallSite[]): number | undefined {
  for (let i = 0; i < sites.length; i++) {
    const cs = sites[i]!;
    const raw = cs.getFileName();
    if (raw === undefined || raw === null) continue;
    if (scriptOf(raw) === BUILDER && cs.getFunctionName() === 'runBuild') return i;
  }
  return sites.length === FIRST_LIMIT ? undefined : sites.length;
}

/** The whole stack of `h` (see Here.whole), EMPTY if it can no longer be told. */
export function fullStack(h: Here): UserStack {
  return h.whole() ?? EMPTY;
}

/** Whether two Heres are the same stack (resolving no more frames than it takes to tell). */
export function sameStack(a: Here, b: Here): boolean {
  if (a === b) return true;
  for (let k = 0; ; k++) {
    const fa = a.frame(k);
    const fb = b.frame(k);
    // null: a build ended, and stacks of two builds never meet (a value of one read by another is refused anyway).
    if (fa === null || fb === null || fa !== fb) return false;
    if (fa === undefined) return true;
  }
}

/** What a raw frame is to a walk: a user frame, a frame to skip, or the running build()'s caller (the end of the walk). */
const RUN_BUILD = Symbol('runBuild');

/** A script's frames by position (see scripts). */
function scriptOf(raw: string): Map<number, UserFrame | null> | null {
  let byPos = scripts.get(raw);
  if (byPos === undefined) {
    byPos = relFile(raw) !== null ? new Map() : isModuleScript(raw) ? BUILDER : null;
    scripts.set(raw, byPos);
  }
  return byPos;
}

function frameOf(cs: NodeJS.CallSite, format: typeof Error.prepareStackTrace): UserFrame | null | typeof RUN_BUILD {
  const raw = cs.getFileName();
  if (raw === undefined || raw === null) return null;
  const byPos = scriptOf(raw);
  if (byPos === null) return null;
  // The frames below a build() are the same for everything it builds: they never tell two of its values apart.
  if (byPos === BUILDER) return cs.getFunctionName() === 'runBuild' ? RUN_BUILD : null;
  const pos = positionOf(cs);
  let f = byPos.get(pos);
  if (f === undefined) {
    f = mapSite(cs, format);
    byPos.set(pos, f);
  }
  return f;
}

// ---------------------------------------------------------------------------
// Build context: which module's build() is running, and is it a library block?

interface BuildCtx { readonly id: number; readonly library: boolean; readonly captured: Here[] }
const builds: BuildCtx[] = [];
let nextBuildId = 1;

/** @internal Called by Module.runBuild around build(). */
export function enterBuild(library: boolean): void {
  builds.push({ id: nextBuildId++, library, captured: [] });
}
/** @internal */
export function exitBuild(): void {
  for (const h of builds.pop()?.captured ?? []) h.release();
}
/** The id of the build() running (0 outside any): values count loop indices per module. */
export function currentBuildId(): number {
  return builds[builds.length - 1]?.id ?? 0;
}

/** The locator of a stack: its first frame, skipping library helpers unless a library block is building. */
export function locOf(h: Here): SourceLoc | undefined {
  const inLibrary = builds[builds.length - 1]?.library ?? false;
  const first = h.frame(0);
  if (first === undefined || first === null) return undefined;
  for (let k = 0; ; k++) {
    const f = h.frame(k);
    if (f === undefined || f === null) return plain(first);
    if (inLibrary || !isLibraryFile(f.file)) return plain(f);
  }
}
/** A frame as a SourceLoc (one object per frame). */
function plain(f: UserFrame): SourceLoc {
  let l = plainOf.get(f);
  if (l === undefined) plainOf.set(f, (l = { file: f.file, line: f.line, column: f.column }));
  return l;
}
const plainOf = new Map<UserFrame, SourceLoc>();

/**
 * The user's line that led here (see the file comment for library helpers):
 * locOf(userStack()), without resolving the frames past the locator's.
 */
export function callerLoc(): SourceLoc | undefined {
  const format = Error.prepareStackTrace;
  // The frames below callerLoc are those below userStack less callerLoc's own: one fewer keeps the same limit.
  const sites = captureSites(LOC_FIRST_LIMIT, format, callerLoc);
  if (sites === undefined) return undefined;
  const r = locAt(sites, LOC_FIRST_LIMIT, format);
  if (r !== false) return r;
  const deeper = locAt(captureSites(STACK_LIMIT - 1, format, callerLoc) ?? [], STACK_LIMIT - 1, format);
  return deeper === false ? undefined : deeper;
}

/** The locator among `sites` as locOf finds it in their user stack; false if they ran out at a limit below STACK_LIMIT first. */
function locAt(sites: readonly NodeJS.CallSite[], limit: number, format: typeof Error.prepareStackTrace): SourceLoc | undefined | false {
  const inLibrary = builds[builds.length - 1]?.library ?? false;
  let first: UserFrame | undefined;
  let depth = 0;
  let ended = false;
  for (const cs of sites) {
    const f = frameOf(cs, format);
    if (f === RUN_BUILD) { ended = true; break; }
    if (f === null) continue;
    first ??= f;
    if (inLibrary || !isLibraryFile(f.file)) return plain(f);
    if (++depth === USER_DEPTH) { ended = true; break; }
  }
  if (!ended && sites.length === limit && limit < STACK_LIMIT - 1) return false;
  return first ? plain(first) : undefined;
}

/** The first frame outside the DSL core, library or not (where a Module subclass's constructor is). */
export function definitionLoc(): SourceLoc | undefined {
  const f = captureHere(definitionLoc).frame(0);
  return f !== undefined && f !== null ? plain(f) : undefined;
}

// ---------------------------------------------------------------------------
// Names from the syntax tree

/**
 * ts-morph's own TypeScript compiler API (a syntax-only parse: no program, no
 * type checking), loaded on first need: a run whose name tables are all in
 * the cache (below) never loads TypeScript.
 */
let ts: typeof TSNS;
const requireHere = createRequire(import.meta.url);

function parse(file: string, text: string): TSNS.SourceFile | null {
  try {
    ts ??= (requireHere('ts-morph') as typeof import('ts-morph')).ts;
    // The parser is a long hot loop: V8's optimizing tier pays off there (jit.ts).
    return withFullJit(() => ts.createSourceFile(file, text, { languageVersion: ts.ScriptTarget.Latest, jsDocParsingMode: ts.JSDocParsingMode.ParseNone }, true, ts.ScriptKind.TS));
  } catch {
    return null;
  }
}

type Seg = string | number;
/** A destructuring pattern as plain data: an object pattern's (key, target) pairs, an array pattern's targets (null: a hole). */
type Pattern = { readonly obj: readonly (readonly [string | null, string | Pattern])[] } | { readonly arr: readonly (string | Pattern | null)[] };
/** What happens to the value a call at a site produces (plain data: the cached form). */
type SiteData =
  | { kind: 'bind'; name: string; path: readonly Seg[]; loop: boolean }
  | { kind: 'pattern'; pattern: Pattern; path: readonly Seg[]; loop: boolean }
  | { kind: 'return'; path: readonly Seg[] }
  | { kind: 'dropped'; how: string; text: string; path: readonly Seg[] }
  | { kind: 'none'; path: readonly Seg[] };
/** A site with the key of its frame (a binding in a loop counts its iterations per key). */
type Site = SiteData & { readonly key: string };

// ---------------------------------------------------------------------------
// The name-table cache. Analysing a call site needs the file's syntax tree;
// parsing (and loading TypeScript to do it) is most of the cost of a first
// elaboration. So the result for each call position is kept on disk, in a
// table per source text: its file is named by a SHA-256 of this analyser's own
// code, the parser's version and the file's text, so a table never outlives
// what produced it. Positions missing from a table (a new call) are analysed
// from a parse and added. A table that cannot be read or written is ignored.

interface NameTable {
  readonly text: string;
  /** The table's file name (hex SHA-256), or null when the disk cache is off. */
  readonly hash: string | null;
  /** `line:column` -> the site there. */
  readonly sites: Map<string, SiteData>;
  /** Entries added since the table was read. */
  added: number;
  tree?: TSNS.SourceFile | null;
}

const tables = new Map<string, NameTable | null>();

/** Where the tables live: $TCAST_CACHE_DIR/names, else the checkout's .cache/names, else ~/.cache/tcast/names. */
export function nameCacheDir(): string {
  const env = process.env.TCAST_CACHE_DIR;
  if (env) return join(env, 'names');
  if (!tcastRoot.split(sep).includes('node_modules')) return join(tcastRoot, '.cache', 'names');
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'tcast', 'names');
}

/** The version of the package whose file `file` is (its nearest package.json). */
function packageVersion(file: string): string {
  for (let d = dirname(file); dirname(d) !== d; d = dirname(d)) {
    const p = join(d, 'package.json');
    if (existsSync(p)) {
      const j = JSON.parse(readFileSync(p, 'utf8')) as { name?: string; version?: string };
      return `${j.name}@${j.version}`;
    }
  }
  throw new Error(`no package.json above ${file}`);
}

/** What the tables depend on besides the source text: this file's code and the parser's version (null: cache off). */
const analyserVersion = ((): string | null => {
  try {
    const morph = requireHere.resolve('ts-morph');
    const common = createRequire(morph).resolve('@ts-morph/common');
    return createHash('sha256').update(readFileSync(fileURLToPath(import.meta.url))).update(packageVersion(morph)).update(packageVersion(common)).digest('hex');
  } catch {
    return null;
  }
})();

function tableOf(file: string): NameTable | null {
  let t = tables.get(file);
  if (t !== undefined) return t;
  t = null;
  try {
    const text = readFileSync(resolve(projectRoot, file), 'utf8');
    const hash = analyserVersion === null ? null : createHash('sha256').update(analyserVersion).update('\0').update(text).digest('hex');
    t = { text, hash, sites: new Map(), added: 0 };
    if (hash !== null) {
      try {
        const at = join(nameCacheDir(), `${hash}.json`);
        const saved = JSON.parse(readFileSync(at, 'utf8')) as { sites?: Record<string, SiteData> };
        for (const [k, v] of Object.entries(saved.sites ?? {})) t.sites.set(k, v);
        // Its modification time says when it was last used (`tcast cache prune` removes tables long unused).
        try { utimesSync(at, new Date(), new Date()); } catch { /* a read-only cache */ }
      } catch {
        // No table yet (or an unreadable one): it is built as sites are analysed.
      }
    }
  } catch {
    t = null;
  }
  tables.set(file, t);
  return t;
}

/**
 * @internal Writes the tables that gained entries (called when an elaboration
 * ends). Each is merged with what another process may have written meanwhile,
 * written to a temporary file and renamed into place.
 */
export function saveNameTables(): void {
  let dir: string | undefined;
  for (const t of tables.values()) {
    if (!t || t.hash === null || t.added === 0) continue;
    t.added = 0;
    try {
      dir ??= nameCacheDir();
      mkdirSync(dir, { recursive: true });
      const path = join(dir, `${t.hash}.json`);
      const out: Record<string, SiteData> = {};
      try {
        Object.assign(out, (JSON.parse(readFileSync(path, 'utf8')) as { sites?: Record<string, SiteData> }).sites);
      } catch {
        // Nothing written yet.
      }
      for (const [k, v] of t.sites) out[k] = v;
      const tmp = `${path}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`;
      writeFileSync(tmp, JSON.stringify({ sites: out }));
      renameSync(tmp, path);
    } catch {
      // A cache that cannot be written only costs a parse next time.
    }
  }
}

const sites = new Map<string, Site>();
const NONE: SiteData = { kind: 'none', path: [] };

/**
 * The deepest node starting at or spanning `pos`. A node's full range
 * (`pos`..`end`, leading trivia included) is checked first: only the few
 * nodes that contain `pos` pay for `getStart`, which rescans the trivia.
 * `forEachChild` stops at the first child that returns a value, and children
 * come in source order, so the walk also stops once past `pos`.
 */
function tokenAt(sf: TSNS.SourceFile, pos: number): TSNS.Node | undefined {
  let found: TSNS.Node | undefined;
  const visit = (n: TSNS.Node): true | undefined => {
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
function callAt(sf: TSNS.SourceFile, line: number, column: number): TSNS.Node | undefined {
  let pos: number;
  try {
    pos = sf.getPositionOfLineAndCharacter(line - 1, column - 1);
  } catch {
    return undefined;
  }
  const tok = tokenAt(sf, pos);
  if (!tok) return undefined;
  if (ts.isNewExpression(tok) && tok.getStart(sf) === pos) return tok;
  let n: TSNS.Node = tok;
  if (n.parent !== undefined && ts.isPropertyAccessExpression(n.parent) && n.parent.name === n) n = n.parent;
  const c = n.parent;
  if (c !== undefined && (ts.isCallExpression(c) || ts.isNewExpression(c)) && c.expression === n) return c;
  return undefined;
}

const loopCallbacks = new Set(['map', 'forEach', 'flatMap', 'from', 'reduce', 'filter', 'every', 'some', 'fromEntries']);

/** Whether a binding runs once per iteration of a loop (up to its enclosing function). */
function inLoop(n: TSNS.Node): boolean {
  for (let p: TSNS.Node | undefined = n.parent; p !== undefined; p = p.parent) {
    if (ts.isForStatement(p) || ts.isForOfStatement(p) || ts.isForInStatement(p) || ts.isWhileStatement(p) || ts.isDoStatement(p)) return true;
    if (ts.isArrowFunction(p) || ts.isFunctionExpression(p)) {
      const call = p.parent;
      if (call !== undefined && ts.isCallExpression(call) && call.arguments.includes(p as TSNS.Expression)) {
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
  const t = tableOf(f.file);
  const at = `${f.line}:${f.column}`;
  let d = t?.sites.get(at);
  if (d === undefined) {
    d = NONE;
    if (t) {
      if (t.tree === undefined) t.tree = parse(f.file, t.text);
      const call = t.tree ? callAt(t.tree, f.line, f.column) : undefined;
      if (call) d = classify(call);
      t.sites.set(at, d);
      t.added++;
    }
  }
  s = { ...d, key: f.key };
  sites.set(f.key, s);
  return s;
}

function nameText(n: TSNS.Node): string | undefined {
  if (ts.isIdentifier(n) || ts.isPrivateIdentifier(n)) return n.text.replace(/^#/, '');
  if (ts.isStringLiteral(n) || ts.isNumericLiteral(n)) return n.text;
  return undefined;
}

function classify(call: TSNS.Node): SiteData {
  let cur: TSNS.Node = call;
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
      path = [p.elements.indexOf(cur as TSNS.Expression), ...path];
      cur = p;
      continue;
    }
    if (ts.isVariableDeclaration(p) && p.initializer === cur) {
      if (ts.isIdentifier(p.name)) return { kind: 'bind', name: p.name.text, path, loop: inLoop(p) };
      return { kind: 'pattern', pattern: patternData(p.name), path, loop: inLoop(p) };
    }
    if ((ts.isPropertyDeclaration(p) || ts.isParameter(p)) && p.initializer === cur) {
      const k = nameText(p.name);
      return k === undefined ? { kind: 'none', path } : { kind: 'bind', name: k, path, loop: inLoop(p) };
    }
    if (ts.isBinaryExpression(p) && p.right === cur && p.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
      const l = p.left;
      const k = ts.isIdentifier(l) ? l.text : ts.isPropertyAccessExpression(l) ? nameText(l.name) : undefined;
      return k === undefined ? { kind: 'none', path } : { kind: 'bind', name: k, path, loop: inLoop(p) };
    }
    if (ts.isReturnStatement(p)) return { kind: 'return', path };
    if (ts.isArrowFunction(p) && p.body === cur) return { kind: 'return', path };
    return { kind: 'none', path };
  }
}

/** How JavaScript, not hardware, consumes an expression `cur` in `p` (the JS-`if` trap), if it does. */
function droppedBy(p: TSNS.Node, cur: TSNS.Node): string | undefined {
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
function throughPattern(pattern: Pattern, path: readonly Seg[]): { name: string; rest: readonly Seg[] } | undefined {
  const [head, ...rest] = path;
  if (head === undefined) return undefined;
  let el: string | Pattern | null | undefined;
  if ('obj' in pattern) el = pattern.obj.find(([k]) => k === String(head))?.[1];
  else if (typeof head === 'number') el = pattern.arr[head];
  if (el === undefined || el === null) return undefined;
  if (typeof el === 'string') return { name: el, rest };
  return throughPattern(el, rest);
}

/** A destructuring pattern as plain data (see Pattern): what throughPattern needs of it. */
function patternData(p: TSNS.BindingPattern): Pattern {
  const target = (e: TSNS.BindingElement): string | Pattern => (ts.isIdentifier(e.name) ? e.name.text : patternData(e.name));
  if (ts.isObjectBindingPattern(p)) return { obj: p.elements.map((e) => [(e.propertyName ? nameText(e.propertyName) : nameText(e.name)) ?? null, target(e)] as const) };
  return { arr: p.elements.map((e) => (ts.isBindingElement(e) ? target(e) : null)) };
}

/** A name found for a stack: the base name, and the binding site when it is in a loop. */
export interface FoundName {
  readonly name: string;
  /** Set for a binding inside a loop: the caller appends the iteration index. */
  readonly loopKey?: string;
}

/**
 * The name of the value produced at the innermost frame of `h`: the binding
 * that receives it, following returns out to the callers. Undefined when the
 * value is an operand of something else.
 */
export function bindingName(h: Here): FoundName | undefined {
  let suffix: readonly Seg[] = [];
  for (let k = 0; ; k++) {
    const f = h.frame(k);
    if (f === undefined || f === null) return undefined;
    const site = analyse(f);
    if (site.kind === 'return') { suffix = [...site.path, ...suffix]; continue; }
    if (site.kind === 'none' || site.kind === 'dropped') return undefined;
    if (suffix.length === 0) {
      // The common case, a binding at the innermost frame: one name per site.
      let r = namesBySite.get(site);
      if (r === undefined) namesBySite.set(site, (r = nameAt(site, []) ?? null));
      return r ?? undefined;
    }
    return nameAt(site, suffix);
  }
}
const namesBySite = new Map<Site, FoundName | null>();

function nameAt(site: Site & { kind: 'bind' | 'pattern' }, suffix: readonly Seg[]): FoundName | undefined {
  const path = [...site.path, ...suffix];
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

/** Where JavaScript consumed a value built at the innermost frame of `s`, if it did (following returns). */
export interface Dropped {
  /** The JavaScript construct (e.g. 'an if condition'). */
  readonly how: string;
  /** The source text of the expression. */
  readonly text: string;
  /** Where JavaScript consumed it. */
  readonly loc: SourceLoc;
}

export function droppedAt(h: Here): Dropped | undefined {
  for (let k = 0; ; k++) {
    const f = h.frame(k);
    if (f === undefined || f === null) return undefined;
    const site = analyse(f);
    if (site.kind === 'return') continue;
    return site.kind === 'dropped' ? { how: site.how, text: site.text, loc: plain(f) } : undefined;
  }
}

/** The name for hardware built here (see bindingName), without a loop index. */
export function inferName(): string | undefined {
  return bindingName(captureHere(inferName))?.name;
}
