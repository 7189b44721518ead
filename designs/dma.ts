/** The DMA engine (accel/dma/): the configurations shipped in rtl/ and used by the tests and the bench. */
import { AxiDma, type DmaOptions } from '../accel/dma/dma';
import type { DesignEntry } from './registry';

/** The configuration the test suite simulates (test/axi/); its fault-injecting twin adds `faults: true`. */
export const DMA_TEST_CONFIG: DmaOptions = { dataBits: 64, addrBits: 32, maxReads: 4, maxBurst: 16, maxWrites: 4 };
/** The bench configurations (bench/dma.ts; simulated only, not shipped: their reorder RAM is large for a generic Yosys run). */
export const DMA_BENCH_CONFIGS: DmaOptions[] = [
  { dataBits: 256, addrBits: 32, maxReads: 8, maxBurst: 32, maxWrites: 8 },
  { dataBits: 512, addrBits: 32, maxReads: 8, maxBurst: 32, maxWrites: 8 },
];

const designs: DesignEntry[] = [
  {
    name: 'dma-d64-r4-b16',
    summary: 'AXI4 DMA copy engine: 64-bit data, 32-bit addresses, 4 reads in flight, 16-beat bursts, AXI4-Lite registers',
    make: () => new AxiDma(DMA_TEST_CONFIG),
  },
  {
    name: 'dma-d128-a64-r2-b8',
    summary: 'AXI4 DMA copy engine: 128-bit data, 64-bit addresses, 2 reads in flight, 8-beat bursts',
    make: () => new AxiDma({ dataBits: 128, addrBits: 64, maxReads: 2, maxBurst: 8, maxWrites: 2 }),
  },
];
export default designs;
