/**
 * The tcast command line: help, exit codes, one-line errors, and `tcast sim`
 * driving a shipped design from a vector file.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tcast } from './tcast';
import { describe, expect, test } from 'vitest';

const tmp = mkdtempSync(join(tmpdir(), 'tcast-cli-'));
const file = (name: string, text: string): string => { const p = join(tmp, name); writeFileSync(p, text); return p; };

describe('tcast', () => {
  test('--help lists every command; each command has --help, documenting --json', async () => {
    const r = await tcast('--help');
    expect(r.exitCode).toBe(0);
    const listed = [...r.stdout.matchAll(/^ {2}([a-z][a-z0-9-]*) {2}/gm)].map((m) => m[1]!);
    expect(listed).toEqual(expect.arrayContaining(['generate', 'check', 'sim', 'model', 'demo', 'dma', 'formal', 'run', 'report', 'init']));
    for (const c of listed) {
      const h = await tcast(c, '--help');
      expect(h.exitCode).toBe(0);
      expect(h.stdout).toContain(`Usage: tcast ${c} `);
      expect(h.stdout).toMatch(/Exit codes/);
      expect(h.stdout, c).toMatch(/ --json /);
    }
  });

  test('an unknown command or option is a one-line error with exit code 2', async () => {
    const a = await tcast('frobnicate');
    expect(a.exitCode).toBe(2);
    expect(a.stderr.trim().split('\n')).toHaveLength(1);
    const b = await tcast('generate', '--bogus');
    expect(b.exitCode).toBe(2);
    expect(b.stderr).toMatch(/^tcast generate: error: .*--bogus.*see 'tcast generate --help'/);
  });

  test('generate --check: rtl/ matches the generators (JSON output)', async () => {
    const r = await tcast('generate', '--check', '--json');
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ drift: [] });
  });

  test('sim runs a vector file through rtl/queue-d4-w8-reg', async () => {
    const v = file('v.txt', '# fill two, then drain\nenq_valid enq_bits deq_ready\n1 0x11 0\n1 0x22 0\n0 0 1\n0 0 1\n0 0 1\n');
    const r = await tcast('sim', 'queue-d4-w8-reg', '--vectors', v, '--json');
    expect(r.exitCode, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { ports: string[]; cycles: string[][] };
    const col = (p: string) => out.cycles.map((row) => row[out.ports.indexOf(p)]);
    expect(col('count')).toEqual(['0x0', '0x1', '0x2', '0x1', '0x0']);
    expect(col('deq_valid')).toEqual(['0x0', '0x1', '0x1', '0x1', '0x0']);
    expect(col('deq_bits').slice(1, 4)).toEqual(['0x11', '0x11', '0x22']);
  });

  test('sim refuses a bad vector file with the file, line and fix', async () => {
    const cases: [string, RegExp][] = [
      ['enq_valid nope\n1 2\n', /v1\.txt:1: 'nope' is not a port \(inputs: enq_valid, enq_bits, deq_ready\)/],
      ['enq_bits\n0x100\n', /v2\.txt:2: value 0x100 does not fit port enq_bits \(8 bits\)/],
      ['enq_bits deq_ready\n1\n', /v3\.txt:2: 1 values for 2 ports/],
      ['count\n1\n', /v4\.txt:1: 'count' is an output/],
      ['reset\n1\n', /v5\.txt:1: 'reset' is the clock or reset/],
    ];
    for (const [i, [text, re]] of cases.entries()) {
      const r = await tcast('sim', 'queue-d4-w8-reg', '--vectors', file(`v${i + 1}.txt`, text));
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toMatch(re);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
