// tcast AXI co-simulation library (testbench/axi/axi_model.h), included by the
// generated harness after the tcast_io and tcast_ports partials (it uses
// TcPort, tc_port_get/tc_port_set and tc_fail from them).
//
//   AxiMemory      sparse byte-addressed memory shared by every AXI4 port
//   AxiSlaveModel  an AXI4 slave on one master port of the design: latency and
//                  jitter, in-flight caps, per-ID ordering with optional
//                  reordering across IDs and R interleaving, random READY
//                  deassertion and VALID gaps, error ranges
//   AxiChecker     protocol rules on every channel of an AXI4 or AXI4-Lite port
//   LiteMaster     runs a register script on an AXI4-Lite slave port
//
// Conventions: the harness calls drive() with the clock low, then eval(), then
// observe()/commit() with every signal settled (a handshake is VALID && READY
// sampled there, before the rising edge). See docs/AXI.md.
#pragma once
#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

// ------------------------------------------------------------------ utilities

struct AxiRng {
    uint64_t s;
    explicit AxiRng(uint64_t seed = 1) : s(seed * 0x9E3779B97F4A7C15ull + 0x1234567ull) {}
    uint64_t next() {  // splitmix64
        uint64_t z = (s += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    double uniform() { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }
    bool chance(double p) { return p >= 1.0 ? true : p <= 0.0 ? false : uniform() < p; }
    uint64_t below(uint64_t n) { return n ? next() % n : 0; }
};

static std::string axi_hex(uint64_t v) {
    char b[24];
    std::snprintf(b, sizeof b, "%llx", static_cast<unsigned long long>(v));
    return b;
}

// Port access by index into g_ports (-1: the design has no such port).
struct AxiSig {
    int idx = -1;
    bool present() const { return idx >= 0; }
};
extern TcPort g_ports[];
// The low 64 bits of a port (masked to its width), read in place: called some 30 times a cycle.
static inline __attribute__((always_inline)) uint64_t axi_get(AxiSig s) {
    if (s.idx < 0) return 0;
    const TcPort& p = g_ports[s.idx];
    uint64_t v;
    if (p.width <= 8) v = *static_cast<const CData*>(p.ptr);
    else if (p.width <= 16) v = *static_cast<const SData*>(p.ptr);
    else if (p.width <= 32) v = *static_cast<const IData*>(p.ptr);
    else if (p.width <= 64) v = *static_cast<const QData*>(p.ptr);
    else { const uint32_t* x = static_cast<const uint32_t*>(p.ptr); return static_cast<uint64_t>(x[0]) | (static_cast<uint64_t>(x[1]) << 32); }
    return p.width < 64 ? v & ((1ull << p.width) - 1) : v;
}
static inline void axi_set(AxiSig s, uint64_t v) {
    if (s.idx >= 0) tc_port_set_u64(g_ports[s.idx], v);
}
static inline int axi_width(AxiSig s) { return s.idx < 0 ? 0 : g_ports[s.idx].width; }
static inline void axi_get_words(AxiSig s, uint32_t* w) { if (s.idx >= 0) tc_port_get(g_ports[s.idx], w); }
static inline void axi_set_words(AxiSig s, const uint32_t* w) { if (s.idx >= 0) tc_port_set(g_ports[s.idx], w); }

// ------------------------------------------------------------------ memory

class AxiMemory {
    std::unordered_map<uint64_t, std::unique_ptr<std::array<uint8_t, 4096>>> m_pages;
public:
    static uint8_t fresh(uint64_t a) {  // content of never-written bytes: an address hash, not zeros
        uint64_t z = a * 0x9E3779B97F4A7C15ull;
        return static_cast<uint8_t>((z ^ (z >> 29)) >> 24);
    }
    void clear() { m_pages.clear(); }
    uint8_t* page(uint64_t addr, bool create) {
        uint64_t key = addr >> 12;
        auto it = m_pages.find(key);
        if (it != m_pages.end()) return it->second->data();
        if (!create) return nullptr;
        auto p = std::make_unique<std::array<uint8_t, 4096>>();
        for (int i = 0; i < 4096; i++) (*p)[i] = fresh((key << 12) + i);
        uint8_t* d = p->data();
        m_pages.emplace(key, std::move(p));
        return d;
    }
    uint8_t read(uint64_t a) {
        uint8_t* p = page(a, false);
        return p ? p[a & 4095] : fresh(a);
    }
    void write(uint64_t a, uint8_t v) { page(a, true)[a & 4095] = v; }
    size_t pages() const { return m_pages.size(); }
};

// ------------------------------------------------------------------ profile

struct AxiErrorRange { uint64_t lo, hi; int resp; bool reads, writes; };

struct AxiProfile {
    uint64_t seed = 1;
    long long readLatency = 1, readJitter = 0, writeLatency = 1, writeJitter = 0;
    long long maxReads = 8, maxWrites = 8;
    bool reorder = false, interleave = false;
    double arReady = 1, awReady = 1, wReady = 1, rGap = 0, bGap = 0;
    // DRAM-like shared bus: R and W beats share busBytes bytes per cycle (0: independent
    // channels); turnaround idle cycles at each switch from reads to writes.
    double busBytes = 0;
    long long turnaround = 0;
    std::vector<AxiErrorRange> errors;

    int respFor(uint64_t lo, uint64_t hi, bool write) const {  // bytes [lo, hi)
        for (auto& e : errors)
            if ((write ? e.writes : e.reads) && lo < e.hi && e.lo < hi) return e.resp;
        return 0;
    }
};

// ------------------------------------------------------------------ port map

struct AxiPortMap {
    std::string name;  // the prefix, e.g. m_axi
    bool lite = false;
    int dataBits = 32;
    AxiSig awid, awaddr, awlen, awsize, awburst, awlock, awcache, awprot, awqos, awvalid, awready;
    AxiSig wdata, wstrb, wlast, wvalid, wready;
    AxiSig bid, bresp, bvalid, bready;
    AxiSig arid, araddr, arlen, arsize, arburst, arlock, arcache, arprot, arqos, arvalid, arready;
    AxiSig rid, rdata, rresp, rlast, rvalid, rready;
    int dataBytes() const { return dataBits / 8; }
};

// ------------------------------------------------------------------ burst arithmetic (A3.4.1)

struct AxiBurst {
    uint64_t id = 0, addr = 0;
    int len = 0, size = 0, burst = 1;
    // Address of beat n.
    uint64_t beatAddr(int n) const {
        uint64_t bytes = 1ull << size;
        uint64_t aligned = (addr / bytes) * bytes;
        if (burst == 0) return addr;
        if (n == 0) return addr;
        uint64_t a = aligned + static_cast<uint64_t>(n) * bytes;
        if (burst == 2) {
            uint64_t total = bytes * static_cast<uint64_t>(len + 1);
            uint64_t lower = (addr / total) * total;
            if (a >= lower + total) a -= total;
        }
        return a;
    }
    // Byte lanes [lo, hi) that beat n may use on a bus of `db` bytes.
    void lanes(int n, int db, int& lo, int& hi) const {
        uint64_t a = beatAddr(n);
        uint64_t bytes = 1ull << size;
        uint64_t aligned = (a / bytes) * bytes;
        lo = static_cast<int>(a % db);
        hi = static_cast<int>(aligned % db + bytes);
        if (hi > db) hi = db;
    }
};

// ------------------------------------------------------------------ violations

struct AxiViolation {
    bool hit = false;
    long long cycle = 0;
    std::string iface, channel, field, rule, message;
};

// ------------------------------------------------------------------ checker

// One channel's handshake state: previous cycle's VALID/READY and payload.
struct AxiChanCheck {
    const char* chan = "";
    std::vector<std::pair<const char*, AxiSig>> fields;
    AxiSig valid, ready;
    std::vector<std::vector<uint32_t>> prev, cur;  // payloads: of the last cycle VALID waited (prev), of this cycle (cur)
    bool prevValid = false, prevReady = false, primed = false;
    // counters
    unsigned long long beats = 0, validCycles = 0, stallCycles = 0;

    void reset() { primed = false; prevValid = prevReady = false; beats = validCycles = stallCycles = 0; }
    // Returns false and fills v on a violation of A3.2.1.
    bool observe(long long cycle, const std::string& iface, AxiViolation& v) {
        bool val = axi_get(valid) & 1, rdy = axi_get(ready) & 1;
        if (val) validCycles++;
        if (val && !rdy) stallCycles++;
        if (val && rdy) beats++;
        // The payload is needed only to compare with a waiting one, or to keep while VALID waits
        // (read into buffers sized once: no allocation per cycle).
        bool waited = primed && prevValid && !prevReady, waits = val && !rdy;
        if (cur.size() != fields.size() || prev.size() != fields.size()) {
            cur.assign(fields.size(), {});
            prev.assign(fields.size(), {});
            for (size_t i = 0; i < fields.size(); i++) {
                cur[i].assign(tc_words(std::max(1, axi_width(fields[i].second))), 0);
                prev[i] = cur[i];
            }
        }
        if (waited || waits)
            for (size_t i = 0; i < fields.size(); i++) axi_get_words(fields[i].second, cur[i].data());
        if (waited) {
            if (!val) {
                v = {true, cycle, iface, chan, std::string(chan) + "valid", "A3.2.1",
                     std::string("VALID deasserted before the handshake: ") + chan + "valid was high with " + chan +
                         "ready low in the previous cycle and fell without a transfer"};
                return false;
            }
            for (size_t i = 0; i < fields.size(); i++)
                if (cur[i] != prev[i]) {
                    v = {true, cycle, iface, chan, fields[i].first, "A3.2.1",
                         std::string(fields[i].first) + " changed while " + chan + "valid was high and " + chan + "ready low (payload must stay stable until the handshake)"};
                    return false;
                }
        }
        if (waits) prev.swap(cur);
        prevValid = val;
        prevReady = rdy;
        primed = true;
        return true;
    }
    bool fire() const { return (axi_get(valid) & 1) && (axi_get(ready) & 1); }
};

class AxiChecker {
public:
    AxiPortMap p;
    AxiChanCheck aw, w, b, ar, r;
    // Outstanding state for the cross-channel rules.
    std::map<uint64_t, std::deque<AxiBurst>> readsById;    // AR accepted, R not complete (per ID, in order)
    std::map<uint64_t, int> rBeatById;                        // beats seen of the head burst of each ID
    std::deque<AxiBurst> awNeedW;                             // AW accepted, W burst not complete (in order)
    int wBeat = 0;                                            // beats of the current W burst
    std::map<uint64_t, int> writesAwaitingB;                  // per ID: write bursts complete on W, no B yet
    long long liteWritesOpen = 0, liteAwOpen = 0, liteWOpen = 0, liteReadsOpen = 0;

    explicit AxiChecker(const AxiPortMap& pm) : p(pm) {
        aw.chan = "aw"; w.chan = "w"; b.chan = "b"; ar.chan = "ar"; r.chan = "r";
        aw.valid = p.awvalid; aw.ready = p.awready;
        aw.fields = {{"awid", p.awid}, {"awaddr", p.awaddr}, {"awlen", p.awlen}, {"awsize", p.awsize}, {"awburst", p.awburst},
                     {"awlock", p.awlock}, {"awcache", p.awcache}, {"awprot", p.awprot}, {"awqos", p.awqos}};
        w.valid = p.wvalid; w.ready = p.wready;
        w.fields = {{"wdata", p.wdata}, {"wstrb", p.wstrb}, {"wlast", p.wlast}};
        b.valid = p.bvalid; b.ready = p.bready;
        b.fields = {{"bid", p.bid}, {"bresp", p.bresp}};
        ar.valid = p.arvalid; ar.ready = p.arready;
        ar.fields = {{"arid", p.arid}, {"araddr", p.araddr}, {"arlen", p.arlen}, {"arsize", p.arsize}, {"arburst", p.arburst},
                     {"arlock", p.arlock}, {"arcache", p.arcache}, {"arprot", p.arprot}, {"arqos", p.arqos}};
        r.valid = p.rvalid; r.ready = p.rready;
        r.fields = {{"rid", p.rid}, {"rdata", p.rdata}, {"rresp", p.rresp}, {"rlast", p.rlast}};
        for (auto* c : {&aw, &w, &b, &ar, &r}) {
            std::vector<std::pair<const char*, AxiSig>> keep;
            for (auto& f : c->fields) if (f.second.present()) keep.push_back(f);
            c->fields = keep;
        }
    }

    void reset() {
        for (auto* c : {&aw, &w, &b, &ar, &r}) c->reset();
        readsById.clear(); rBeatById.clear(); awNeedW.clear(); wBeat = 0; writesAwaitingB.clear();
        liteWritesOpen = liteAwOpen = liteWOpen = liteReadsOpen = 0;
    }

    bool fail(AxiViolation& v, long long cycle, const char* chan, const char* field, const char* rule, const std::string& msg) {
        v = {true, cycle, p.name, chan, field, rule, msg};
        return false;
    }

    // A3.1.2: VALID outputs low during reset and in the first cycle after it.
    bool checkReset(long long cycle, AxiViolation& v) {
        for (auto* c : {&aw, &w, &ar, &b, &r})
            if (axi_get(c->valid) & 1)
                return fail(v, cycle, c->chan, c->chan == std::string("b") ? "bvalid" : (std::string(c->chan) + "valid").c_str(), "A3.1.2",
                            std::string(c->chan) + "valid is high during reset or in the first cycle after it (VALID must be low until a rising edge after ARESETn goes high)");
        return true;
    }

    bool checkAddress(long long cycle, const char* chan, const AxiBurst& bu, AxiViolation& v) {
        std::string c = chan;
        int db = p.dataBytes();
        if (bu.burst == 3) return fail(v, cycle, chan, (c + "burst").c_str(), "A3.4.1", c + "burst = 0b11 is reserved");
        if ((1 << bu.size) > db)
            return fail(v, cycle, chan, (c + "size").c_str(), "A3.4.1",
                        c + "size = " + std::to_string(bu.size) + " (" + std::to_string(1 << bu.size) + " bytes) exceeds the " + std::to_string(db) + "-byte data bus");
        if (bu.burst == 0 && bu.len > 15) return fail(v, cycle, chan, (c + "len").c_str(), "A3.4.1", "a FIXED burst of " + std::to_string(bu.len + 1) + " beats (at most 16)");
        if (bu.burst == 2) {
            if (!(bu.len == 1 || bu.len == 3 || bu.len == 7 || bu.len == 15))
                return fail(v, cycle, chan, (c + "len").c_str(), "A3.4.1", "a WRAP burst of " + std::to_string(bu.len + 1) + " beats (must be 2, 4, 8 or 16)");
            if (bu.addr % (1ull << bu.size)) return fail(v, cycle, chan, (c + "addr").c_str(), "A3.4.1", "a WRAP burst's start address 0x" + axi_hex(bu.addr) + " is not aligned to the transfer size");
        }
        if (p.lite) return true;
        if (bu.burst == 1) {
            uint64_t bytes = 1ull << bu.size;
            uint64_t aligned = (bu.addr / bytes) * bytes;
            uint64_t last = aligned + bytes * static_cast<uint64_t>(bu.len + 1) - 1;
            if ((bu.addr >> 12) != (last >> 12))
                return fail(v, cycle, chan, (c + "addr").c_str(), "A3.4.1",
                            "burst crosses a 4 KiB boundary: " + c + "addr 0x" + axi_hex(bu.addr) + ", " + std::to_string(bu.len + 1) + " beats of " +
                                std::to_string(bytes) + " bytes end at 0x" + axi_hex(last));
        }
        return true;
    }

    AxiBurst captureAW() const {
        AxiBurst bu; bu.id = axi_get(p.awid); bu.addr = axi_get(p.awaddr);
        bu.len = p.lite ? 0 : static_cast<int>(axi_get(p.awlen)); bu.size = p.lite ? __builtin_ctz(p.dataBytes()) : static_cast<int>(axi_get(p.awsize));
        bu.burst = p.lite ? 1 : static_cast<int>(axi_get(p.awburst));
        return bu;
    }
    AxiBurst captureAR() const {
        AxiBurst bu; bu.id = axi_get(p.arid); bu.addr = axi_get(p.araddr);
        bu.len = p.lite ? 0 : static_cast<int>(axi_get(p.arlen)); bu.size = p.lite ? __builtin_ctz(p.dataBytes()) : static_cast<int>(axi_get(p.arsize));
        bu.burst = p.lite ? 1 : static_cast<int>(axi_get(p.arburst));
        return bu;
    }

    // All rules for one settled cycle. Returns false with v filled on the first violation.
    bool observe(long long cycle, AxiViolation& v) {
        for (auto* c : {&aw, &w, &b, &ar, &r})
            if (!c->observe(cycle, p.name, v)) return false;
        bool awF = aw.fire(), wF = w.fire(), bF = b.fire(), arF = ar.fire(), rF = r.fire();
        if (p.lite) return observeLite(cycle, v, awF, wF, bF, arF, rF);
        if (arF) {
            AxiBurst bu = captureAR();
            if (!checkAddress(cycle, "ar", bu, v)) return false;
            readsById[bu.id].push_back(bu);
        }
        if (awF) {
            AxiBurst bu = captureAW();
            if (!checkAddress(cycle, "aw", bu, v)) return false;
            awNeedW.push_back(bu);
        }
        if (wF) {
            if (awNeedW.empty())
                return fail(v, cycle, "w", "wvalid", "A3.3.1", "a W beat was accepted with no write address outstanding (this memory model does not accept W before AW)");
            const AxiBurst& bu = awNeedW.front();
            bool last = axi_get(p.wlast) & 1;
            int n = wBeat;
            if (last && n < bu.len)
                return fail(v, cycle, "w", "wlast", "A3.2.2",
                            "WLAST asserted on beat " + std::to_string(n + 1) + " of a " + std::to_string(bu.len + 1) + "-beat burst (awaddr 0x" + axi_hex(bu.addr) + "): one or more beats early");
            if (!last && n == bu.len)
                return fail(v, cycle, "w", "wlast", "A3.2.2",
                            "WLAST missing on the final beat (" + std::to_string(n + 1) + " of " + std::to_string(bu.len + 1) + ", awaddr 0x" + axi_hex(bu.addr) + ")");
            if (p.wstrb.present()) {
                int lo, hi;
                bu.lanes(n, p.dataBytes(), lo, hi);
                std::vector<uint32_t> s(tc_words(axi_width(p.wstrb)), 0);
                axi_get_words(p.wstrb, s.data());
                for (int i = 0; i < p.dataBytes(); i++)
                    if (((s[i / 32] >> (i % 32)) & 1) && (i < lo || i >= hi))
                        return fail(v, cycle, "w", "wstrb", "A3.4.3",
                                    "WSTRB bit " + std::to_string(i) + " set outside the beat's byte lanes [" + std::to_string(lo) + ", " + std::to_string(hi) + ")");
            }
            if (last) {
                writesAwaitingB[bu.id]++;
                awNeedW.pop_front();
                wBeat = 0;
            } else {
                wBeat++;
            }
        }
        if (rF) {
            uint64_t id = axi_get(p.rid);
            auto it = readsById.find(id);
            if (it == readsById.end() || it->second.empty())
                return fail(v, cycle, "r", "rid", "A5.3", "an R beat with RID 0x" + axi_hex(id) + ", which has no read in flight");
            const AxiBurst& bu = it->second.front();
            int& n = rBeatById[id];
            bool last = axi_get(p.rlast) & 1;
            if (last != (n == bu.len))
                return fail(v, cycle, "r", "rlast", "A3.2.2",
                            std::string(last ? "RLAST asserted early" : "RLAST missing") + " on beat " + std::to_string(n + 1) + " of a " + std::to_string(bu.len + 1) + "-beat read (RID 0x" + axi_hex(id) + ")");
            if (last) { it->second.pop_front(); n = 0; }  // an empty queue stays (no allocation per burst)
            else n++;
        }
        if (bF) {
            uint64_t id = axi_get(p.bid);
            auto it = writesAwaitingB.find(id);
            if (it == writesAwaitingB.end() || it->second == 0)
                return fail(v, cycle, "b", "bid", "A3.3.1",
                            "a write response with BID 0x" + axi_hex(id) + ", which has no write in flight whose last W beat was accepted");
            if (--it->second == 0) writesAwaitingB.erase(it);
        }
        return true;
    }

    bool observeLite(long long cycle, AxiViolation& v, bool awF, bool wF, bool bF, bool arF, bool rF) {
        if (awF) liteAwOpen++;
        if (wF) liteWOpen++;
        while (liteAwOpen > 0 && liteWOpen > 0) { liteAwOpen--; liteWOpen--; liteWritesOpen++; }
        if (arF) liteReadsOpen++;
        if (bF) {
            if (liteWritesOpen == 0) return fail(v, cycle, "b", "bvalid", "A3.3.1", "a write response with no write whose address and data were both accepted");
            liteWritesOpen--;
        }
        if (rF) {
            if (liteReadsOpen == 0) return fail(v, cycle, "r", "rvalid", "A3.3.1", "read data with no read address accepted");
            liteReadsOpen--;
        }
        return true;
    }

    unsigned long long outstanding() const {
        unsigned long long n = awNeedW.size() + liteWritesOpen + liteReadsOpen;
        for (auto& kv : readsById) n += kv.second.size();
        for (auto& kv : writesAwaitingB) n += kv.second;
        return n;
    }
};

// ------------------------------------------------------------------ slave model

struct AxiReadTxn { AxiBurst b; long long readyAt; long long seq; int beat = 0; };
struct AxiWriteTxn { AxiBurst b; long long readyAt = 0; long long seq; int beats = 0; int resp = 0; };

class AxiSlaveModel {
public:
    AxiPortMap p;
    AxiMemory* mem;
    const AxiProfile* prof = nullptr;
    AxiRng rng;
    long long seq = 0;
    std::deque<AxiReadTxn> reads;      // accepted, not fully returned (accept order; a deque: the oldest leaves in O(1))
    std::deque<AxiWriteTxn> wData;     // accepted AW waiting for W beats (in order)
    std::vector<AxiWriteTxn> wResp;    // all W beats in, B not yet accepted (accept order)
    long long writesInFlight = 0;
    // current drives
    bool arReadyNow = false, awReadyNow = false, wReadyNow = false;
    int rCur = -1;  // index into reads of the beat on R (held while not accepted)
    int bCur = -1;  // index into wResp of the response on B
    long long lastRSeq = -1;  // transaction of the previous R beat (for the interleave count)
    bool lastRDone = true;
    // counters
    unsigned long long reorders = 0, interleaves = 0, peakReads = 0, peakWrites = 0, readBusy = 0, writeBusy = 0;
    // shared-bus state: byte credit (may go negative when a held R beat fires), direction, turnaround
    double credit = 0;
    bool busWrite = false;     // the bus is turned to writes
    long long turnLeft = 0;    // idle cycles left of a read-to-write turnaround
    int runBeats = 0;          // beats in the current direction (switch after kBusBatch when the other waits)
    static constexpr int kBusBatch = 16;
    unsigned long long turnarounds = 0, turnCycles = 0;
    long long firstR = -1, lastR = -1, firstW = -1, lastW = -1;
    std::vector<uint32_t> words, wWords, sWords;  // R beat, W beat and WSTRB buffers (no allocation per beat)

    AxiSlaveModel(const AxiPortMap& pm, AxiMemory* m)
        : p(pm), mem(m), words(tc_words(pm.dataBits) + 2, 0), wWords(tc_words(pm.dataBits) + 2, 0), sWords(tc_words(pm.dataBits / 8) + 2, 0) {}

    void reset(const AxiProfile* pr, uint64_t salt) {
        prof = pr;
        rng = AxiRng(pr->seed * 1000003ull + salt);
        seq = 0; reads.clear(); wData.clear(); wResp.clear(); writesInFlight = 0;
        rCur = bCur = -1; lastRSeq = -1; lastRDone = true;
        reorders = interleaves = peakReads = peakWrites = readBusy = writeBusy = 0;
        firstR = lastR = firstW = lastW = -1;
        credit = 0; busWrite = false; turnLeft = 0; runBeats = 0; turnarounds = turnCycles = 0;
    }
    bool shared() const { return prof->busBytes > 0; }

    long long jitter(long long lat, long long jit) { return std::max(1LL, lat + static_cast<long long>(rng.below(static_cast<uint64_t>(jit) + 1))); }

    // Picks the next transaction to respond to: per ID the oldest; across IDs the
    // oldest ready one (reorder off: only the globally oldest) or a random ready one.
    template <class Q>
    int pick(const Q& q, long long now) {
        if (q.empty()) return -1;
        if (!prof->reorder) return q[0].readyAt <= now ? 0 : -1;
        std::vector<int> cand;
        std::map<uint64_t, bool> seen;
        for (size_t i = 0; i < q.size(); i++) {
            if (seen[q[i].b.id]) continue;
            seen[q[i].b.id] = true;
            if (q[i].readyAt <= now) cand.push_back(static_cast<int>(i));
        }
        if (cand.empty()) return -1;
        return cand[rng.below(cand.size())];
    }

    void setData(uint64_t beatAddr) {
        int db = p.dataBytes();
        uint64_t base = beatAddr & ~static_cast<uint64_t>(db - 1);
        std::fill(words.begin(), words.end(), 0);
        uint8_t* pg = mem->page(base, false);  // a beat never crosses a page (beats are aligned, at most 128 bytes)
        for (int i = 0; i < db; i++) {
            uint8_t byte = pg ? pg[(base + i) & 4095] : AxiMemory::fresh(base + i);
            words[i / 4] |= static_cast<uint32_t>(byte) << (8 * (i % 4));
        }
        axi_set_words(p.rdata, words.data());
    }

    // Drives READY on AR/AW/W and the R/B beats (clock low, before eval).
    void drive(long long now) {
        arReadyNow = static_cast<long long>(reads.size()) < prof->maxReads && rng.chance(prof->arReady);
        awReadyNow = writesInFlight < prof->maxWrites && rng.chance(prof->awReady);
        wReadyNow = !wData.empty() && rng.chance(prof->wReady);
        // Shared bus: a new R beat or a W beat needs a beat's worth of credit; when only one
        // fits, the current direction keeps the bus for up to kBusBatch beats while the other
        // waits; a switch from reads to writes first idles the bus for `turnaround` cycles.
        bool allowR = true;
        if (shared()) {
            double db = p.dataBytes();
            credit = std::min(credit + prof->busBytes, prof->busBytes + db);  // unused credit carries at most one beat
            bool rWaits = false;
            if (rCur < 0) for (auto& t : reads) if (t.readyAt <= now) { rWaits = true; break; }
            bool wWaits = wReadyNow && (axi_get(p.wvalid) & 1);  // WVALID never waits for WREADY (AXI), so it is settled here
            if (turnLeft > 0) {
                turnLeft--; turnCycles++;
                allowR = false; wReadyNow = false;
                if (turnLeft == 0) { busWrite = true; runBeats = 0; }
            } else {
                bool both = credit >= 2 * db;
                bool one = credit >= db;
                // Credit for both: both go (a bus as wide as both channels), no turnaround.
                bool wantW = wWaits && one && (both || (busWrite ? (runBeats < kBusBatch || !rWaits) : (!rWaits || runBeats >= kBusBatch)));
                if (both) {
                    wReadyNow = wWaits;
                } else if (wantW && !busWrite && prof->turnaround > 0) {
                    turnLeft = prof->turnaround; turnarounds++;
                    allowR = false; wReadyNow = false;
                } else {
                    if (wantW && !busWrite) { busWrite = true; runBeats = 0; turnarounds++; }
                    wReadyNow = wantW;
                    allowR = one && (!wantW || both);
                }
            }
        }
        axi_set(p.arready, arReadyNow);
        axi_set(p.awready, awReadyNow);
        axi_set(p.wready, wReadyNow);
        // R: hold the current beat, else maybe start one.
        bool freshR = false;
        if (rCur < 0 && allowR && !rng.chance(prof->rGap)) {
            int pickIdx = -1;
            // Without interleaving a burst is returned whole: the one begun (if the last beat did not end it) goes on.
            if (!prof->interleave && !lastRDone) {
                for (size_t i = 0; i < reads.size(); i++) if (reads[i].beat > 0) { pickIdx = static_cast<int>(i); break; }
            }
            if (pickIdx < 0) pickIdx = pick(reads, now);
            rCur = pickIdx;
            if (rCur >= 0) {
                AxiReadTxn& t = reads[rCur];
                if (t.beat == 0 && rCur != 0) reorders++;
                if (!lastRDone && t.seq != lastRSeq) interleaves++;
                freshR = true;
            }
        }
        if (rCur >= 0 && freshR) {  // a held beat keeps its payload (the inputs keep their values)
            AxiReadTxn& t = reads[rCur];
            uint64_t a = t.b.beatAddr(t.beat);
            int lo, hi;
            t.b.lanes(t.beat, p.dataBytes(), lo, hi);
            uint64_t base = a & ~static_cast<uint64_t>(p.dataBytes() - 1);
            int resp = prof->respFor(base + lo, base + hi, false);
            axi_set(p.rvalid, 1);
            axi_set(p.rid, t.b.id);
            axi_set(p.rresp, resp);
            axi_set(p.rlast, t.beat == t.b.len);
            if (resp) { std::fill(words.begin(), words.end(), 0); axi_set_words(p.rdata, words.data()); }
            else setData(a);
        } else if (rCur < 0) {
            axi_set(p.rvalid, 0);
            axi_set(p.rlast, 0);
        }
        // B
        if (bCur < 0 && !rng.chance(prof->bGap)) bCur = pick(wResp, now);
        if (bCur >= 0) {
            axi_set(p.bvalid, 1);
            axi_set(p.bid, wResp[bCur].b.id);
            axi_set(p.bresp, wResp[bCur].resp);
        } else {
            axi_set(p.bvalid, 0);
        }
    }

    // Updates the model with this cycle's handshakes (signals settled, before the edge).
    void commit(long long now) {
        bool arF = arReadyNow && (axi_get(p.arvalid) & 1);
        bool awF = awReadyNow && (axi_get(p.awvalid) & 1);
        bool wF = wReadyNow && (axi_get(p.wvalid) & 1);
        bool rF = rCur >= 0 && (axi_get(p.rready) & 1);
        bool bF = bCur >= 0 && (axi_get(p.bready) & 1);
        if (shared() && (rF || wF)) {
            credit -= p.dataBytes() * ((rF ? 1 : 0) + (wF ? 1 : 0));
            if (rF && busWrite) { busWrite = false; runBeats = 0; }
            runBeats += (rF ? 1 : 0) + (wF ? 1 : 0);
        }
        if (rF) {
            AxiReadTxn& t = reads[rCur];
            if (firstR < 0) firstR = now;
            lastR = now;
            lastRSeq = t.seq;
            lastRDone = t.beat == t.b.len;
            if (t.beat == t.b.len) reads.erase(reads.begin() + rCur);
            else t.beat++;
            rCur = -1;
        }
        if (bF) {
            wResp.erase(wResp.begin() + bCur);
            writesInFlight--;
            bCur = -1;
        }
        if (wF) {
            AxiWriteTxn& t = wData.front();
            int db = p.dataBytes();
            uint64_t a = t.b.beatAddr(t.beats);
            int lo, hi;
            t.b.lanes(t.beats, db, lo, hi);
            uint64_t base = a & ~static_cast<uint64_t>(db - 1);
            int resp = prof->respFor(base + lo, base + hi, true);
            if (resp) {
                if (!t.resp) t.resp = resp;
            } else {
                std::vector<uint32_t>& d = wWords;
                std::vector<uint32_t>& s = sWords;
                std::fill(s.begin(), s.end(), 0);
                axi_get_words(p.wdata, d.data());
                if (p.wstrb.present()) axi_get_words(p.wstrb, s.data());
                else std::fill(s.begin(), s.end(), 0xffffffffu);
                uint8_t* pg = mem->page(base, true);
                for (int i = lo; i < hi; i++)
                    if ((s[i / 32] >> (i % 32)) & 1) pg[(base + i) & 4095] = static_cast<uint8_t>(d[i / 4] >> (8 * (i % 4)));
            }
            if (firstW < 0) firstW = now;
            lastW = now;
            if (++t.beats == t.b.len + 1) {
                t.readyAt = now + jitter(prof->writeLatency, prof->writeJitter);
                wResp.push_back(t);
                wData.pop_front();
            }
        }
        if (arF) {
            AxiReadTxn t;
            t.b.id = axi_get(p.arid); t.b.addr = axi_get(p.araddr); t.b.len = static_cast<int>(axi_get(p.arlen));
            t.b.size = static_cast<int>(axi_get(p.arsize)); t.b.burst = static_cast<int>(axi_get(p.arburst));
            t.readyAt = now + jitter(prof->readLatency, prof->readJitter);
            t.seq = seq++;
            reads.push_back(t);
        }
        if (awF) {
            AxiWriteTxn t;
            t.b.id = axi_get(p.awid); t.b.addr = axi_get(p.awaddr); t.b.len = static_cast<int>(axi_get(p.awlen));
            t.b.size = static_cast<int>(axi_get(p.awsize)); t.b.burst = static_cast<int>(axi_get(p.awburst));
            t.seq = seq++;
            wData.push_back(t);
            writesInFlight++;
        }
        if (!reads.empty()) readBusy++;
        if (writesInFlight) writeBusy++;
        peakReads = std::max<unsigned long long>(peakReads, reads.size());
        peakWrites = std::max<unsigned long long>(peakWrites, static_cast<unsigned long long>(writesInFlight));
    }

    void inFlight(std::vector<std::string>& out) const {
        for (auto& t : reads)
            out.push_back(p.name + " read id=0x" + axi_hex(t.b.id) + " addr=0x" + axi_hex(t.b.addr) + " beats=" + std::to_string(t.b.len + 1) +
                          " returned=" + std::to_string(t.beat) + " ready_at=" + std::to_string(t.readyAt));
        for (auto& t : wData)
            out.push_back(p.name + " write id=0x" + axi_hex(t.b.id) + " addr=0x" + axi_hex(t.b.addr) + " beats=" + std::to_string(t.b.len + 1) +
                          " w_received=" + std::to_string(t.beats) + " (waiting for W)");
        for (auto& t : wResp)
            out.push_back(p.name + " write id=0x" + axi_hex(t.b.id) + " addr=0x" + axi_hex(t.b.addr) + " beats=" + std::to_string(t.b.len + 1) +
                          " b_ready_at=" + std::to_string(t.readyAt) + " (waiting for BREADY)");
    }
};

// ------------------------------------------------------------------ AXI4-Lite master

struct LiteOp {
    char kind;  // W write, R read, P poll, I idle, S set port, Q wait for port
    uint64_t addr = 0, data = 0, mask = 0, value = 0;
    long long cycles = 0;
    int port = -1;
};

class LiteMaster {
public:
    AxiPortMap p;
    std::vector<LiteOp> ops;
    size_t pc = 0;
    int phase = 0;  // 0 start, 1 addr/data out, 2 wait response
    bool awDone = false, wDone = false;
    long long opStart = 0, waited = 0;
    bool failed = false;
    std::string failure;
    std::vector<std::string> results;  // one output line per completed op

    explicit LiteMaster(const AxiPortMap& pm) : p(pm) {}
    void reset() { pc = 0; phase = 0; awDone = wDone = false; failed = false; failure.clear(); results.clear(); waited = 0; }
    bool done() const { return pc >= ops.size() || failed; }

    void idle() {
        axi_set(p.awvalid, 0); axi_set(p.wvalid, 0); axi_set(p.arvalid, 0);
        axi_set(p.bready, 0); axi_set(p.rready, 0);
    }

    void drive() {
        idle();
        if (done()) return;
        const LiteOp& op = ops[pc];
        if (op.kind == 'W') {
            if (phase == 1) {
                if (!awDone) { axi_set(p.awvalid, 1); axi_set(p.awaddr, op.addr); axi_set(p.awprot, 0); }
                if (!wDone) {
                    axi_set(p.wvalid, 1);
                    std::vector<uint32_t> d(tc_words(p.dataBits), 0);
                    d[0] = static_cast<uint32_t>(op.data);
                    if (d.size() > 1) d[1] = static_cast<uint32_t>(op.data >> 32);
                    axi_set_words(p.wdata, d.data());
                    axi_set(p.wstrb, (1ull << (p.dataBits / 8)) - 1);
                }
            }
            if (phase == 2) axi_set(p.bready, 1);
        } else if (op.kind == 'R' || op.kind == 'P') {
            if (phase == 1) { axi_set(p.arvalid, 1); axi_set(p.araddr, op.addr); axi_set(p.arprot, 0); }
            if (phase == 2) axi_set(p.rready, 1);
        }
    }

    // Returns true when an op completed this cycle (progress for the watchdog).
    bool commit(long long now) {
        if (done()) return false;
        LiteOp& op = ops[pc];
        auto finish = [&](const std::string& line) { results.push_back(line); pc++; phase = 0; awDone = wDone = false; waited = 0; };
        switch (op.kind) {
        case 'W':
            if (phase == 0) { phase = 1; opStart = now; return false; }
            if (phase == 1) {
                if ((axi_get(p.awvalid) & 1) && (axi_get(p.awready) & 1)) awDone = true;
                if ((axi_get(p.wvalid) & 1) && (axi_get(p.wready) & 1)) wDone = true;
                if (awDone && wDone) phase = 2;
                return false;
            }
            if ((axi_get(p.bvalid) & 1) && (axi_get(p.bready) & 1)) {
                finish("w " + axi_hex(op.addr) + " " + std::to_string(axi_get(p.bresp)) + " " + std::to_string(now - opStart));
                return true;
            }
            return false;
        case 'R':
        case 'P':
            if (phase == 0) { phase = 1; if (op.kind == 'R' || waited == 0) opStart = now; return false; }
            if (phase == 1) {
                if ((axi_get(p.arvalid) & 1) && (axi_get(p.arready) & 1)) phase = 2;
                return false;
            }
            if ((axi_get(p.rvalid) & 1) && (axi_get(p.rready) & 1)) {
                uint64_t d = axi_get(p.rdata);
                if (op.kind == 'R') { finish("r " + axi_hex(op.addr) + " " + axi_hex(d) + " " + std::to_string(axi_get(p.rresp))); return true; }
                if ((d & op.mask) == op.value) { finish("p " + axi_hex(op.addr) + " " + axi_hex(d) + " " + std::to_string(now - opStart)); return true; }
                phase = 0;
                waited = 1;
                if (now - opStart > op.cycles) {
                    failed = true;
                    failure = "poll of 0x" + axi_hex(op.addr) + " for (value & 0x" + axi_hex(op.mask) + ") == 0x" + axi_hex(op.value) +
                              " timed out after " + std::to_string(now - opStart) + " cycles (last value 0x" + axi_hex(d) + ")";
                }
            }
            return false;
        case 'I':
            if (phase == 0) { phase = 1; opStart = now; }
            if (now - opStart + 1 >= op.cycles) { finish("i " + std::to_string(op.cycles)); return true; }
            return false;
        case 'S': {
            std::vector<uint32_t> w(tc_words(g_ports[op.port].width) + 2, 0);
            w[0] = static_cast<uint32_t>(op.value);
            w[1] = static_cast<uint32_t>(op.value >> 32);
            if (g_ports[op.port].width < 64) { if (g_ports[op.port].width <= 32) w[0] &= static_cast<uint32_t>((1ull << g_ports[op.port].width) - 1); w[1] = 0; }
            tc_port_set(g_ports[op.port], w.data());
            finish("s " + std::to_string(op.port));
            return true;
        }
        case 'Q': {
            if (phase == 0) { phase = 1; opStart = now; }
            uint64_t v = axi_get(AxiSig{op.port});
            if ((v & op.mask) == op.value) { finish("q " + std::to_string(op.port) + " " + axi_hex(v) + " " + std::to_string(now - opStart)); return true; }
            if (now - opStart > op.cycles) {
                failed = true;
                failure = std::string("wait for port ") + g_ports[op.port].name + " timed out after " + std::to_string(now - opStart) + " cycles";
            }
            return false;
        }
        default:
            tc_fail(std::string("unknown lite op '") + op.kind + "'");
        }
    }
};
