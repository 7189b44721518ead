/** `tcast ARGS...` and `npm run bench -- ARGS...` as subprocesses in the project root, for the CLI tests. */
import { execa } from 'execa';
import { join } from 'node:path';
import { projectRoot } from '../../generator/hdl/source';

/** `tcast ARGS...`; never rejects (check exitCode). */
export const tcast = (...args: string[]) => execa('node', [join(projectRoot, 'bin/tcast.js'), ...args], { cwd: projectRoot, reject: false });

/** `npm run bench -- ARGS...` as a subprocess (tsx's loader, as `npm run bench` runs it); never rejects (check exitCode). */
export const bench = (...args: string[]) => execa('node', ['--import', 'tsx', join(projectRoot, 'bench/run.ts'), ...args], { cwd: projectRoot, reject: false });
