/**
 * Progress on stderr for long work: a redrawn bar on a terminal, a line per
 * 10% otherwise (CI logs), nothing with `quiet`.
 */
export class Progress {
  private last = -1;
  private readonly start = Date.now();
  private readonly tty = process.stderr.isTTY === true;
  constructor(private readonly label: string, private readonly total: number, private readonly quiet = false) {}

  update(done: number): void {
    if (this.quiet || this.total <= 0) return;
    const frac = Math.min(1, done / this.total);
    const pct = Math.floor(frac * 100);
    if (this.tty) {
      if (pct === this.last) return;
      const w = 30;
      const fill = Math.round(frac * w);
      process.stderr.write(`\r${this.label} [${'#'.repeat(fill)}${'.'.repeat(w - fill)}] ${pct}% ${this.eta(frac)}`);
    } else {
      const step = Math.floor(pct / 10);
      if (step === Math.floor(this.last / 10)) return;
      process.stderr.write(`${this.label}: ${pct}% ${this.eta(frac)}\n`);
    }
    this.last = pct;
  }

  done(note = ''): void {
    if (this.quiet) return;
    const secs = ((Date.now() - this.start) / 1000).toFixed(1);
    if (this.tty) process.stderr.write(`\r${this.label}: done in ${secs} s${note ? `, ${note}` : ''}\x1b[K\n`);
    else process.stderr.write(`${this.label}: done in ${secs} s${note ? `, ${note}` : ''}\n`);
  }

  private eta(frac: number): string {
    if (frac <= 0 || frac >= 1) return '';
    const el = (Date.now() - this.start) / 1000;
    return `(~${Math.ceil((el / frac) * (1 - frac))} s left)`;
  }
}

/** A one-line status for a step of unknown length. */
export function step(msg: string, quiet = false): () => void {
  const t0 = Date.now();
  if (!quiet) process.stderr.write(`${msg}...`);
  return () => { if (!quiet) process.stderr.write(` ${((Date.now() - t0) / 1000).toFixed(1)} s\n`); };
}
