/**
 * The case-directory interface (docs/MODEL.md, "Case directories").
 *
 * A case directory holds `case.json`:
 *   {"mode": "sum"|"mean"|"max", "include_last_offset": bool, "padding_idx": int|null,
 *    "optimizer": null | {"kind": "sgd", "lr": x}
 *                      | {"kind": "adagrad", "lr": x, "eps": y}
 *                      | {"kind": "rowwise_adagrad", "lr": x, "eps": y},
 *    "argmax": bool (optional, max mode: also write argmax.npy)}
 * and .npy files: weight.npy (float32 [rows, dim]), indices.npy (int32|int64 [N]),
 * offsets.npy (int32|int64 [B] or [B+1]), optional per_sample_weights.npy
 * (float32 [N]), grad_output.npy (float32 [B, dim]), optimizer_state.npy
 * (float32 [rows, dim] for adagrad, [rows] for rowwise_adagrad; zeros when absent).
 *
 * Running a case writes output.npy (float32 [B, dim]); with "argmax": true,
 * argmax.npy (int32 [B, dim]: the lookup position that supplied each element,
 * -1 for an empty bag); with a grad_output,
 * grad_rows.npy (int64 [U], strictly ascending) and grad_values.npy (float32
 * [U, dim]); with an optimizer, weight_updated.npy, and for adagrad and
 * rowwise_adagrad optimizer_state_updated.npy. All outputs are computed and
 * encoded before the first file is written, so a bad case leaves no outputs.
 */
import { constants as bufferConstants } from 'node:buffer';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MODES, prepareBags, type Mode } from './bags';
import { castedGatherReduce, expandCoalescePrepared, type CoalescedGrad } from './backward';
import { castPrepared } from './casting';
import { ModelError, shapeText } from './errors';
import { firstBitDifference } from './fp32';
import { gatherReducePrepared } from './forward';
import { decodeNpy, encodeNpy, type NpyArray, type NpyData } from './npy';
import { applyOptimizer, checkHyper, OPTIMIZER_KINDS, type OptimizerSpec } from './optim';

export interface CaseConfig {
  mode: Mode;
  includeLastOffset: boolean;
  paddingIdx: number | null;
  optimizer: OptimizerSpec | null;
  /** Max mode: also write argmax.npy, the forward's argmax positions [B, dim] int32 (default false). */
  argmax?: boolean;
  /** A batched case (TBE layout, model/batchcase.ts): the number of tables T. */
  tables?: number;
}

export interface Case {
  config: CaseConfig;
  rows: number;
  dim: number;
  weight: Float32Array;
  indices: Int32Array | BigInt64Array;
  offsets: Int32Array | BigInt64Array;
  perSampleWeights: Float32Array | null;
  gradOutput: Float32Array | null;
  optimizerState: Float32Array | null;
}

export interface CaseResult {
  output: Float32Array;
  numBags: number;
  dim: number;
  grad: CoalescedGrad | null;
  weightUpdated: Float32Array | null;
  stateUpdated: Float32Array | null;
  /** Shapes to write with, per output file name. */
  files: Record<string, { data: NpyData; shape: number[] }>;
}

/** Every file name `runCase` may write. */
export const OUTPUT_FILES = [
  'output.npy', 'argmax.npy', 'grad_rows.npy', 'grad_values.npy', 'weight_updated.npy', 'optimizer_state_updated.npy',
] as const;

const CASE_KEYS = ['mode', 'include_last_offset', 'padding_idx', 'optimizer', 'argmax', 'tables'];

function jsonError(what: string, key: string, value?: unknown): ModelError {
  return new ModelError(`case.json: ${what}`, { array: `case.json:${key}`, value });
}

/** Parses and checks case.json's text. */
export function parseCaseJson(text: string): CaseConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ModelError(`case.json: not valid JSON (${(e as Error).message}); see docs/MODEL.md for the format`, { array: 'case.json' });
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ModelError('case.json: must be a JSON object {"mode": ..., "include_last_offset": ..., "padding_idx": ..., "optimizer": ...}', { array: 'case.json' });
  }
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!CASE_KEYS.includes(k)) throw jsonError(`unknown key "${k}"; the keys are ${CASE_KEYS.join(', ')}`, k);
  }
  const mode = o.mode;
  if (typeof mode !== 'string' || !MODES.includes(mode as Mode)) {
    throw jsonError(`"mode" is ${JSON.stringify(mode)}; use "sum", "mean" or "max"`, 'mode', mode);
  }
  const ilo = o.include_last_offset ?? false;
  if (typeof ilo !== 'boolean') throw jsonError(`"include_last_offset" is ${JSON.stringify(ilo)}; use true or false`, 'include_last_offset', ilo);
  const pad = o.padding_idx ?? null;
  if (pad !== null && !(typeof pad === 'number' && Number.isInteger(pad))) {
    throw jsonError(`"padding_idx" is ${JSON.stringify(pad)}; use an integer row (negative counts from the end) or null`, 'padding_idx', pad);
  }
  const argmax = o.argmax ?? false;
  if (typeof argmax !== 'boolean') throw jsonError(`"argmax" is ${JSON.stringify(argmax)}; use true or false`, 'argmax', argmax);
  if (argmax && mode !== 'max') throw jsonError(`"argmax": true needs "mode": "max" (the argmax positions exist in max mode only), got "${mode}"`, 'argmax', argmax);
  const cfg: CaseConfig = { mode: mode as Mode, includeLastOffset: ilo, paddingIdx: pad as number | null, optimizer: parseOptimizer(o.optimizer ?? null), ...(argmax ? { argmax } : {}) };
  if (o.tables === undefined) return cfg;
  // A batched case (docs/MODEL.md 6): FBGEMM's TBE, so sum or mean, offsets [T·B+1], no padding_idx, no argmax.
  const T = o.tables;
  if (typeof T !== 'number' || !Number.isInteger(T) || T < 1 || T > 4096) throw jsonError(`"tables" is ${JSON.stringify(T)}; use the number of tables, 1..4096 (weight_0.npy .. weight_{T-1}.npy)`, 'tables', T);
  if (mode !== 'sum' && mode !== 'mean') throw jsonError(`a batched case ("tables") pools with "sum" or "mean" (as FBGEMM's TBE), not "${mode}"`, 'mode', mode);
  if (o.include_last_offset === false) throw jsonError('a batched case has offsets [T·B+1] (include_last_offset is always true); drop "include_last_offset" or set it to true', 'include_last_offset', false);
  if (pad !== null) throw jsonError('a batched case has no padding_idx (as FBGEMM\'s TBE); set "padding_idx" to null', 'padding_idx', pad);
  if (cfg.optimizer) throw jsonError('a batched case takes no optimizer; run the tables as separate cases to update them', 'optimizer');
  if (argmax) throw jsonError('a batched case has no max mode, so no argmax', 'argmax', argmax);
  return { ...cfg, includeLastOffset: true, tables: T };
}

function parseOptimizer(v: unknown): OptimizerSpec | null {
  if (v === null) return null;
  if (typeof v !== 'object' || Array.isArray(v)) {
    throw jsonError(`"optimizer" is ${JSON.stringify(v)}; use null or {"kind": "sgd"|"adagrad"|"rowwise_adagrad", "lr": ..., "eps": ...}`, 'optimizer', v);
  }
  const o = v as Record<string, unknown>;
  const kind = o.kind;
  if (typeof kind !== 'string' || !(OPTIMIZER_KINDS as readonly string[]).includes(kind)) {
    throw jsonError(`unknown optimizer kind ${JSON.stringify(kind)}; use "sgd", "adagrad" or "rowwise_adagrad"`, 'optimizer.kind', kind);
  }
  const allowed = kind === 'sgd' ? ['kind', 'lr'] : ['kind', 'lr', 'eps'];
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) throw jsonError(`optimizer ${kind} takes ${allowed.join(', ')}; unknown key "${k}"`, `optimizer.${k}`);
  }
  const num = (k: string): number => {
    const x = o[k];
    if (typeof x !== 'number' || !Number.isFinite(x)) {
      throw jsonError(`optimizer "${k}" is ${JSON.stringify(x)}; ${kind} needs a finite number`, `optimizer.${k}`, x);
    }
    let x32: number;
    try {
      x32 = checkHyper(k, x);
    } catch (e) {
      throw jsonError((e as Error).message, `optimizer.${k}`, x);
    }
    // eps keeps Adagrad's divisor sqrt(m) + eps away from 0 for a row whose gradient is 0.
    if (k === 'eps' && !(x32 > 0)) {
      throw jsonError(`optimizer "eps" is ${x}; it must be greater than 0 in binary32${x > 0 ? ` (${x} rounds to 0)` : ''}, e.g. 1e-10`, 'optimizer.eps', x);
    }
    return x;
  };
  if (kind === 'sgd') return { kind, lr: num('lr') };
  return { kind: kind as 'adagrad' | 'rowwise_adagrad', lr: num('lr'), eps: num('eps') };
}

/** Reads `name` in `dir` as .npy (null when absent and not required). */
export function readNpyFile(dir: string, name: string, required: boolean): NpyArray | null {
  const path = join(dir, name);
  if (!existsSync(path)) {
    if (required) throw new ModelError(`${path}: missing; a case directory needs weight.npy, indices.npy and offsets.npy (see docs/MODEL.md)`, { array: name });
    return null;
  }
  if (!statSync(path).isFile()) throw new ModelError(`${path}: not a file`, { array: name });
  return decodeNpy(readWhole(path, name), path);
}

/**
 * A whole file's bytes, read in pieces: readFileSync stops at 2 GiB, one
 * buffer holds up to bufferConstants.MAX_LENGTH (4 GiB); a larger file is a
 * ModelError naming it.
 */
function readWhole(path: string, name: string): Uint8Array {
  const size = statSync(path).size;
  if (size > bufferConstants.MAX_LENGTH) {
    throw new ModelError(
      `${path}: ${(size / 2 ** 30).toFixed(1)} GiB, more than one array can hold (${(bufferConstants.MAX_LENGTH / 2 ** 30).toFixed(1)} GiB); use a smaller table or case`,
      { array: name, value: size },
    );
  }
  const buf = Buffer.allocUnsafe(size);
  const fd = openSync(path, 'r');
  let got = 0;
  try {
    while (got < size) {
      const n = readSync(fd, buf, got, Math.min(size - got, 1 << 30), got);
      if (n === 0) break;
      got += n;
    }
  } finally {
    closeSync(fd);
  }
  return buf.subarray(0, got);
}

/** case.json is a small object; a larger file is not one (and would not fit a string). */
const MAX_CASE_JSON_BYTES = 1 << 20;

/** Checks an .npy array's dtype, rank and (null: any) shape, naming the file. */
export function expectNpy(arr: NpyArray, path: string, dtypes: string[], rank: number, shapeWanted?: (number | null)[]): void {
  if (!dtypes.includes(arr.dtype)) {
    throw new ModelError(`${path}: dtype ${arr.dtype}, expected ${dtypes.join(' or ')}; convert with .astype(np.${dtypes[0]})`, { array: path, value: arr.dtype });
  }
  if (arr.shape.length !== rank) {
    throw new ModelError(`${path}: shape ${shapeText(arr.shape)} has rank ${arr.shape.length}, expected rank ${rank}`, { array: path, value: shapeText(arr.shape) });
  }
  if (shapeWanted) {
    shapeWanted.forEach((s, i) => {
      if (s !== null && arr.shape[i] !== s) {
        throw new ModelError(`${path}: shape ${shapeText(arr.shape)}, expected ${shapeText(shapeWanted.map((x, j) => x ?? arr.shape[j]!))}`, {
          array: path, value: shapeText(arr.shape),
        });
      }
    });
  }
}

/** Reads and checks a case directory's case.json. */
export function readCaseConfig(dir: string): CaseConfig {
  if (!existsSync(dir)) {
    throw new ModelError(`${dir}: no such case directory; give a directory with case.json and the .npy inputs`, { array: dir });
  }
  if (!statSync(dir).isDirectory()) {
    throw new ModelError(`${dir} is a file, not a case directory; give the directory that holds case.json and the .npy inputs`, { array: dir });
  }
  const cjPath = join(dir, 'case.json');
  if (!existsSync(cjPath)) throw new ModelError(`${cjPath}: missing; a case directory needs case.json (see docs/MODEL.md)`, { array: 'case.json' });
  const st = statSync(cjPath);
  if (!st.isFile()) throw new ModelError(`${cjPath}: not a file; case.json must be a JSON file (see docs/MODEL.md)`, { array: 'case.json' });
  if (st.size > MAX_CASE_JSON_BYTES) {
    throw new ModelError(`${cjPath}: ${st.size} bytes; case.json is a small JSON object of a few keys (at most ${MAX_CASE_JSON_BYTES} bytes; see docs/MODEL.md)`, { array: 'case.json', value: st.size });
  }
  let config: CaseConfig;
  try {
    config = parseCaseJson(readFileSync(cjPath, 'utf8'));
  } catch (e) {
    if (e instanceof ModelError) throw new ModelError(e.message.replace(/^case\.json:/, `${cjPath}:`), { array: e.array ?? 'case.json', value: e.value });
    throw e;
  }
  return config;
}

/** The .npy inputs a (non-batched) case directory may hold. */
export const CASE_INPUTS = ['weight.npy', 'indices.npy', 'offsets.npy', 'per_sample_weights.npy', 'grad_output.npy', 'optimizer_state.npy'] as const;

/**
 * Refuses a .npy file in the case directory that is neither one of its inputs
 * (`isInput`, listed as `inputs` in the message) nor an output tcast writes
 * (the outputs may go to the case directory itself): a misspelt optional input
 * (per_sample_weight.npy) or a table past "tables" would be ignored, and the
 * case would run without it.
 */
export function checkCaseFiles(dir: string, isInput: (name: string) => boolean, inputs: string): void {
  for (const f of readdirSync(dir).sort()) {
    if (!f.endsWith('.npy') || isInput(f) || (OUTPUT_FILES as readonly string[]).includes(f) || /^grad_(rows|values)_\d+\.npy$/.test(f)) continue;
    throw new ModelError(`${join(dir, f)}: not an input of this case, so it would be ignored; the inputs are ${inputs} (see docs/MODEL.md): rename it or move it out of the case directory`, { array: f });
  }
}

/** Loads and checks a case directory (shapes and dtypes; values are checked when run). */
export function loadCase(dir: string): Case {
  const config = readCaseConfig(dir);
  if (config.tables !== undefined) throw new ModelError(`${join(dir, 'case.json')}: a batched case ("tables": ${config.tables}); load it with loadBatchedCase (model/batchcase.ts)`, { array: 'case.json' });
  checkCaseFiles(dir, (f) => (CASE_INPUTS as readonly string[]).includes(f), CASE_INPUTS.join(', '));
  const p = (n: string) => join(dir, n);
  const weight = readNpyFile(dir, 'weight.npy', true)!;
  expectNpy(weight, p('weight.npy'), ['float32'], 2);
  const [rows, dim] = weight.shape as [number, number];
  if (dim < 1) throw new ModelError(`${p('weight.npy')}: shape ${shapeText(weight.shape)} has embedding dimension 0`, { array: 'weight.npy' });
  const indices = readNpyFile(dir, 'indices.npy', true)!;
  expectNpy(indices, p('indices.npy'), ['int64', 'int32'], 1);
  const offsets = readNpyFile(dir, 'offsets.npy', true)!;
  expectNpy(offsets, p('offsets.npy'), ['int64', 'int32'], 1);
  const n = indices.shape[0]!;
  const numBags = offsets.shape[0]! - (config.includeLastOffset ? 1 : 0);
  const psw = readNpyFile(dir, 'per_sample_weights.npy', false);
  if (psw) expectNpy(psw, p('per_sample_weights.npy'), ['float32'], 1, [n]);
  const grad = readNpyFile(dir, 'grad_output.npy', false);
  if (grad) expectNpy(grad, p('grad_output.npy'), ['float32'], 2, [Math.max(0, numBags), dim]);
  const state = readNpyFile(dir, 'optimizer_state.npy', false);
  const opt = config.optimizer;
  if (opt && !grad) {
    throw new ModelError(`${p('grad_output.npy')}: missing; case.json has an optimizer (${opt.kind}), which needs grad_output.npy`, { array: 'grad_output.npy' });
  }
  if (state) {
    if (!opt || opt.kind === 'sgd') {
      throw new ModelError(`${p('optimizer_state.npy')}: given, but ${opt ? 'sgd has no state' : 'case.json has no optimizer'}; remove the file or set an adagrad optimizer`, {
        array: 'optimizer_state.npy',
      });
    }
    if (opt.kind === 'adagrad') expectNpy(state, p('optimizer_state.npy'), ['float32'], 2, [rows, dim]);
    else expectNpy(state, p('optimizer_state.npy'), ['float32'], 1, [rows]);
  }
  return {
    config, rows, dim,
    weight: weight.data as Float32Array,
    indices: indices.data as Int32Array | BigInt64Array,
    offsets: offsets.data as Int32Array | BigInt64Array,
    perSampleWeights: psw ? (psw.data as Float32Array) : null,
    gradOutput: grad ? (grad.data as Float32Array) : null,
    optimizerState: state ? (state.data as Float32Array) : null,
  };
}

export interface RunOptions {
  /**
   * Also run the expand-coalesce backward and check it equals the casted one
   * bit for bit (an internal self-check; a mismatch is a bug in tcast). Default true.
   */
  crossCheck?: boolean;
}

/** Floats one array can hold: a typed array and the .npy buffer written from it must fit Node's limit. */
export const MAX_ARRAY_FLOATS = Math.floor(Math.min(bufferConstants.MAX_LENGTH, 2 ** 32) / 4) - 1024;

/** Refuses, before any allocation, an array the case would need that no array can hold. */
function checkArraySize(what: string, dims: number[], fix: string): void {
  const n = dims.reduce((a, b) => a * b, 1);
  if (n > MAX_ARRAY_FLOATS) {
    throw new ModelError(
      `${what} would be ${shapeText(dims)} = ${n} floats (${((n * 4) / 2 ** 30).toFixed(1)} GiB), more than one array can hold (${MAX_ARRAY_FLOATS} floats); ${fix}`,
      { array: what, value: shapeText(dims) },
    );
  }
}

/** Runs the golden model on a loaded case. Does not touch the inputs. */
export function runCase(c: Case, opts: RunOptions = {}): CaseResult {
  const { config, rows, dim } = c;
  const numBags = Math.max(0, c.offsets.length - (config.includeLastOffset ? 1 : 0));
  checkArraySize('output.npy', [numBags, dim], 'use fewer bags (offsets) or a smaller embedding dimension');
  if (c.gradOutput && (opts.crossCheck ?? true)) {
    checkArraySize('the expanded gradient of the cross-check', [c.indices.length, dim], "run with --no-cross-check (the casted backward never expands it)");
  }
  const bags = prepareBags({
    indices: c.indices, offsets: c.offsets, includeLastOffset: config.includeLastOffset,
    paddingIdx: config.paddingIdx, perSampleWeights: c.perSampleWeights,
  }, rows, config.mode);
  const fwd = gatherReducePrepared(c.weight, dim, bags, config.mode);
  const B = bags.numBags;
  const files: CaseResult['files'] = { 'output.npy': { data: fwd.output, shape: [B, dim] } };
  if (config.argmax && fwd.argmaxPos) files['argmax.npy'] = { data: fwd.argmaxPos, shape: [B, dim] };
  let grad: CoalescedGrad | null = null;
  let weightUpdated: Float32Array | null = null;
  let stateUpdated: Float32Array | null = null;
  if (c.gradOutput) {
    if (c.gradOutput.length !== B * dim) {
      throw new ModelError(`grad_output has ${c.gradOutput.length / dim} rows but there are ${B} bags`, { array: 'grad_output.npy' });
    }
    grad = castedGatherReduce(castPrepared(bags, config.mode), c.gradOutput, dim, fwd.argmaxPos);
    if (opts.crossCheck ?? true) {
      const ec = expandCoalescePrepared(bags, config.mode, c.gradOutput, dim, fwd.argmaxPos);
      const dr = ec.rows.length !== grad.rows.length || ec.rows.some((r, i) => r !== grad!.rows[i]);
      const dv = firstBitDifference(ec.values, grad.values);
      if (dr || dv !== -1) {
        throw new Error(`internal: casted and expand-coalesce backward differ (${dr ? 'rows' : `value ${dv}`}); please report`);
      }
    }
    files['grad_rows.npy'] = { data: BigInt64Array.from(grad.rows, (r) => BigInt(r)), shape: [grad.rows.length] };
    files['grad_values.npy'] = { data: grad.values, shape: [grad.rows.length, dim] };
  }
  const opt = config.optimizer;
  if (opt) {
    if (!grad) throw new ModelError(`the optimizer ${opt.kind} needs grad_output.npy`, { array: 'grad_output.npy' });
    weightUpdated = Float32Array.from(c.weight);
    if (opt.kind !== 'sgd') {
      stateUpdated = c.optimizerState ? Float32Array.from(c.optimizerState) : new Float32Array(opt.kind === 'adagrad' ? rows * dim : rows);
    }
    applyOptimizer(opt, weightUpdated, stateUpdated, rows, grad);
    files['weight_updated.npy'] = { data: weightUpdated, shape: [rows, dim] };
    if (stateUpdated) files['optimizer_state_updated.npy'] = { data: stateUpdated, shape: opt.kind === 'adagrad' ? [rows, dim] : [rows] };
  }
  return { output: fwd.output, numBags: B, dim, grad, weightUpdated, stateUpdated, files };
}

/**
 * Writes a result's files into outDir (created if needed). All files are
 * encoded first, written under temporary names, then renamed; outputs of an
 * earlier run that this result does not produce are removed. Returns the paths.
 */
export function writeCaseOutputs(result: Pick<CaseResult, 'files'>, outDir: string): string[] {
  const encoded = Object.entries(result.files).map(([name, f]) => [name, encodeNpy(f.data, f.shape)] as const);
  const tmp: string[] = [];
  try {
    mkdirSync(outDir, { recursive: true });
    for (const [name, bytes] of encoded) {
      const t = join(outDir, `.${name}.tmp-${process.pid}`);
      writeFileSync(t, bytes);
      tmp.push(t);
    }
  } catch (e) {
    for (const t of tmp) rmSync(t, { force: true });
    throw new ModelError(`${outDir}: cannot write outputs (${(e as Error).message})`, { array: outDir });
  }
  const written: string[] = [];
  try {
    encoded.forEach(([name], i) => {
      const dst = join(outDir, name);
      renameSync(tmp[i]!, dst);
      written.push(dst);
    });
  } catch (e) {
    for (const t of tmp) rmSync(t, { force: true });
    throw new ModelError(`${outDir}: cannot write outputs (${(e as Error).message})`, { array: outDir });
  }
  for (const name of OUTPUT_FILES) {
    if (!(name in result.files)) rmSync(join(outDir, name), { force: true });
  }
  // A batched case's per-table gradients.
  for (const name of readdirSync(outDir)) {
    if (/^grad_(rows|values)_\d+\.npy$/.test(name) && !(name in result.files)) rmSync(join(outDir, name), { force: true });
  }
  return written;
}

/** Loads, runs and writes a case directory. Returns the written paths. */
export function runCaseDir(dir: string, outDir = join(dir, 'out'), opts: RunOptions = {}): string[] {
  return writeCaseOutputs(runCase(loadCase(dir), opts), outDir);
}

/** Writes a case directory (case.json and the .npy inputs); for tests and tools. */
export function writeCaseDir(dir: string, c: Case): void {
  mkdirSync(dir, { recursive: true });
  const cfg = c.config;
  const json = {
    mode: cfg.mode, include_last_offset: cfg.includeLastOffset, padding_idx: cfg.paddingIdx, optimizer: cfg.optimizer,
    ...(cfg.argmax ? { argmax: true } : {}),
  };
  writeFileSync(join(dir, 'case.json'), JSON.stringify(json, null, 2) + '\n');
  const B = c.offsets.length - (cfg.includeLastOffset ? 1 : 0);
  writeFileSync(join(dir, 'weight.npy'), encodeNpy(c.weight, [c.rows, c.dim]));
  writeFileSync(join(dir, 'indices.npy'), encodeNpy(c.indices, [c.indices.length]));
  writeFileSync(join(dir, 'offsets.npy'), encodeNpy(c.offsets, [c.offsets.length]));
  if (c.perSampleWeights) writeFileSync(join(dir, 'per_sample_weights.npy'), encodeNpy(c.perSampleWeights, [c.perSampleWeights.length]));
  if (c.gradOutput) writeFileSync(join(dir, 'grad_output.npy'), encodeNpy(c.gradOutput, [B, c.dim]));
  if (c.optimizerState) {
    const shape = cfg.optimizer?.kind === 'adagrad' ? [c.rows, c.dim] : [c.optimizerState.length];
    writeFileSync(join(dir, 'optimizer_state.npy'), encodeNpy(c.optimizerState, shape));
  }
}
