/** `tcast ARGS...` and `npm run bench -- ARGS...` as subprocesses in the project root, for the CLI tests. */
import { execa } from 'execa';
import { vi } from 'vitest';
import { main } from '../../cli/main';
import { join } from 'node:path';
import { projectRoot } from '../../generator/hdl/source';

/** `tcast ARGS...`; never rejects (check exitCode). */
export const tcast = (...args: string[]) => execa('node', [join(projectRoot, 'bin/tcast.js'), ...args], { cwd: projectRoot, reject: false });

/** `npm run bench -- ARGS...` as a subprocess (tsx's loader, as `npm run bench` runs it); never rejects (check exitCode). */
export const bench = (...args: string[]) => execa('node', ['--import', 'tsx', join(projectRoot, 'bench/run.ts'), ...args], { cwd: projectRoot, reject: false });

/**
 * `tcast ARGS` in this process (cli/main's main: no node start-up, so a refusal
 * costs milliseconds): the exit code and what it printed. For refusals before
 * any work; one that could hang (a recursive mkdir under /proc), wait (a build
 * lock) or build when it regresses runs as a subprocess with a timeout instead.
 * One call at a time: it sets this process's working folder and environment
 * while the command runs.
 */
export async function tcastHere(args: string[], cwd: string = process.cwd(), env: Record<string, string> = {}): Promise<{ exitCode: number; stderr: string; stdout: string }> {
  const err: string[] = [];
  const out: string[] = [];
  const e = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => { err.push(a.join(' ')); });
  const l = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => { out.push(a.join(' ')); });
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  const here = process.cwd();
  Object.assign(process.env, env);
  process.chdir(cwd);
  try {
    return { exitCode: await main(args), stderr: err.join('\n'), stdout: out.join('\n') };
  } finally {
    process.chdir(here);
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    e.mockRestore();
    l.mockRestore();
  }
}
