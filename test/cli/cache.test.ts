/**
 * `tcast cache`: the listing of a build cache (builds, name tables, logs of
 * failed builds), prune by last use (a locked build kept; --dry-run removes
 * nothing), clear, and one-line errors for bad options. On a cache of its own
 * made of stand-in entries (no Verilator).
 */
import { existsSync, mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, test } from 'vitest';
import { projectRoot } from '../../generator/hdl/source';

const DAY = 24 * 60 * 60;

/** A cache folder with builds a (used 30 days ago), b (used now) and c (30 days, locked), two name tables and two logs. */
function makeCache(): { dir: string; keys: { a: string; b: string; c: string }; tables: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'tcast-cache-'));
  const keys = { a: 'a'.repeat(32), b: 'b'.repeat(32), c: 'c'.repeat(32) };
  const old = Date.now() / 1000 - 30 * DAY;
  for (const [k, top] of [[keys.a, 'Old'], [keys.b, 'Fresh'], [keys.c, 'Held']] as const) {
    mkdirSync(join(dir, k, 'bin'), { recursive: true });
    writeFileSync(join(dir, k, 'bin', `V${top}_sim`), Buffer.alloc(1000));
    writeFileSync(join(dir, k, 'meta.json'), JSON.stringify({ key: k, top, binary: `bin/V${top}_sim`, trace: false, builtAt: '2026-10-01T00:00:00.000Z' }));
    if (k !== keys.b) utimesSync(join(dir, k), old, old);
  }
  mkdirSync(join(dir, `${keys.c}.lock`));
  mkdirSync(join(dir, 'names'));
  const tables = ['1'.repeat(64), '2'.repeat(64)].map((h) => `${h}.json`);
  tables.forEach((t, i) => {
    writeFileSync(join(dir, 'names', t), '{"sites":{}}');
    if (i === 0) utimesSync(join(dir, 'names', t), old, old);
  });
  writeFileSync(join(dir, `failed-${'d'.repeat(32)}.log`), 'old failure');
  utimesSync(join(dir, `failed-${'d'.repeat(32)}.log`), old, old);
  writeFileSync(join(dir, `failed-${'e'.repeat(32)}.log`), 'new failure');
  return { dir, keys, tables };
}

const tcastIn = (cache: string, ...args: string[]) =>
  execa('node', [join(projectRoot, 'bin/tcast.js'), 'cache', ...args], { cwd: projectRoot, reject: false, env: { TCAST_CACHE_DIR: cache } });

describe('tcast cache', () => {
  test('list: every build with its top and last use, name tables and failed-build logs', async () => {
    const { dir, keys } = makeCache();
    const r = await tcastIn(dir, '--json');
    expect(r.exitCode, r.stderr).toBe(0);
    const l = JSON.parse(r.stdout) as { root: string; builds: { key: string; top: string; lastUsed: string; bytes: number; locked: boolean }[]; nameTables: { files: number }; failedLogs: { files: number } };
    expect(l.root).toBe(dir);
    expect(l.builds.map((b) => [b.key, b.top, b.locked])).toEqual([[keys.a, 'Old', false], [keys.b, 'Fresh', false], [keys.c, 'Held', true]]);
    expect(l.builds.every((b) => b.bytes >= 1000)).toBe(true);
    expect(Date.now() - Date.parse(l.builds[0]!.lastUsed)).toBeGreaterThan(29 * DAY * 1000);
    expect(Date.now() - Date.parse(l.builds[1]!.lastUsed)).toBeLessThan(DAY * 1000);
    expect(l.nameTables.files).toBe(2);
    expect(l.failedLogs.files).toBe(2);
    const text = await tcastIn(dir);
    expect(text.stdout).toMatch(/^build cache .*: 3 build\(s\)/);
  });

  test('prune removes what was not used for --older-than days (a locked build stays); --dry-run removes nothing', async () => {
    const { dir, keys, tables } = makeCache();
    const dry = await tcastIn(dir, 'prune', '--older-than', '7', '--dry-run', '--json');
    expect(dry.exitCode, dry.stderr).toBe(0);
    const d = JSON.parse(dry.stdout) as { removed: { what: string; name: string }[]; keptLocked: string[] };
    expect(d.removed.map((x) => `${x.what} ${x.name}`).sort()).toEqual([`build ${keys.a}`, `failed-build log failed-${'d'.repeat(32)}.log`, `name table ${tables[0]}`]);
    expect(d.keptLocked).toEqual([keys.c]);
    expect(existsSync(join(dir, keys.a))).toBe(true);
    const r = await tcastIn(dir, 'prune', '--older-than', '7');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/removed 1 build\(s\), 1 name table\(s\), 1 failed-build log\(s\).*kept 1 build\(s\) a process holds/);
    expect(existsSync(join(dir, keys.a))).toBe(false);
    expect(existsSync(join(dir, keys.b))).toBe(true);
    expect(existsSync(join(dir, keys.c))).toBe(true);
    expect(existsSync(join(dir, 'names', tables[0]!))).toBe(false);
    expect(existsSync(join(dir, 'names', tables[1]!))).toBe(true);
  });

  test('clear removes every build but a locked one, every name table and log', async () => {
    const { dir, keys, tables } = makeCache();
    const r = await tcastIn(dir, 'clear', '--json');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(existsSync(join(dir, keys.a)) || existsSync(join(dir, keys.b))).toBe(false);
    expect(existsSync(join(dir, keys.c))).toBe(true);
    expect(tables.some((t) => existsSync(join(dir, 'names', t)))).toBe(false);
    expect(['d', 'e'].some((c) => existsSync(join(dir, `failed-${c.repeat(32)}.log`)))).toBe(false);
  });

  test('only tcast\'s files go: a key-named folder without meta.json and a foreign tmp- folder stay; a dead process\'s lock protects nothing', async () => {
    const { dir, keys } = makeCache();
    const old = Date.now() / 1000 - 30 * DAY;
    const foreign = ['f'.repeat(32), 'tmp-something'];
    for (const f of foreign) { mkdirSync(join(dir, f)); writeFileSync(join(dir, f, 'data'), 'not tcast\'s'); utimesSync(join(dir, f), old, old); }
    // Build c's lock: owned by a process of this host that is gone (pid 2^22 + 1 is above Linux's pid limit).
    writeFileSync(join(dir, `${keys.c}.lock`, 'owner'), JSON.stringify({ pid: 4194305, host: hostname(), started: 0 }));
    const l = JSON.parse((await tcastIn(dir, '--json')).stdout) as { builds: { key: string; locked: boolean }[] };
    expect(l.builds.map((b) => [b.key, b.locked])).toEqual([[keys.a, false], [keys.b, false], [keys.c, false]]);
    const r = await tcastIn(dir, 'clear', '--json');
    expect(r.exitCode, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { keptLocked: string[] }).keptLocked).toEqual([]);
    for (const k of [keys.a, keys.b, keys.c]) expect(existsSync(join(dir, k))).toBe(false);
    expect(existsSync(join(dir, `${keys.c}.lock`))).toBe(false);
    for (const f of foreign) expect(existsSync(join(dir, f, 'data'))).toBe(true);
  });

  test('bad options: one line, exit 2', async () => {
    const { dir } = makeCache();
    for (const args of [['prune', '--older-than', 'soon'], ['prune', '--older-than', '-1'], ['prune', '--older-than=-1'], ['tidy'], ['list', '--older-than', '3'], ['prune', 'clear']]) {
      const r = await tcastIn(dir, ...args);
      expect(r.exitCode, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^tcast cache: error: /);
    }
  });
});
