/** The tensor-casting engine (accel/engine/): the configurations shipped in rtl/ and used by the tests and the bench. */
import { TcastEngine, type EngineOptions } from '../accel/engine/engine';
import { TcastEngineChannels } from '../accel/engine/channels';
import type { DesignEntry } from './registry';

/**
 * The 512-bit configuration (the bench's, shipped as engine-d512): 256 reads and 256 writes in flight (a 200-cycle
 * latency at one beat per row, dim 16), rows up to 128 elements, 8 bags interleaved in the reducer with token queues
 * of 128 lookups (the DLRM preset's bags are 100 lookups) and a spill of 2048 tokens shared by them (the
 * production-reuse preset's longest segment is 2,241 lookups).
 */
export const ENGINE_BENCH_CONFIG: EngineOptions = { dataBits: 512, addrBits: 32, maxReads: 256, maxBurst: 8, maxDim: 128, queueDepth: 32, addLatency: 3, bags: 8, tokenDepth: 128, spillDepth: 2048, maxWrites: 256 };

/** Named configurations (`tcast run --config NAME`); the first is the default. `channels` > 1: a TcastEngineChannels top. */
export const ENGINE_CONFIGS: Record<string, EngineOptions> = {
  'engine-d128': { dataBits: 128, addrBits: 32, maxReads: 32, maxBurst: 4, maxDim: 64, queueDepth: 16, addLatency: 3, bags: 1, maxWrites: 8 },
  'engine-d512': ENGINE_BENCH_CONFIG,
  'engine-d256c2': { dataBits: 256, addrBits: 32, maxReads: 64, maxBurst: 8, maxDim: 128, queueDepth: 16, addLatency: 3, bags: 4, tokenDepth: 32, maxWrites: 32, channels: 2 },
};

/** The configuration the test suite simulates (test/engine/). */
export const ENGINE_TEST_CONFIG = 'engine-d128';

/** The engine of a configuration: one TcastEngine, or with `channels` > 1 a top of that many column-slice cores. */
export function makeEngine(cfg: EngineOptions): TcastEngine | TcastEngineChannels {
  const channels = cfg.channels ?? 1;
  return channels > 1 ? new TcastEngineChannels({ ...cfg, channels }) : new TcastEngine(cfg);
}

const designs: DesignEntry[] = Object.entries(ENGINE_CONFIGS).map(([name, cfg]) => ({
  name,
  summary: `tensor-casting gather-reduce engine: ${(cfg.channels ?? 1) > 1 ? `${cfg.channels} channels of ` : ''}${cfg.dataBits}-bit AXI4, ${cfg.addrBits ?? 32}-bit addresses, ${cfg.maxReads} reads in flight, ${cfg.bags ?? 1} bag(s) interleaved, dim up to ${cfg.maxDim}`,
  make: () => makeEngine(cfg),
}));
export default designs;
