/** Where in the user's TypeScript a piece of hardware was built. */
export interface SourceLoc {
  /** Path relative to the project root, with forward slashes. */
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** `file:line`, or '' when unknown. */
export function locToString(loc: SourceLoc | undefined): string {
  return loc ? `${loc.file}:${loc.line}` : '';
}
