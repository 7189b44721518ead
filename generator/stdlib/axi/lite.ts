/**
 * An AXI4-Lite register-file slave, as a helper called inside a module's
 * build(): it drives the handshake outputs of an `In(AxiLite())` port and hands
 * the caller one write per accepted AW+W pair and a read-data callback.
 *
 * Behaviour: AW and W are accepted together (AWREADY = WREADY = AWVALID &&
 * WVALID && !BVALID; A3.3.1 lets a slave wait for both), the write takes effect
 * at that edge and BVALID (OKAY) rises the next cycle, held until BREADY.
 * ARREADY is high while no read response is pending; RDATA is registered from
 * `read(word index)` at the AR handshake and held with RVALID until RREADY.
 * One write and one read can be in progress at once. Throughput: one write
 * per two cycles, one read per two cycles.
 */
import { cat, mux, type Value } from '../../hdl/ir';
import { Reg, when, named, type Hw } from '../../hdl/module';
import { UInt, Bool } from '../../hdl/types';
import type { AxiLiteType } from './bundles';

export interface LiteWrite {
  /** High for one cycle per accepted write. */
  fire: Value;
  /** Word index (byte address >> log2(data bytes)). */
  index: Value;
  data: Value;
  strb: Value;
}

/**
 * Serves a register file on `lite`. `read(index)` returns the value of the
 * word at a word index (any width up to the data width; it is zero-extended).
 */
export function axiLiteRegisterSlave(lite: Hw<AxiLiteType>, read: (index: Value) => Value): LiteWrite {
  const dataBits = lite.wdata.width;
  const lb = Math.log2(dataBits / 8);
  const addrBits = lite.awaddr.width;
  const bvalid = Reg(Bool, { init: 0 });
  const rvalid = Reg(Bool, { init: 0 });
  const rdata = Reg(UInt(dataBits), { init: 0 });
  const wfire = named(lite.awvalid.and(lite.wvalid).and(bvalid.not()));
  lite.awready.set(wfire);
  lite.wready.set(wfire);
  lite.bvalid.set(bvalid);
  lite.bresp.set(0);
  when(wfire, () => bvalid.set(1)).elseWhen(lite.bready, () => bvalid.set(0));

  const arready = named(rvalid.not());
  lite.arready.set(arready);
  lite.rvalid.set(rvalid);
  lite.rdata.set(rdata);
  lite.rresp.set(0);
  const rindex = named(lite.araddr.bits(addrBits - 1, lb));
  when(lite.arvalid.and(arready), () => {
    rvalid.set(1);
    const v = read(rindex);
    rdata.set(v.width === dataBits ? v : v.pad(dataBits));
  }).elseWhen(lite.rready, () => rvalid.set(0));
  return { fire: wfire, index: lite.awaddr.bits(addrBits - 1, lb), data: lite.wdata, strb: lite.wstrb };
}

/** `old` with the bytes of `data` whose strobe bit is set (old and data of equal width, a multiple of 8). */
export function mergeStrobes(old: Value, data: Value, strb: Value): Value {
  const bytes = old.width / 8;
  const parts: Value[] = [];
  for (let i = bytes - 1; i >= 0; i--) {
    const o = old.bits(8 * i + 7, 8 * i);
    const d = data.bits(8 * i + 7, 8 * i);
    parts.push(i < strb.width ? mux(strb.bit(i), d, o) : o);
  }
  return cat(...parts);
}
