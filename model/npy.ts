/**
 * Reading and writing NumPy .npy files (format versions 1.0 and 2.0, as
 * `np.save` writes them) for the dtypes the model uses: little-endian float32
 * (`<f4`), int32 (`<i4`) and int64 (`<i8`), C order, any rank. Anything else
 * (big-endian, other dtypes, Fortran order for rank ≥ 2, version 3.0, a
 * truncated or malformed file, pickled objects) is refused with a
 * {@link ModelError} that names the file and says what is wrong.
 *
 * Format: magic "\x93NUMPY", major, minor, header length (uint16 LE for 1.0,
 * uint32 LE for 2.0), then an ASCII Python dict literal
 * `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }` padded with
 * spaces and ending in "\n" so that the data starts at a multiple of 64 bytes.
 */
import { ModelError, shapeText } from './errors';

export type NpyDtype = 'float32' | 'int32' | 'int64';

export type NpyData = Float32Array | Int32Array | BigInt64Array;

export interface NpyArray {
  dtype: NpyDtype;
  shape: number[];
  data: NpyData;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

const DESCR: Record<NpyDtype, string> = { float32: '<f4', int32: '<i4', int64: '<i8' };
const BYTES: Record<NpyDtype, number> = { float32: 4, int32: 4, int64: 8 };

function dtypeOf(data: NpyData): NpyDtype {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Int32Array) return 'int32';
  return 'int64';
}

/** Serialises an array as a version 1.0 .npy (2.0 if the header needs it). */
export function encodeNpy(data: NpyData, shape: readonly number[]): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) {
    throw new ModelError(`cannot write an array of ${data.length} elements with shape ${shapeText(shape)}`);
  }
  const dtype = dtypeOf(data);
  const shapeStr = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${DESCR[dtype]}', 'fortran_order': False, 'shape': ${shapeStr}, }`;
  let version = 1;
  let pre = 10;
  let total = Math.ceil((pre + dict.length + 1) / 64) * 64;
  if (total - pre > 0xffff) {
    version = 2;
    pre = 12;
    total = Math.ceil((pre + dict.length + 1) / 64) * 64;
  }
  const headerLen = total - pre;
  const header = dict + ' '.repeat(headerLen - dict.length - 1) + '\n';
  const bytes = new Uint8Array(total + data.byteLength);
  bytes.set(MAGIC, 0);
  bytes[6] = version;
  bytes[7] = 0;
  const dv = new DataView(bytes.buffer);
  if (version === 1) dv.setUint16(8, headerLen, true);
  else dv.setUint32(8, headerLen, true);
  for (let i = 0; i < header.length; i++) bytes[pre + i] = header.charCodeAt(i);
  bytes.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), total);
  return bytes;
}

function bad(file: string, what: string): ModelError {
  return new ModelError(`${file}: ${what}`, { array: file });
}

/** Parses the header dict: exactly the keys descr, fortran_order, shape. */
function parseHeader(text: string, file: string): { descr: string; fortran: boolean; shape: number[] } {
  const t = text.trim();
  if (!t.startsWith('{') || !t.endsWith('}')) throw bad(file, `malformed .npy header ${JSON.stringify(text.slice(0, 80))}`);
  let body = t.slice(1, -1).trim();
  const out: { descr?: string; fortran?: boolean; shape?: number[] } = {};
  while (body.length > 0) {
    const key = /^'([a-z_]+)'\s*:\s*/.exec(body);
    if (!key) throw bad(file, `malformed .npy header near ${JSON.stringify(body.slice(0, 40))}`);
    body = body.slice(key[0].length);
    let m: RegExpExecArray | null;
    switch (key[1]) {
      case 'descr':
        m = /^'([^']*)'/.exec(body);
        if (!m) throw bad(file, 'malformed descr in .npy header (only simple dtypes are supported)');
        out.descr = m[1]!;
        break;
      case 'fortran_order':
        m = /^(True|False)/.exec(body);
        if (!m) throw bad(file, 'malformed fortran_order in .npy header');
        out.fortran = m[1] === 'True';
        break;
      case 'shape': {
        m = /^\(([^)]*)\)/.exec(body);
        if (!m) throw bad(file, 'malformed shape in .npy header');
        const parts = m[1]!.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
        const shape = parts.map((s) => {
          const v = /^[0-9]+L?$/.test(s) ? Number.parseInt(s, 10) : NaN;
          if (!Number.isSafeInteger(v)) throw bad(file, `malformed dimension ${JSON.stringify(s)} in .npy shape`);
          return v;
        });
        out.shape = shape;
        break;
      }
      default:
        throw bad(file, `unexpected key '${key[1]}' in .npy header`);
    }
    body = body.slice(m[0].length).trim();
    if (body.startsWith(',')) body = body.slice(1).trim();
    else if (body.length > 0) throw bad(file, `malformed .npy header near ${JSON.stringify(body.slice(0, 40))}`);
  }
  if (out.descr === undefined || out.fortran === undefined || out.shape === undefined) {
    throw bad(file, '.npy header lacks one of descr, fortran_order, shape');
  }
  return { descr: out.descr, fortran: out.fortran, shape: out.shape };
}

/**
 * Parses a .npy file. `file` names it in errors. The data is copied into a
 * fresh, aligned typed array.
 */
export function decodeNpy(bytes: Uint8Array, file = 'array.npy'): NpyArray {
  if (bytes.length < 10 || !MAGIC.every((b, i) => bytes[i] === b)) {
    throw bad(file, 'not a NumPy .npy file (the magic string \\x93NUMPY is missing); save it with np.save');
  }
  const major = bytes[6]!;
  const minor = bytes[7]!;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let pre: number;
  if (major === 1 && minor === 0) {
    headerLen = dv.getUint16(8, true);
    pre = 10;
  } else if (major === 2 && minor === 0) {
    if (bytes.length < 12) throw bad(file, 'truncated .npy header');
    headerLen = dv.getUint32(8, true);
    pre = 12;
  } else {
    throw bad(file, `.npy format version ${major}.${minor} is not supported (only 1.0 and 2.0, as np.save writes for plain dtypes)`);
  }
  if (pre + headerLen > bytes.length) throw bad(file, 'truncated .npy header');
  let text = '';
  for (let i = pre; i < pre + headerLen; i++) {
    const c = bytes[i]!;
    if (c > 0x7e || (c < 0x20 && c !== 0x0a)) throw bad(file, 'the .npy header is not plain ASCII');
    text += String.fromCharCode(c);
  }
  const { descr, fortran, shape } = parseHeader(text, file);
  let dtype: NpyDtype;
  if (descr === '<f4') dtype = 'float32';
  else if (descr === '<i4') dtype = 'int32';
  else if (descr === '<i8') dtype = 'int64';
  else {
    throw bad(file, `dtype '${descr}' is not supported; use little-endian float32 ('<f4'), int32 ('<i4') or int64 ('<i8')`);
  }
  if (fortran && shape.filter((s) => s !== 1).length > 1) {
    throw bad(file, 'Fortran-ordered arrays are not supported; save a C-ordered copy (np.ascontiguousarray)');
  }
  const count = shape.reduce((a, b) => a * b, 1);
  const dataStart = pre + headerLen;
  const need = count * BYTES[dtype];
  const have = bytes.length - dataStart;
  if (have < need) throw bad(file, `truncated: shape ${shapeText(shape)} of ${dtype} needs ${need} data bytes, the file has ${have}`);
  if (have > need) throw bad(file, `has ${have - need} bytes after the data of shape ${shapeText(shape)}; not a plain np.save file`);
  // A fresh, aligned copy (a Node Buffer's slice() would share its pool).
  const raw = new Uint8Array(need);
  raw.set(bytes.subarray(dataStart, dataStart + need));
  const data: NpyData =
    dtype === 'float32' ? new Float32Array(raw.buffer, 0, count)
      : dtype === 'int32' ? new Int32Array(raw.buffer, 0, count)
        : new BigInt64Array(raw.buffer, 0, count);
  return { dtype, shape, data };
}
