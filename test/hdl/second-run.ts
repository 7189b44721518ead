// Run by features.test.ts as a separate process: asks for the Verilator build
// of the target in the JSON file named by argv[2] and prints whether the cache
// served it (a "second run" of an unchanged design).
import { readFileSync } from 'node:fs';
import { buildTarget } from '../../sim/vectors';
import { buildCounters } from '../../sim/cache';

const target = JSON.parse(readFileSync(process.argv[2]!, 'utf8'));
const r = await buildTarget(target);
console.log(JSON.stringify({ cached: r.cached, counters: buildCounters() }));
