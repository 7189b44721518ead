/** Child process for the concurrency test: builds the tiny model once and prints the BuildResult as JSON. */
import { buildModel } from '../../../sim/build';
import { tinySpec } from './tiny';

const r = await buildModel(tinySpec(Number(process.argv[2] ?? 0)));
process.stdout.write(JSON.stringify(r) + '\n');
