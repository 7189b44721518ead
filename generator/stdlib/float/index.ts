/**
 * IEEE-754 binary32 arithmetic units (docs/FP32.md): add/subtract, multiply,
 * divide, square root, the EmbeddingBag running max, and unsigned integer to
 * float conversion. All round to nearest even and handle subnormals, signed
 * zeros, infinities and NaN (canonical quiet NaN 0x7FC00000 out).
 */
export { Fp32Add, fp32AddSteps, type Fp32AddOptions } from './add';
export { Fp32Mul, fp32MulSteps, type Fp32MulOptions } from './mul';
export { Fp32Div, fp32DivSteps, type Fp32DivOptions } from './div';
export { Fp32Sqrt, fp32SqrtSteps, type Fp32SqrtOptions } from './sqrt';
export { Fp32Max, fp32MaxSteps, type Fp32MaxOptions } from './max';
export { Fp32FromUInt, fp32FromUIntSteps, type Fp32FromUIntOptions } from './convert';
export { QNAN, INF, BIAS, gtF32, unpack, lzc, shrSticky, roundPack, roundStep, normalizeSteps, type F32 } from './common';
export { pipeline, cutPoints, segmentWeight, type Bus, type Step } from './pipeline';
