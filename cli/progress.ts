/**
 * Progress on stderr for long work (Verilator builds, long simulations,
 * benchmarks), for the commands and the bench: shown on a terminal only.
 *
 *  - stderr a TTY: a redrawn bar for work of known size (`Progress`), a
 *    ticking elapsed time for a step of unknown length (`step`).
 *  - otherwise (a pipe, a file, a test, a CI log): nothing, so that output
 *    meant for scripts stays clean; `TCAST_PROGRESS=1` asks for plain lines
 *    there instead (a line per 10%, a line per step).
 *  - `TCAST_PROGRESS=0`, or a command's `quiet` (`--json`), silences both.
 *
 * `clearProgress()` (cli/main.ts calls it before printing an error) stops the
 * tickers and ends a half-written line.
 */
type Mode = 'tty' | 'lines' | 'off';

function mode(quiet: boolean): Mode {
  const env = process.env.TCAST_PROGRESS;
  if (quiet || env === '0') return 'off';
  if (process.stderr.isTTY === true) return 'tty';
  return env === '1' ? 'lines' : 'off';
}

/** Whether the last progress write left the cursor mid-line. */
let midLine = false;
const tickers = new Set<ReturnType<typeof setInterval>>();

function write(text: string): void {
  process.stderr.write(text);
  midLine = !text.endsWith('\n');
}

/** Stops every ticking step and ends a half-written progress line (before an error message, say). */
export function clearProgress(): void {
  for (const t of tickers) clearInterval(t);
  tickers.clear();
  if (midLine) write('\n');
}

/** A line of its own on stderr (a lock wait, say), after a half-written progress line; a ticking step goes on below it. */
export function progressNote(line: string): void {
  write(`${midLine ? '\n' : ''}${line}\n`);
}

export class Progress {
  private last = -1;
  private readonly start = Date.now();
  private readonly mode: Mode;
  constructor(private readonly label: string, private readonly total: number, quiet = false) {
    this.mode = mode(quiet);
  }

  /** `done` of `total`; `note` is shown after the bar (a count, a rate). */
  update(done: number, note = ''): void {
    if (this.mode === 'off' || this.total <= 0) return;
    const frac = Math.min(1, done / this.total);
    const pct = Math.floor(frac * 100);
    if (this.mode === 'tty') {
      if (pct === this.last && !note) return;
      const w = 30;
      const fill = Math.round(frac * w);
      write(`\r${this.label} [${'#'.repeat(fill)}${'.'.repeat(w - fill)}] ${[`${pct}%`, this.eta(frac), note].filter(Boolean).join(' ')}\x1b[K`);
    } else {
      const step = Math.floor(pct / 10);
      if (step === Math.floor(this.last / 10)) return;
      write(`${this.label}: ${[`${pct}%`, this.eta(frac), note].filter(Boolean).join(' ')}\n`);
    }
    this.last = pct;
  }

  done(note = ''): void {
    if (this.mode === 'off') return;
    const secs = ((Date.now() - this.start) / 1000).toFixed(1);
    write(`${this.mode === 'tty' ? '\r' : ''}${this.label}: done in ${secs} s${note ? `, ${note}` : ''}${this.mode === 'tty' ? '\x1b[K' : ''}\n`);
  }

  private eta(frac: number): string {
    if (frac <= 0 || frac >= 1) return '';
    const el = (Date.now() - this.start) / 1000;
    return `(~${Math.ceil((el / frac) * (1 - frac))} s left)`;
  }
}

/**
 * A one-line status for a step of unknown length (a build, a simulation):
 * `msg... 12 s` ticking each second on a terminal. Returns the function that
 * ends it (with an optional note: `cached`).
 */
export function step(msg: string, quiet = false): (note?: string) => void {
  const m = mode(quiet);
  const t0 = Date.now();
  const secs = (digits: number) => ((Date.now() - t0) / 1000).toFixed(digits);
  if (m === 'off') return () => {};
  write(`${msg}...`);
  let ticker: ReturnType<typeof setInterval> | undefined;
  if (m === 'tty') {
    ticker = setInterval(() => write(`\r${msg}... ${secs(0)} s\x1b[K`), 1000);
    ticker.unref();
    tickers.add(ticker);
  }
  return (note) => {
    if (ticker) {
      clearInterval(ticker);
      tickers.delete(ticker);
    }
    write(`${m === 'tty' ? `\r${msg}...` : ''} ${secs(1)} s${note ? `, ${note}` : ''}${m === 'tty' ? '\x1b[K' : ''}\n`);
  };
}
