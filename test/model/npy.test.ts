/**
 * .npy reading and writing: round trips, files written by np.save (embedded
 * below, produced by NumPy 1.24), and refusals with clear errors.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeNpy, encodeNpy, ModelError, type NpyData } from '../../model/index';

const b64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));

// np.save(np.array([[1.5, -2, 3], [4, 5, -0.0]], dtype=np.float32))
const F32_2x3 = 'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAMA/AAAAwAAAQEAAAIBAAACgQAAAAIA=';
// np.save(np.array([0, -1, 2**40], dtype=np.int64))
const I64_3 = 'k05VTVBZAQB2AHsnZGVzY3InOiAnPGk4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAAAAP//////////AAAAAAABAAA=';
// np.lib.format.write_array(f, np.array([7, 8, 9, 10], dtype=np.int32), version=(2, 0))
const I32_V2 = 'k05VTVBZAgB0AAAAeydkZXNjcic6ICc8aTQnLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoNCwpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoHAAAACAAAAAkAAAAKAAAA';
// np.save(np.array([1, 2], dtype='>f4'))
const BE_F4 = 'k05VTVBZAQB2AHsnZGVzY3InOiAnPmY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAo/gAAAQAAAAA==';
// np.save(np.asfortranarray(np.array([[1, 2], [3, 4]], dtype=np.float32)))
const FORTRAN = 'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBUcnVlLCAnc2hhcGUnOiAoMiwgMiksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAIA/AABAQAAAAEAAAIBA';
// np.save(np.array([1.0, 2.0]))  (float64)
const F64 = 'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAADwPwAAAAAAAABA';
// np.save(np.array([{'a': 1}], dtype=object), allow_pickle=True)
const OBJ = 'k05VTVBZAQB2AHsnZGVzY3InOiAnfE8nLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMSwpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAqAA2NudW1weS5jb3JlLm11bHRpYXJyYXkKX3JlY29uc3RydWN0CnEAY251bXB5Cm5kYXJyYXkKcQFLAIVxAkMBYnEDh3EEUnEFKEsBSwGFcQZjbnVtcHkKZHR5cGUKcQdYAgAAAE84cQiJiIdxCVJxCihLA1gBAAAAfHELTk5OSv////9K/////0s/dHEMYoldcQ19cQ5YAQAAAGFxD0sBc2F0cRBiLg==';
// np.save(np.zeros((0, 4), dtype=np.float32))
const EMPTY = 'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDAsIDQpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAo=';

describe('npy: files written by np.save', () => {
  it('reads float32 2-D (v1 header)', () => {
    const a = decodeNpy(b64(F32_2x3));
    expect(a.dtype).toBe('float32');
    expect(a.shape).toEqual([2, 3]);
    expect(Array.from(a.data as Float32Array)).toEqual([1.5, -2, 3, 4, 5, -0]);
    expect(Object.is((a.data as Float32Array)[5], -0)).toBe(true);
  });

  it('reads int64 1-D, including -1 and 2^40', () => {
    const a = decodeNpy(b64(I64_3));
    expect(a.dtype).toBe('int64');
    expect(Array.from(a.data as BigInt64Array)).toEqual([0n, -1n, 2n ** 40n]);
  });

  it('reads int32 with a v2 header', () => {
    const a = decodeNpy(b64(I32_V2));
    expect(a.dtype).toBe('int32');
    expect(a.shape).toEqual([4]);
    expect(Array.from(a.data as Int32Array)).toEqual([7, 8, 9, 10]);
  });

  it('reads an empty [0, 4] array', () => {
    const a = decodeNpy(b64(EMPTY));
    expect(a.shape).toEqual([0, 4]);
    expect(a.data.length).toBe(0);
  });

  it('writes exactly what np.save writes (byte for byte)', () => {
    expect(Buffer.from(encodeNpy(Float32Array.from([1.5, -2, 3, 4, 5, -0]), [2, 3])).toString('base64')).toBe(F32_2x3);
    expect(Buffer.from(encodeNpy(BigInt64Array.from([0n, -1n, 2n ** 40n]), [3])).toString('base64')).toBe(I64_3);
    expect(Buffer.from(encodeNpy(new Float32Array(0), [0, 4])).toString('base64')).toBe(EMPTY);
  });
});

describe('npy: round trips', () => {
  const shapeArb = fc.oneof(
    fc.tuple(fc.integer({ min: 0, max: 40 })).map((s) => [...s]),
    fc.tuple(fc.integer({ min: 0, max: 8 }), fc.integer({ min: 1, max: 8 })).map((s) => [...s]),
  );
  it('float32, int32 and int64, 1-D and 2-D, keep every bit and the shape', () => {
    fc.assert(
      fc.property(shapeArb, fc.constantFrom('float32', 'int32', 'int64'), fc.integer(), (shape, dtype, seed) => {
        const n = shape.reduce((a, b) => a * b, 1);
        let data: NpyData;
        if (dtype === 'float32') {
          const u = Uint32Array.from({ length: n }, (_, i) => (Math.imul(seed ^ i, 2654435761) >>> 0));
          data = new Float32Array(u.buffer);
        } else if (dtype === 'int32') data = Int32Array.from({ length: n }, (_, i) => Math.imul(seed, i + 1));
        else data = BigInt64Array.from({ length: n }, (_, i) => BigInt(seed) * BigInt(i + 1) * 4294967311n);
        const back = decodeNpy(encodeNpy(data, shape));
        const bytes = (x: NpyData) => Buffer.from(x.buffer, x.byteOffset, x.byteLength);
        return back.dtype === dtype && back.shape.join() === shape.join() && bytes(back.data).equals(bytes(data));
      }),
      { numRuns: 200 },
    );
  });

  it('the data starts at a multiple of 64 bytes and the header ends with a newline', () => {
    for (const n of [0, 1, 5, 1000]) {
      const bytes = encodeNpy(new Int32Array(n), [n]);
      const hl = bytes[8]! | (bytes[9]! << 8);
      expect((10 + hl) % 64).toBe(0);
      expect(bytes[10 + hl - 1]).toBe(0x0a);
    }
  });
});

describe('npy: refusals', () => {
  const refuse = (bytes: Uint8Array, re: RegExp) => {
    expect(() => decodeNpy(bytes, 'x.npy')).toThrow(ModelError);
    expect(() => decodeNpy(bytes, 'x.npy')).toThrow(re);
  };
  it('refuses big-endian, float64, pickled objects and Fortran order, naming the file and the fix', () => {
    refuse(b64(BE_F4), /^x\.npy: dtype '>f4' is not supported; use little-endian float32/);
    refuse(b64(F64), /dtype '<f8' is not supported/);
    refuse(b64(OBJ), /dtype '\|O' is not supported/);
    refuse(b64(FORTRAN), /Fortran-ordered arrays are not supported; save a C-ordered copy/);
  });

  it('refuses non-npy, truncated, padded, unknown-version and malformed files', () => {
    refuse(new TextEncoder().encode('hello world, not numpy'), /not a NumPy \.npy file/);
    const good = b64(F32_2x3);
    refuse(good.subarray(0, good.length - 1), /truncated: shape \[2, 3\] of float32 needs 24 data bytes, the file has 23/);
    const padded = new Uint8Array(good.length + 4);
    padded.set(good);
    refuse(padded, /has 4 bytes after the data/);
    const v3 = Uint8Array.from(good);
    v3[6] = 3;
    refuse(v3, /format version 3\.0 is not supported/);
    refuse(good.subarray(0, 40), /truncated \.npy header/);
    const bad = Uint8Array.from(good);
    const text = new TextDecoder().decode(bad.subarray(10, 10 + 118)).replace("'shape'", "'shapf'");
    bad.set(new TextEncoder().encode(text), 10);
    refuse(bad, /unexpected key 'shapf'/);
    const badShape = Uint8Array.from(good);
    const t2 = new TextDecoder().decode(badShape.subarray(10, 10 + 118)).replace('(2, 3)', '(2, x)');
    badShape.set(new TextEncoder().encode(t2), 10);
    refuse(badShape, /malformed dimension "x"/);
  });

  it('refuses to write data whose length disagrees with the shape', () => {
    expect(() => encodeNpy(new Float32Array(5), [2, 3])).toThrow(/cannot write an array of 5 elements with shape \[2, 3\]/);
  });
});
