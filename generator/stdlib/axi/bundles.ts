/**
 * AXI4 and AXI4-Lite interface bundles, from the master's point of view
 * (non-flipped fields flow master -> slave). A master declares
 * `m_axi: Out(Axi4(p))`, a slave `s_axi: In(Axi4(p))`; bundle flattening joins
 * with `_`, so the ports come out as `m_axi_awaddr`, `m_axi_rready`, ... the
 * lower-case AMBA names that Vivado's and Quartus' interface inference expect
 * (`<prefix>_<signal>`).
 *
 * Signals (AMBA AXI IHI0022E, chapter A2): AW (awid awaddr awlen awsize awburst
 * awlock awcache awprot awqos awvalid awready), W (wdata wstrb wlast wvalid
 * wready), B (bid bresp bvalid bready), AR (as AW), R (rid rdata rresp rlast
 * rvalid rready). AXI4-Lite (chapter B1) drops ids, lengths, sizes, bursts,
 * lock, cache, qos and last.
 */
import { Bool, Bundle, Flip, UInt, type BundleType } from '../../hdl/types';
import { badParameter } from '../../hdl/params';

export interface Axi4Params {
  /** Data bus width in bits: 32, 64, ..., 1024. */
  dataBits: number;
  /** Byte address width (default 32, up to 64). */
  addrBits?: number;
  /** ID width (default 1; at least 1 so that the ports exist). */
  idBits?: number;
}

export interface Axi4Resolved {
  dataBits: number;
  addrBits: number;
  idBits: number;
  /** Bytes per beat. */
  beatBytes: number;
  /** log2(beatBytes): the AxSIZE of a full-width beat. */
  sizeLog2: number;
}

export function resolveAxi4(p: Axi4Params): Axi4Resolved {
  const { dataBits } = p;
  const addrBits = p.addrBits ?? 32;
  const idBits = p.idBits ?? 1;
  if (![32, 64, 128, 256, 512, 1024].includes(dataBits)) {
    throw badParameter(`AXI4 data width must be 32, 64, 128, 256, 512 or 1024 bits, got ${dataBits}`);
  }
  if (!Number.isInteger(addrBits) || addrBits < 12 || addrBits > 64) {
    throw badParameter(`AXI4 address width must be 12..64 bits, got ${addrBits}`);
  }
  if (!Number.isInteger(idBits) || idBits < 1 || idBits > 32) {
    throw badParameter(`AXI4 ID width must be 1..32 bits, got ${idBits}`);
  }
  const beatBytes = dataBits / 8;
  return { dataBits, addrBits, idBits, beatBytes, sizeLog2: Math.log2(beatBytes) };
}

/** AxBURST encodings (A3.4.1). */
export const BURST = { FIXED: 0, INCR: 1, WRAP: 2 } as const;
/** xRESP encodings (A3.4.4). */
export const RESP = { OKAY: 0, EXOKAY: 1, SLVERR: 2, DECERR: 3 } as const;
/** Largest INCR burst in AXI4 (AxLEN = 255). */
export const MAX_INCR_BEATS = 256;
/** No burst may cross a 4 KiB boundary (A3.4.1). */
export const BOUNDARY_BYTES = 4096;

/**
 * What an AXI bundle type is, recorded by Axi4() and AxiLite() on the type
 * object they return: lets a back end that sees a module's port declarations
 * (Module.portDecls) print such a port as an AXI interface
 * (`tcast generate --sv-wrapper`, ./sv.ts).
 */
export type AxiBundleInfo =
  | { kind: 'axi4'; dataBits: number; addrBits: number; idBits: number }
  | { kind: 'axi4-lite'; dataBits: number; addrBits: number };

const axiInfo = new WeakMap<object, AxiBundleInfo>();

/** The AXI protocol and widths of a bundle type made by Axi4() or AxiLite(); undefined for any other type. */
export function axiBundleInfo(t: object): AxiBundleInfo | undefined {
  return axiInfo.get(t);
}

function tagged<T extends object>(t: T, info: AxiBundleInfo): T {
  axiInfo.set(t, info);
  return t;
}

/** The AXI4 bundle type, fields in the AMBA order (AW, W, B, AR, R). */
export function Axi4(p: Axi4Params) {
  const a = resolveAxi4(p);
  return tagged(Bundle({
    awid: UInt(a.idBits), awaddr: UInt(a.addrBits), awlen: UInt(8), awsize: UInt(3), awburst: UInt(2),
    awlock: Bool, awcache: UInt(4), awprot: UInt(3), awqos: UInt(4), awvalid: Bool, awready: Flip(Bool),
    wdata: UInt(a.dataBits), wstrb: UInt(a.beatBytes), wlast: Bool, wvalid: Bool, wready: Flip(Bool),
    bid: Flip(UInt(a.idBits)), bresp: Flip(UInt(2)), bvalid: Flip(Bool), bready: Bool,
    arid: UInt(a.idBits), araddr: UInt(a.addrBits), arlen: UInt(8), arsize: UInt(3), arburst: UInt(2),
    arlock: Bool, arcache: UInt(4), arprot: UInt(3), arqos: UInt(4), arvalid: Bool, arready: Flip(Bool),
    rid: Flip(UInt(a.idBits)), rdata: Flip(UInt(a.dataBits)), rresp: Flip(UInt(2)), rlast: Flip(Bool), rvalid: Flip(Bool), rready: Bool,
  }), { kind: 'axi4', dataBits: a.dataBits, addrBits: a.addrBits, idBits: a.idBits });
}
export type Axi4Type = ReturnType<typeof Axi4>;

export interface AxiLiteParams {
  /** 32 (the usual) or 64. */
  dataBits?: number;
  /** Byte address width (default 12). */
  addrBits?: number;
}

/** The AXI4-Lite bundle type (master's point of view). */
export function AxiLite(p: AxiLiteParams = {}) {
  const dataBits = p.dataBits ?? 32;
  const addrBits = p.addrBits ?? 12;
  if (dataBits !== 32 && dataBits !== 64) throw badParameter(`AXI4-Lite data width must be 32 or 64 bits, got ${dataBits}`);
  if (!Number.isInteger(addrBits) || addrBits < 3 || addrBits > 64) throw badParameter(`AXI4-Lite address width must be 3..64 bits, got ${addrBits}`);
  return tagged(Bundle({
    awaddr: UInt(addrBits), awprot: UInt(3), awvalid: Bool, awready: Flip(Bool),
    wdata: UInt(dataBits), wstrb: UInt(dataBits / 8), wvalid: Bool, wready: Flip(Bool),
    bresp: Flip(UInt(2)), bvalid: Flip(Bool), bready: Bool,
    araddr: UInt(addrBits), arprot: UInt(3), arvalid: Bool, arready: Flip(Bool),
    rdata: Flip(UInt(dataBits)), rresp: Flip(UInt(2)), rvalid: Flip(Bool), rready: Bool,
  }), { kind: 'axi4-lite', dataBits, addrBits });
}
export type AxiLiteType = ReturnType<typeof AxiLite>;

/** The AXI4 channel signal names (suffixes after the port prefix), by channel, for harnesses and docs. */
export const AXI4_SIGNALS = {
  aw: ['awid', 'awaddr', 'awlen', 'awsize', 'awburst', 'awlock', 'awcache', 'awprot', 'awqos', 'awvalid', 'awready'],
  w: ['wdata', 'wstrb', 'wlast', 'wvalid', 'wready'],
  b: ['bid', 'bresp', 'bvalid', 'bready'],
  ar: ['arid', 'araddr', 'arlen', 'arsize', 'arburst', 'arlock', 'arcache', 'arprot', 'arqos', 'arvalid', 'arready'],
  r: ['rid', 'rdata', 'rresp', 'rlast', 'rvalid', 'rready'],
} as const;
export const AXI_LITE_SIGNALS = {
  aw: ['awaddr', 'awprot', 'awvalid', 'awready'],
  w: ['wdata', 'wstrb', 'wvalid', 'wready'],
  b: ['bresp', 'bvalid', 'bready'],
  ar: ['araddr', 'arprot', 'arvalid', 'arready'],
  r: ['rdata', 'rresp', 'rvalid', 'rready'],
} as const;

export type { BundleType };
