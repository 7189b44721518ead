/** The tensor-casting engine (accel/engine/): the configurations shipped in rtl/ and used by the tests and the bench. */
import { TcastEngine, type EngineOptions } from '../../accel/engine/engine';
import type { DesignEntry } from './registry';

/** Named configurations (`tcast run --config NAME`); the first is the default. */
export const ENGINE_CONFIGS: Record<string, EngineOptions> = {
  'engine-d128': { dataBits: 128, addrBits: 32, maxReads: 8, maxBurst: 4, maxDim: 64, queueDepth: 8, addLatency: 3, bags: 1, maxWrites: 8 },
};
/** The configuration the test suite simulates (test/engine/). */
export const ENGINE_TEST_CONFIG = 'engine-d128';

const designs: DesignEntry[] = Object.entries(ENGINE_CONFIGS).map(([name, cfg]) => ({
  name,
  summary: `tensor-casting gather-reduce engine: ${cfg.dataBits}-bit AXI4, ${cfg.addrBits ?? 32}-bit addresses, ${cfg.maxReads} reads in flight, dim up to ${cfg.maxDim}`,
  make: () => new TcastEngine(cfg),
}));
export default designs;
