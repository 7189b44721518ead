/** Numbers from the environment and the command line, in decimal notation only. */

/** Decimal notation: digits with an optional point and exponent (no 0x/0b/0o, Infinity or blanks, which Number() takes). */
const DECIMAL_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** `s` (leading and trailing blanks aside) as a number when it is written in decimal notation, else NaN. */
export function decimalNumber(s: string): number {
  const t = s.trim();
  return DECIMAL_RE.test(t) ? Number(t) : NaN;
}

/**
 * The duration in environment variable `name` (seconds), in milliseconds: `dfltMs` when it is unset or blank.
 * Anything but a positive decimal number is the error `error` makes of the message (which ends with `fix`).
 */
export function envSeconds(name: string, dfltMs: number, error: (message: string) => Error, fix = ''): number {
  const env = process.env[name];
  if (env === undefined || env.trim() === '') return dfltMs;
  const s = decimalNumber(env);
  if (!Number.isFinite(s) || s <= 0) throw error(`${name} must be a positive number of seconds, got '${env}'${fix}`);
  return s * 1000;
}
