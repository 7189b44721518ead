/**
 * Every shipped design has a FuseSoC CAPI2 core beside its files.f
 * (rtl/<design>/<design>.core): valid YAML with the CAPI2 keys, its rtl
 * fileset the Verilog of files.f in the same order, its toplevel the top.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { parse } from 'yaml';
import { projectRoot } from '../../generator/hdl/source';

const rtl = join(projectRoot, 'rtl');
const index = JSON.parse(readFileSync(join(rtl, 'designs.json'), 'utf8')) as { name: string; summary: string; top: string; extras?: string[] }[];

test.each(index)('rtl/$name/$name.core is a CAPI2 core of the design', ({ name, summary, top, extras }) => {
  expect(extras).toContain(`${name}.core`);
  const text = readFileSync(join(rtl, name, `${name}.core`), 'utf8');
  expect(text.split('\n')[0]).toBe('CAPI=2:');
  const core = parse(text) as {
    name: string; description: string;
    filesets: Record<string, { file_type: string; files: (string | Record<string, unknown>)[] }>;
    targets: Record<string, { filesets: string[]; toplevel: string; default_tool?: string }>;
  };
  expect(core.name).toMatch(new RegExp(`^tcast:designs:${name}:\\d+\\.\\d+\\.\\d+$`));
  expect(core.description).toBe(summary);
  const filelist = readFileSync(join(rtl, name, 'files.f'), 'utf8').trim().split('\n');
  expect(core.filesets.rtl!.file_type).toBe('verilogSource');
  expect(core.filesets.rtl!.files).toEqual(filelist);
  for (const fs of Object.values(core.filesets)) {
    for (const f of fs.files) expect(existsSync(join(rtl, name, typeof f === 'string' ? f : Object.keys(f)[0]!))).toBe(true);
  }
  for (const t of Object.values(core.targets)) {
    expect(t.toplevel).toBe(top);
    for (const fs of t.filesets) expect(Object.keys(core.filesets)).toContain(fs);
  }
  expect(core.targets.lint!.default_tool).toBe('verilator');
});
