/**
 * `npm run lint` refuses the JS-`if` trap before anything runs: the project's
 * ESLint configuration (typescript-eslint's strict-boolean-expressions) on a
 * file that tests a hardware value with a JavaScript `if`.
 */
import { execa } from 'execa';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { projectRoot } from '../../generator/hdl/source';

test('lint refuses a hardware value used as a JavaScript condition, at its line', async () => {
  const file = join(projectRoot, 'test/lint/fixtures/trap.ts');
  const line = readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes('// the trap')) + 1;
  const r = await execa('npx', ['eslint', '--no-ignore', '--parser-options=projectService:false', '--parser-options=project:test/lint/fixtures/tsconfig.json', '--format', 'json', file], { cwd: projectRoot, reject: false });
  expect(r.exitCode).toBe(1);
  const [report] = JSON.parse(r.stdout) as { messages: { ruleId: string; line: number; message: string }[] }[];
  const hits = report!.messages.filter((m) => m.ruleId === '@typescript-eslint/strict-boolean-expressions');
  expect(hits.map((m) => m.line)).toEqual([line]);
  expect(hits[0]!.message).toMatch(/object value in conditional/);
});
