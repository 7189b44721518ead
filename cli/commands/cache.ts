/**
 * `tcast cache [list|prune|clear]`: what the Verilator build cache and the
 * name tables hold (sim/cache.ts), and removing what has not been used for a
 * while (docs/TESTBENCH.md, section 1; sim/cache.ts).
 */
import { EXIT, UsageError, parseOptions, type Command } from '../command';
import { realOption } from '../io';
import { cacheRoot, listCache, pruneCache } from '../../sim/cache';
import { nameCacheDir } from '../../generator/hdl/source';

const DAY_MS = 24 * 60 * 60 * 1000;

const help = `tcast cache: list or prune the Verilator build cache and the name tables

Usage: tcast cache [list|prune|clear] [--older-than DAYS] [--dry-run] [--json]

The cache is $TCAST_CACHE_DIR, else <repo>/.cache/verilator (the name tables
beside it in .cache/names), else ~/.cache/tcast. A build's folder records when
a run last used it.

  list    (the default) where the cache is, each build (top module, size,
          when built, when last used), the name tables and the logs of
          failed builds, with their sizes
  prune   remove the builds and name tables not used for --older-than DAYS
          (default 14), the logs of failed builds as old, and what killed
          tcast processes left behind (not counted by --dry-run)
  clear   remove every build, name table and failed-build log (prune with
          --older-than 0)

A build is removed under its lock, after checking again that no run used it
meanwhile; one that a process is building (its lock held) is kept. A run
that has just found a build does not hold its lock: do not clear the cache
while other tcast runs start. Only tcast's own files are removed (folders
named by a build key that hold meta.json, name tables, failed-build logs,
what killed tcast processes left); a removed build is rebuilt when a run
needs it again.

Options:
  --older-than DAYS  prune: the age, in days (a number >= 0; default 14)
  --dry-run          prune, clear: say what would go, remove nothing
  --json             print the listing or what was removed as JSON

Exit codes: 0 ok; 2 a bad option or an unusable cache directory.`;

const mib = (b: number): string => `${(b / 2 ** 20).toFixed(1)} MiB`;

const command: Command = {
  name: 'cache',
  summary: 'list or prune the Verilator build cache and the name tables',
  help,
  async run(argv) {
    const { values, positionals } = parseOptions('cache', argv, {
      'older-than': { type: 'string' }, 'dry-run': { type: 'boolean' }, json: { type: 'boolean' },
    }, true);
    if (positionals.length > 1) throw new UsageError(`tcast cache takes one action (list, prune or clear), got ${positionals.join(' ')}; see 'tcast cache --help'`);
    const action = positionals[0] ?? 'list';
    if (!['list', 'prune', 'clear'].includes(action)) throw new UsageError(`unknown action '${action}': use list, prune or clear; see 'tcast cache --help'`);
    if (action !== 'prune' && values['older-than'] !== undefined) throw new UsageError(`--older-than goes with prune, not ${action}`);
    if (action === 'list' && values['dry-run'] === true) throw new UsageError('--dry-run goes with prune or clear, not list');
    const days = realOption('--older-than', values['older-than'], 14, (v) => v >= 0, 'of days >= 0');
    const root = cacheRoot();
    const names = nameCacheDir();
    const json = values.json === true;
    if (action === 'list') {
      const l = await listCache(root, names);
      if (json) { console.log(JSON.stringify(l, null, 2)); return EXIT.ok; }
      console.log(`build cache ${root}: ${l.builds.length} build(s), ${mib(l.bytes)} in all`);
      for (const b of [...l.builds].sort((x, y) => y.lastUsed.localeCompare(x.lastUsed))) {
        console.log(`  ${b.key}  ${b.top}${b.trace ? ' (trace)' : ''}  ${mib(b.bytes)}  built ${b.builtAt ?? '?'}  last used ${b.lastUsed}${b.locked ? '  [locked]' : ''}`);
      }
      console.log(`name tables ${l.nameTables.dir}: ${l.nameTables.files} file(s), ${mib(l.nameTables.bytes)}`);
      console.log(`logs of failed builds: ${l.failedLogs.files} file(s), ${mib(l.failedLogs.bytes)}`);
      return EXIT.ok;
    }
    const before = action === 'clear' ? Number.POSITIVE_INFINITY : Date.now() - days * DAY_MS;
    const dryRun = values['dry-run'] === true;
    const r = await pruneCache(root, names, before, dryRun);
    if (json) { console.log(JSON.stringify({ root, action, dryRun, olderThanDays: action === 'clear' ? 0 : days, ...r }, null, 2)); return EXIT.ok; }
    const count = (w: string) => r.removed.filter((x) => x.what === w).length;
    const verb = dryRun ? 'would remove' : 'removed';
    console.log(`tcast cache ${action}: ${verb} ${count('build')} build(s), ${count('name table')} name table(s), ${count('failed-build log')} failed-build log(s)` +
      `${count('debris') ? `, ${count('debris')} piece(s) of debris` : ''}: ${mib(r.bytes)}${action === 'prune' ? ` (not used for ${days} day(s))` : ''}` +
      `${r.keptLocked.length ? `; kept ${r.keptLocked.length} build(s) a process holds` : ''}`);
    return EXIT.ok;
  },
};
export default command;
