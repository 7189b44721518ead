/**
 * The golden model's own error class. It is user-facing (the CLI prints its
 * message as one line, without a stack trace, and exits with `exitCode`), and
 * it names the array, the position and the value that are wrong, so the user
 * can find and fix the bad input. The model imports nothing from cli/: the CLI
 * recognises the error by its `userFacing = true` field (duck-typed).
 */
export class ModelError extends Error {
  readonly userFacing = true;
  /** EXIT.usage in cli/command.ts: the input was wrong. */
  readonly exitCode: number = 2;
  /** The array (or file, or field) at fault, e.g. `indices` or `offsets.npy`. */
  readonly array: string | undefined;
  /** The position in that array, when the fault is one element. */
  readonly position: number | undefined;
  /** The offending value, as text. */
  readonly value: string | undefined;

  constructor(message: string, where?: { array?: string; position?: number; value?: unknown }) {
    super(message);
    this.name = 'ModelError';
    this.array = where?.array;
    this.position = where?.position;
    this.value = where?.value === undefined ? undefined : String(where.value);
  }
}

/** The valid row numbers of a table with `rows` rows, as text: `0..9`, or `none (the table has no rows)`. */
export function rowRange(rows: number): string {
  return rows > 0 ? `0..${rows - 1}` : 'none (the table has no rows)';
}

/** Formats a shape the way NumPy prints it: `[3, 4]`. */
export function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
