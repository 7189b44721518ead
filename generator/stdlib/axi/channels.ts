/**
 * AXI4 channels as ready/valid streams. The AXI4 bundle keeps the flat AMBA
 * port names (`s_axi_awaddr`, ...); `channel(port, 'aw')` views one channel
 * of it as a Decoupled stream `{ valid, ready, bits: { id, addr, len, ... } }`
 * made of the same signals, so every stream block works on it:
 *
 *   const aw = queue(axi4Channels(p).aw, channel(this.io.s_axi, 'aw'), { depth: 4 });  // a FIFO on AW
 *   connect(channel(this.io.m_axi, 'ar'), skid(ar, axi4Channels(p).ar));               // a skid buffer driving AR
 *
 * Directions follow the port: on a slave port (`In(Axi4(p))`) the AW, W and
 * AR channels are streams coming in and B and R go out; on a master port the
 * other way round. `Axi4Slice` puts a SkidBuffer on all five channels (an AXI4
 * register slice).
 */
import { ElaborationError } from '../../hdl/errors';
import { In, Module, Out, connect, instance, type Signal } from '../../hdl/module';
import { Bool, Bundle, UInt, type HwType } from '../../hdl/types';
import { AXI4_SIGNALS, Axi4, resolveAxi4, type Axi4Params } from './bundles';
import { SkidBuffer } from '../skid';

export type Axi4ChannelName = keyof typeof AXI4_SIGNALS;

/** The payload (everything but valid and ready) of each AXI4 channel, fields named without the channel prefix. */
export function axi4Channels(p: Axi4Params) {
  const a = resolveAxi4(p);
  const addr = Bundle({ id: UInt(a.idBits), addr: UInt(a.addrBits), len: UInt(8), size: UInt(3), burst: UInt(2), lock: Bool, cache: UInt(4), prot: UInt(3), qos: UInt(4) });
  return {
    aw: addr,
    w: Bundle({ data: UInt(a.dataBits), strb: UInt(a.beatBytes), last: Bool }),
    b: Bundle({ id: UInt(a.idBits), resp: UInt(2) }),
    ar: addr,
    r: Bundle({ id: UInt(a.idBits), data: UInt(a.dataBits), resp: UInt(2), last: Bool }),
  };
}

/** One channel of an AXI4 port as a stream: `{ valid, ready, bits: { <field>: Signal } }`. */
export function channel(port: Record<string, unknown>, ch: Axi4ChannelName): { valid: Signal; ready: Signal; bits: Record<string, Signal> } {
  const names = AXI4_SIGNALS[ch] as readonly string[] | undefined;
  if (names === undefined) throw new ElaborationError('BAD STRUCTURE', `channel(): '${String(ch)}' is not an AXI4 channel (aw, w, b, ar, r)`);
  const get = (n: string): Signal => {
    const s = port[n];
    if (s === undefined) throw new ElaborationError('BAD STRUCTURE', `channel(): the port has no ${n}; pass an AXI4 port (In(Axi4(p)) or Out(Axi4(p)))`);
    return s as Signal;
  };
  const bits: Record<string, Signal> = {};
  for (const n of names) if (n !== `${ch}valid` && n !== `${ch}ready`) bits[n.slice(ch.length)] = get(n);
  return { valid: get(`${ch}valid`), ready: get(`${ch}ready`), bits };
}

/** A SkidBuffer fed by `src` (a stream of `payload`), in one line; returns its output stream. */
export function skid<T extends HwType>(src: { valid: unknown; ready: Signal; bits: unknown }, payload: T): SkidBuffer<T>['io']['out'] {
  const s = instance(new SkidBuffer(payload));
  connect(s.io.in, src as never);
  return s.io.out;
}

/**
 * An AXI4 register slice: a SkidBuffer on each of the five channels, so every
 * signal between `s_axi` and `m_axi` is registered. Latency 1 cycle per
 * channel; throughput one beat per cycle on each.
 */
export class Axi4Slice extends Module {
  readonly io;
  constructor(readonly params: Axi4Params) {
    super();
    this.io = this.ports({ s_axi: In(Axi4(params)), m_axi: Out(Axi4(params)) });
  }
  override get moduleName(): string {
    const a = resolveAxi4(this.params);
    return `Axi4Slice_d${a.dataBits}_a${a.addrBits}_i${a.idBits}`;
  }
  override get doc(): string {
    return 'AXI4 register slice: a skid buffer on AW, W, B, AR and R. Latency 1 cycle per channel; throughput 1 beat/cycle.';
  }
  protected build(): void {
    const t = axi4Channels(this.params);
    const { s_axi, m_axi } = this.io;
    connect(channel(m_axi, 'aw'), skid(channel(s_axi, 'aw'), t.aw));
    connect(channel(m_axi, 'w'), skid(channel(s_axi, 'w'), t.w));
    connect(channel(s_axi, 'b'), skid(channel(m_axi, 'b'), t.b));
    connect(channel(m_axi, 'ar'), skid(channel(s_axi, 'ar'), t.ar));
    connect(channel(s_axi, 'r'), skid(channel(m_axi, 'r'), t.r));
  }
}
