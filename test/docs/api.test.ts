/**
 * docs/api/ (the API reference of the DSL, the stdlib and tcast/sim, from the
 * doc comments; `npm run docs`) matches what TypeDoc produces now.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { expect, test } from 'vitest';
import { projectRoot } from '../../generator/hdl/source';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : [join(dir, f)]));
}

test("docs/api matches the doc comments (run 'npm run docs' and commit)", () => {
  const out = mkdtempSync(join(tmpdir(), 'tcast-api-'));
  try {
    execFileSync(process.execPath, [join(projectRoot, 'node_modules', 'typedoc', 'bin', 'typedoc'), '--out', out, '--logLevel', 'Error'], { cwd: projectRoot, stdio: 'pipe' });
    const want = join(projectRoot, 'docs', 'api');
    const fresh = files(out).map((f) => relative(out, f)).sort();
    expect(files(want).map((f) => relative(want, f)).sort()).toEqual(fresh);
    const drift = fresh.filter((f) => readFileSync(join(out, f), 'utf8') !== readFileSync(join(want, f), 'utf8'));
    expect(drift).toEqual([]);
    // The reference covers the three layers a user meets.
    expect(fresh).toEqual(expect.arrayContaining(['generator/classes/Module.md', 'generator/stdlib/classes/Queue.md', 'sim/functions/runStreams.md']));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
