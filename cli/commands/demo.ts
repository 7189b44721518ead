import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT, UsageError, parseOptions, type Command } from '../command';
import { step } from '../progress';
import { generateAll, writeAll } from '../../designs/emit';
import { projectRoot } from '../../generator/hdl/source';
import { castIndicesBatched, generateWorkload, preset, workloadStats, PRESET_NAMES, type PresetName } from '../../model';
import { simulate, type PortSpec } from '../../sim/vectors';

const DESIGN = 'queue-d1024-index-bram';

const help = `Usage: tcast demo [--workload PRESET] [--seed N] [--stall P] [--json]

The main job on the default design and workload:
  1. generates every shipped design into rtl/ (as 'tcast generate');
  2. builds a tensor-casting workload with the golden model and casts its
     indices (the forward's (row, bag) pairs, stably sorted by row);
  3. streams the casted index through the shipped index queue
     (rtl/${DESIGN}) in Verilator, with a consumer that stalls at random,
     and checks that every entry comes out once, in order.

Options:
  --workload PRESET  tiny | small (default small)
  --seed N           workload and stall seed (default 1)
  --stall P          probability that the consumer stalls in a cycle (default 0.25)
  --json             print the figures as JSON

Exit codes: 0 ok, 1 the RTL lost, duplicated or reordered an entry,
2 bad option, 3 a tool is missing (the message says how to install it).`;

const command: Command = {
  name: 'demo',
  summary: 'main job: generate rtl/, cast a workload\'s indices, stream them through the index-queue RTL',
  help,
  async run(argv) {
    const { values } = parseOptions('demo', argv, {
      workload: { type: 'string', default: 'small' }, seed: { type: 'string', default: '1' },
      stall: { type: 'string', default: '0.25' }, json: { type: 'boolean' },
    });
    const quiet = values.json === true;
    const name = values.workload as PresetName;
    if (!['tiny', 'small'].includes(name)) throw new UsageError(`--workload must be tiny or small (the index queue's 24-bit rows and 12-bit bags bound the preset); known presets: ${PRESET_NAMES.join(', ')}`);
    const seed = Number(values.seed);
    const stall = Number(values.stall);
    if (!Number.isInteger(seed) || seed < 0) throw new UsageError(`--seed must be a non-negative integer, got '${values.seed}'`);
    if (!(stall >= 0 && stall < 1)) throw new UsageError(`--stall must be a probability in [0, 1), got '${values.stall}'`);

    // 1. Generate rtl/.
    let end = step('generating the shipped designs into rtl/', quiet);
    const designs = await generateAll();
    writeAll(designs, join(projectRoot, 'rtl'), true);
    end();

    // 2. A workload and its casted index, from the golden model.
    end = step(`casting the indices of workload '${name}' (seed ${seed})`, quiet);
    const w = generateWorkload(preset(name, { seed }));
    const cast = castIndicesBatched({ tables: w.tables, batchSize: w.batchSize, indices: w.indices, offsets: w.offsets, mode: 'sum' });
    const stats = workloadStats(w);
    const entries: bigint[][] = [];
    for (let u = 0; u < cast.uniqueRows.length; u++) {
      for (let k = cast.segOffsets[u]!; k < cast.segOffsets[u + 1]!; k++) entries.push([BigInt(cast.uniqueRows[u]!), BigInt(cast.bagIds[k]!)]);
    }
    end();

    // 3. Co-simulate the index queue.
    const index = JSON.parse(readFileSync(join(projectRoot, 'rtl', 'designs.json'), 'utf8')) as { name: string; top: string; modules: string[]; ports: PortSpec[]; clock: string; reset: { name: string; activeLow: boolean } }[];
    const d = index.find((x) => x.name === DESIGN)!;
    const target = { top: d.top, files: d.modules.map((m) => join(projectRoot, 'rtl', DESIGN, `${m}.v`)), ports: d.ports, clock: d.clock, reset: d.reset };
    let s = seed * 2654435761 % 4294967296 || 1;
    const rand = (): number => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 4294967296; };
    const accept = Array.from({ length: 997 }, () => rand() >= stall);
    end = step(`co-simulating the index queue in Verilator (built once, then cached)`, quiet);
    const [r] = await simulate(target, [{
      cycles: Math.ceil(entries.length / Math.max(0.05, 1 - stall)) * 2 + 100,
      sources: { casted: { stream: { valid: 'enq_valid', ready: 'enq_ready', data: ['enq_bits_row', 'enq_bits_bag'] }, payloads: entries, offer: [true] } },
      sinks: { out: { stream: { valid: 'deq_valid', ready: 'deq_ready', data: ['deq_bits_row', 'deq_bits_bag'] }, accept } },
    }]);
    end();
    const got = r!.received.out!;
    let firstBad = -1;
    for (let i = 0; i < Math.max(got.length, entries.length); i++) {
      const a = entries[i], b = got[i]?.data;
      if (a === undefined || b === undefined || a[0] !== b[0] || a[1] !== b[1]) { firstBad = i; break; }
    }
    const lastCycle = got.length ? got[got.length - 1]!.cycle + 1 : 0;
    const figures = {
      workload: name, seed, tables: w.tables.length, batchSize: w.batchSize,
      lookups: stats.lookups, uniqueRows: cast.uniqueRows.length,
      castedEntries: entries.length, received: got.length, cycles: lastCycle,
      entriesPerCycle: lastCycle ? Number((got.length / lastCycle).toFixed(4)) : 0,
      consumerAcceptRate: Number((accept.filter(Boolean).length / accept.length).toFixed(4)),
      match: firstBad < 0, rtl: `rtl/${DESIGN}`,
    };
    if (values.json) console.log(JSON.stringify(figures, null, 2));
    else {
      console.log(`workload ${name}: ${figures.tables} tables, batch ${figures.batchSize}, ${figures.lookups} lookups, ${figures.uniqueRows} unique rows`);
      console.log(`casted index: ${entries.length} (row, bag) entries in ${figures.uniqueRows} segments`);
      console.log(`index queue RTL: ${got.length} entries out in ${lastCycle} cycles (${figures.entriesPerCycle} per cycle; the consumer accepted ${(figures.consumerAcceptRate * 100).toFixed(0)}% of cycles)`);
      console.log(firstBad < 0 ? 'PASS: every casted entry came out once, in order' : `FAIL: entry ${firstBad} differs (sent ${entries[firstBad]?.join(',')}, got ${got[firstBad]?.data.join(',')})`);
    }
    return firstBad < 0 ? EXIT.ok : EXIT.failed;
  },
};
export default command;
