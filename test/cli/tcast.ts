/** `tcast ARGS...` as a subprocess in the project root, for the CLI tests; never rejects (check exitCode). */
import { execa } from 'execa';
import { join } from 'node:path';
import { projectRoot } from '../../generator/hdl/source';

export const tcast = (...args: string[]) => execa('node', [join(projectRoot, 'bin/tcast.js'), ...args], { cwd: projectRoot, reject: false });
