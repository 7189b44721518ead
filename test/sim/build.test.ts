import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BuildError, buildModel, computeKey, lastBuild, type BuildResult } from '../../sim/build';
import { buildCounters, cacheRoot, readBuildLog, REPO_ROOT, withLock } from '../../sim/cache';
import { ToolMissingError, resetToolCache } from '../../sim/tools';
import { simulate } from '../../sim/vectors';
import { tinySpec } from './helpers/tiny';
import { counter, fixture } from './targets';

const savedCacheDir = process.env.TCAST_CACHE_DIR;
let tmpCache: string;

function useTempCache() {
  tmpCache = mkdtempSync(join(tmpdir(), 'tcast-cache-test-'));
  process.env.TCAST_CACHE_DIR = tmpCache;
}
function restoreCache() {
  if (savedCacheDir === undefined) delete process.env.TCAST_CACHE_DIR;
  else process.env.TCAST_CACHE_DIR = savedCacheDir;
  if (tmpCache) rmSync(tmpCache, { recursive: true, force: true });
}

describe('simulate reuses the build cache', () => {
  it('a second simulate of an unchanged target does not invoke the Verilator build', async () => {
    expect(cacheRoot()).toBe(process.env.TCAST_CACHE_DIR || join(REPO_ROOT, '.cache', 'verilator'));
    await simulate(counter, [{ cycles: 2, watch: ['count'] }]);
    const key = lastBuild()!.key;
    const before = buildCounters();
    const logBefore = readBuildLog().filter((e) => e.key === key).length;
    // A use marks the build (what `tcast cache prune` goes by): set it 30 days back, use it, see it marked now.
    const monthAgo = Date.now() / 1000 - 30 * 24 * 3600;
    utimesSync(lastBuild()!.dir, monthAgo, monthAgo);
    const [r] = await simulate(counter, [{ cycles: 3, drive: { en: [1] }, watch: ['count'] }]);
    expect(Date.now() - statSync(lastBuild()!.dir).mtimeMs).toBeLessThan(60_000);
    expect(r!.outputs.count).toEqual([0n, 1n, 2n]);
    expect(lastBuild()).toMatchObject({ cached: true, key });
    expect(buildCounters().builds).toBe(before.builds);
    expect(buildCounters().cacheHits).toBe(before.cacheHits + 1);
    expect(readBuildLog().filter((e) => e.key === key)).toHaveLength(logBefore);
    expect(logBefore).toBeLessThanOrEqual(1);
  });

  it('the key changes with the harness, the flags, the trace option and the sources', () => {
    const spec = tinySpec();
    const src = spec.sources!;
    const k = computeKey(spec, src, 'Verilator 5.006');
    expect(computeKey({ ...spec }, src, 'Verilator 5.006')).toBe(k);
    expect(computeKey({ ...spec, trace: true }, src, 'Verilator 5.006')).not.toBe(k);
    expect(computeKey({ ...spec, flags: ['-DX'] }, src, 'Verilator 5.006')).not.toBe(k);
    expect(computeKey({ ...spec, harness: [{ name: 'main.cpp', text: '//' }] }, src, 'Verilator 5.006')).not.toBe(k);
    expect(computeKey(spec, src, 'Verilator 5.008')).not.toBe(k);
    expect(computeKey(spec, tinySpec(1).sources!, 'Verilator 5.006')).not.toBe(k);
  });
});

describe('buildModel (in a fresh cache directory)', () => {
  beforeEach(useTempCache);
  afterEach(restoreCache);

  it('builds once (also for two simultaneous calls), then hits the cache; a changed source rebuilds', async () => {
    const c0 = buildCounters();
    const [a, b] = await Promise.all([buildModel(tinySpec()), buildModel(tinySpec())]);
    expect(a!.cached).toBe(false);
    expect(b!.key).toBe(a!.key);
    expect(a!.binary.startsWith(join(tmpCache, a!.key))).toBe(true);
    expect(readBuildLog()).toHaveLength(1);
    expect(readBuildLog()[0]).toMatchObject({ key: a!.key, top: 'tiny', trace: false, pid: process.pid });
    expect(buildCounters().builds).toBe(c0.builds + 1);
    expect((await execa(a!.binary)).stdout).toBe('5');

    const again = await buildModel(tinySpec());
    expect(again).toMatchObject({ cached: true, key: a!.key, binary: a!.binary, buildSeconds: a!.buildSeconds });
    expect(lastBuild()!.cached).toBe(true);
    expect(readBuildLog()).toHaveLength(1);
    expect(buildCounters().builds).toBe(c0.builds + 1);

    const changed = await buildModel(tinySpec(1));
    expect(changed.cached).toBe(false);
    expect(changed.key).not.toBe(a!.key);
    expect(readBuildLog()).toHaveLength(2);
    expect((await execa(changed.binary)).stdout).toBe('6');
    // Only finished builds and the log are left: no temp dirs, no locks.
    expect(readdirSync(tmpCache).sort()).toEqual([a!.key, changed.key, 'builds.log'].sort());
  });

  it('two processes building the same key at once produce one build', async () => {
    const tsx = join(REPO_ROOT, 'node_modules', '.bin', 'tsx');
    const script = fileURLToPath(new URL('./helpers/build_once.ts', import.meta.url));
    const env = { ...process.env, TCAST_CACHE_DIR: tmpCache };
    const runs = await Promise.all([0, 1].map(() => execa(tsx, [script, '0'], { env, cwd: REPO_ROOT })));
    const results = runs.map((r) => JSON.parse(r.stdout.trim().split('\n').pop()!) as BuildResult);
    expect(results.map((r) => r.cached).sort()).toEqual([false, true]);
    expect(results[0]!.binary).toBe(results[1]!.binary);
    expect(readBuildLog()).toHaveLength(1);
    expect((await execa(results[0]!.binary)).stdout).toBe('5');
    expect(readdirSync(tmpCache).filter((f) => f.startsWith('tmp-') || f.endsWith('.lock'))).toEqual([]);
  });

  it('a build error shows Verilator’s message with the caller’s file and line, and caches nothing', async () => {
    const err = await buildModel({ top: 'syntax_error', files: [fixture('syntax_error')], harness: tinySpec().harness }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(BuildError);
    const e = err as BuildError;
    expect(e.userFacing).toBe(true);
    expect(e.message).toContain(`Verilator build of 'syntax_error' failed: %Error: ${fixture('syntax_error')}:7:1: syntax error`);
    expect(existsSync(e.logFile)).toBe(true);
    expect(readBuildLog()).toHaveLength(0);
    expect(readdirSync(tmpCache).filter((f) => /^[0-9a-f]{32}$/.test(f))).toEqual([]);
  });

  it('a missing Verilator is a ToolMissingError', async () => {
    const saved = process.env.PATH;
    process.env.PATH = '/nonexistent';
    resetToolCache();
    try {
      await expect(buildModel(tinySpec())).rejects.toBeInstanceOf(ToolMissingError);
    } finally {
      process.env.PATH = saved;
      resetToolCache();
    }
  });
});

describe('withLock', () => {
  beforeEach(useTempCache);
  afterEach(restoreCache);

  it('breaks a lock left by a dead process', async () => {
    const dead = spawn('true');
    await new Promise((r) => dead.on('close', r));
    mkdirSync(join(tmpCache, 'k.lock'));
    writeFileSync(join(tmpCache, 'k.lock', 'owner'), JSON.stringify({ pid: dead.pid, host: hostname(), started: Date.now() }));
    let ran = false;
    await withLock('k', async () => {
      ran = true;
    }, { timeoutMs: 5000 });
    expect(ran).toBe(true);
    expect(existsSync(join(tmpCache, 'k.lock'))).toBe(false);
  });

  it('waits for a lock held by a live process', async () => {
    const live = spawn('sleep', ['30']);
    try {
      mkdirSync(join(tmpCache, 'k.lock'));
      writeFileSync(join(tmpCache, 'k.lock', 'owner'), JSON.stringify({ pid: live.pid, host: hostname(), started: Date.now() }));
      let waited = false;
      let ranAt = 0;
      const releaseAt = Date.now() + 600;
      setTimeout(() => rmSync(join(tmpCache, 'k.lock'), { recursive: true, force: true }), 600);
      await withLock('k', async () => {
        ranAt = Date.now();
      }, { onWait: () => (waited = true) });
      expect(waited).toBe(true);
      expect(ranAt).toBeGreaterThanOrEqual(releaseAt - 5);
      await expect(withLock('k', async () => 1, { timeoutMs: 10 })).resolves.toBe(1);
    } finally {
      live.kill();
    }
  });
});
