//! Half-precision GEMM (f16 or bf16 A, B and C; f32 alpha/beta): row-major
//! `C = round(alpha·op(A)·op(B) + beta·C)`, products accumulated in f32 and C rounded to nearest
//! even to the half type once, on store (`beta == 0` never reads C).
//!
//! Three paths (`gemm` takes AMX where the CPU and OS offer it, else the portable one):
//! - `viaF32` (every target, f16 and bf16): the operands are widened into compact f32 copies
//!   (thread-local scratch, reused between calls), the f32 GEMM of gemm.zig runs on them, and its
//!   f32 result is rounded into C. Widening is exact, so this is exactly the f32 GEMM of the half
//!   inputs followed by one rounding; the copies cost O(mk + kn + mn) against O(mnk).
//! - `dpbf16` (bf16 on targets with AVX-512 BF16; not the default, see `prefer_dpbf16`):
//!   `vdpbf16ps` multiplies pairs of bf16 and adds both products to an f32 accumulator lane
//!   (16 lanes × 2 k values per instruction: twice the work of an f32 FMA, but measured here to
//!   issue at a third to a half of its rate). op(A) and op(B) are packed with k in pairs: A in MR-tall tiles
//!   `Ap[p·MR + i] = A(i, 2p) | A(i, 2p+1) << 16`, B in NR-wide panels
//!   `Bp[p·NR + j] = B(2p, j) | B(2p+1, j) << 16`, zero-padded (odd k, edge rows and columns).
//!   The micro-kernel keeps MR × NV accumulator vectors; each pair step loads NV vectors of B,
//!   broadcasts MR dwords of A and issues MR·NV `vdpbf16ps`. Every element of C is one chain over
//!   all of k (no k blocking: C cannot hold partial sums in half precision), then
//!   `alpha·acc (+ beta·C)` in f32 and one rounding, so results do not depend on the thread count
//!   or on the tile an element falls in. The instruction treats bf16 subnormal inputs as zero and
//!   flushes subnormal partial sums (its fixed DAZ/FTZ behaviour), and adds the odd product of a
//!   pair before the even one; otherwise it is f32 FMA arithmetic, so the two paths agree to
//!   within f32 accumulation error.
//!
//! - `amxBf16` (bf16 with AMX-BF16, granted by Linux): `tdpbf16ps` on 32×32 blocks of C; see the
//!   AMX section below.
//!
//! Threads: the packing and the tiles are split statically over the pool (by NR-wide column
//! panels, or MR-tall row tiles when C is narrow, or whole matrices of a batch); packed operands
//! live in the calling thread's scratch and are only read by the workers.
const std = @import("std");
const builtin = @import("builtin");
const pool = @import("pool.zig");
const half = @import("half.zig");
const gemm32 = @import("gemm.zig");
const status = @import("../status.zig");
const Scratch = @import("scratch.zig").Scratch;
const Error = status.Error;

pub const Format = half.Format;

const x86 = builtin.cpu.arch.isX86();
/// Whether the `vdpbf16ps` path is compiled in (comptime: the build targets the native CPU).
pub const has_dpbf16 = x86 and std.Target.x86.featureSetHas(builtin.cpu.features, .avx512bf16) and
    std.Target.x86.featureSetHas(builtin.cpu.features, .avx512f);

/// A batched half GEMM; pointers already include the element offsets. The caller (zig/abi/gemm.zig)
/// has proven every touched element in bounds and that the outputs of a batch do not overlap.
pub const Args = struct {
    trans_a: bool,
    trans_b: bool,
    batch: usize,
    m: usize,
    n: usize,
    k: usize,
    alpha: f32,
    a: [*]const u16,
    lda: usize,
    a_bstride: usize,
    b: [*]const u16,
    ldb: usize,
    b_bstride: usize,
    beta: f32,
    c: [*]u16,
    ldc: usize,
    c_bstride: usize,
};

/// Whether `gemm` takes the `vdpbf16ps` path for bf16 when the target has it. Off: measured on
/// the Sapphire Rapids-class Xeon this was written on, `vdpbf16ps` sustains a third to a half of the
/// instruction rate of the f32 FMA (so no more flops per cycle), and widening to f32 wins at every
/// shape tried (1 thread: 64×784×256 131 vs 83 GFLOP/s, 1024³ 139 vs 100). The path stays compiled and
/// tested for CPUs where the dot product issues at the FMA rate.
pub const prefer_dpbf16 = false;

/// Picks the fastest path the target has for `fmt`.
pub fn gemm(comptime fmt: Format, args: *const Args) Error!void {
    if (fmt == .bf16 and has_amx and amxReady()) return amxBf16(args);
    if (fmt == .bf16 and has_dpbf16 and prefer_dpbf16 and args.k >= 2) return dpbf16(args);
    return viaF32(fmt, args);
}

// ---------------------------------------------------------------------------------------------
// Portable path: widen to f32, run the f32 GEMM, round the result.

const WideBuffer = Scratch(f32, "f32 copies of 16-bit GEMM operands");

fn wideScratch(len: usize) Error![]align(64) f32 {
    return WideBuffer.get(len);
}

/// `count` matrices of `rows × cols` (row stride `ld`, `bstride` apart) ⇄ a compact f32 copy.
const Rows = struct {
    half_ptr: [*]u16,
    wide: [*]f32,
    rows: usize,
    cols: usize,
    ld: usize,
    bstride: usize,
};

/// Minimum elements per thread for the conversion loops.
const convert_chunk: usize = 32768;

/// Conversions of up to three operands in one job, split over the threads by elements (the
/// operands' rows differ in length, and one dispatch costs less than three).
const Convert = struct {
    jobs: [3]Rows = undefined,
    counts: [3]usize = undefined,
    n_jobs: usize = 0,

    fn add(self: *Convert, r: Rows, count: usize) void {
        if (count == 0 or r.rows == 0 or r.cols == 0) return;
        self.jobs[self.n_jobs] = r;
        self.counts[self.n_jobs] = count;
        self.n_jobs += 1;
    }

    fn total(self: *const Convert) usize {
        var t: usize = 0;
        for (0..self.n_jobs) |j| t += self.counts[j] * self.jobs[j].rows * self.jobs[j].cols;
        return t;
    }

    /// Converts elements [begin, end) of the concatenated compact copies; `to_f32` widens the
    /// half operands, else the f32 copies are rounded back into them.
    fn range(self: *const Convert, comptime fmt: Format, comptime to_f32: bool, begin: usize, end: usize) void {
        var base: usize = 0;
        for (0..self.n_jobs) |j| {
            const x = self.jobs[j];
            const len = self.counts[j] * x.rows * x.cols;
            defer base += len;
            if (end <= base or begin >= base + len) continue;
            const lo = @max(begin, base) - base;
            const hi = @min(end, base + len) - base;
            var e = lo;
            while (e < hi) {
                const row = e / x.cols;
                const c0 = e % x.cols;
                const c1 = @min(x.cols, c0 + (hi - e));
                const mat = row / x.rows;
                const i = row % x.rows;
                const h = x.half_ptr + mat * x.bstride + i * x.ld;
                const w = x.wide + row * x.cols;
                if (to_f32) half.sliceToF32(fmt, w[c0..c1], h[c0..c1]) else half.sliceFromF32(fmt, h[c0..c1], w[c0..c1]);
                e += c1 - c0;
            }
        }
    }

    fn run(self: *const Convert, comptime fmt: Format, comptime to_f32: bool) void {
        const Body = struct {
            fn body(cx: *const Convert, begin: usize, end: usize) void {
                cx.range(fmt, to_f32, begin, end);
            }
        };
        pool.parallelFor(self.total(), convert_chunk, self, Body.body);
    }
};

/// The portable path (also the reference the `vdpbf16ps` path is tested against).
pub fn viaF32(comptime fmt: Format, g: *const Args) Error!void {
    if (g.batch == 0 or g.m == 0 or g.n == 0) return;
    const uses_ab = g.k > 0;
    const a_rows = if (g.trans_a) g.k else g.m;
    const a_cols = if (g.trans_a) g.m else g.k;
    const b_rows = if (g.trans_b) g.n else g.k;
    const b_cols = if (g.trans_b) g.k else g.n;
    // A broadcast operand (batch stride 0) is widened once.
    const a_count: usize = if (!uses_ab) 0 else if (g.a_bstride == 0) 1 else g.batch;
    const b_count: usize = if (!uses_ab) 0 else if (g.b_bstride == 0) 1 else g.batch;
    const a_len = try mulAll(&.{ a_count, a_rows, a_cols });
    const b_len = try mulAll(&.{ b_count, b_rows, b_cols });
    const c_len = try mulAll(&.{ g.batch, g.m, g.n });
    const buf = try wideScratch(try addAll(&.{ roundUp(a_len, 16), roundUp(b_len, 16), c_len }));
    const aw = buf.ptr;
    const bw = aw + roundUp(a_len, 16);
    const cw = bw + roundUp(b_len, 16);
    const c_rows = Rows{ .half_ptr = g.c, .wide = cw, .rows = g.m, .cols = g.n, .ld = g.ldc, .bstride = g.c_bstride };
    var widen = Convert{};
    widen.add(.{ .half_ptr = @constCast(g.a), .wide = aw, .rows = a_rows, .cols = a_cols, .ld = g.lda, .bstride = g.a_bstride }, a_count);
    widen.add(.{ .half_ptr = @constCast(g.b), .wide = bw, .rows = b_rows, .cols = b_cols, .ld = g.ldb, .bstride = g.b_bstride }, b_count);
    if (g.beta != 0) widen.add(c_rows, g.batch);
    widen.run(fmt, true);
    try gemm32.gemm(
        g.trans_a,
        g.trans_b,
        g.batch,
        g.m,
        g.n,
        g.k,
        g.alpha,
        aw,
        a_cols,
        if (a_count > 1) a_rows * a_cols else 0,
        bw,
        b_cols,
        if (b_count > 1) b_rows * b_cols else 0,
        g.beta,
        cw,
        g.n,
        g.m * g.n,
    );
    var narrow = Convert{};
    narrow.add(c_rows, g.batch);
    narrow.run(fmt, false);
}

fn mulAll(xs: []const usize) Error!usize {
    var t: usize = 1;
    for (xs) |x| t = std.math.mul(usize, t, x) catch return status.err(error.Overflow, "gemm: scratch size overflows", .{});
    return t;
}

fn addAll(xs: []const usize) Error!usize {
    var t: usize = 0;
    for (xs) |x| t = std.math.add(usize, t, x) catch return status.err(error.Overflow, "gemm: scratch size overflows", .{});
    return t;
}

inline fn roundUp(x: usize, to: usize) usize {
    return (x + to - 1) / to * to;
}

// ---------------------------------------------------------------------------------------------
// AVX-512 BF16 path.

const L = 16; // f32 lanes of a zmm
const VF = @Vector(L, f32);
const VU = @Vector(L, u32);
const MR = 14;
const NV = 2;
const NR = NV * L;
/// Row tiles per cache block of A (MC = 8·14 rows: 112 rows × k pairs stay in L2 with B).
const MC_TILES = 8;

/// Multiply-adds below which a matrix runs on the calling thread alone.
const parallel_threshold: u64 = 1 << 19;

/// acc[i] += a.bf16[2i]·b.bf16[2i] + a.bf16[2i+1]·b.bf16[2i+1] for the 16 f32 lanes.
inline fn dp(acc: VF, a: VU, b: VU) VF {
    return asm ("vdpbf16ps %[b], %[a], %[acc]"
        : [acc] "=v" (-> VF),
        : [a] "v" (a),
          [b] "v" (b),
          [acc_in] "0" (acc),
    );
}

/// One matrix of a batch, elements as their 16-bit patterns.
const Problem = gemm32.ProblemOf(u16);

/// The `vdpbf16ps` path (only on targets that have it).
pub fn dpbf16(g: *const Args) Error!void {
    if (!has_dpbf16) @compileError("dpbf16 needs AVX-512 BF16");
    return batched(g, single);
}

/// Runs `one` on every matrix of a batch: matrices spread over the threads (each run serially)
/// when there are many or they are small, else one after the other, each split over the threads.
fn batched(g: *const Args, comptime one: fn (*const Problem, usize) Error!void) Error!void {
    if (g.batch == 0 or g.m == 0 or g.n == 0) return;
    if (g.k == 0) return viaF32(.bf16, g);
    const base = Problem{
        .trans_a = g.trans_a,
        .trans_b = g.trans_b,
        .m = g.m,
        .n = g.n,
        .k = g.k,
        .alpha = g.alpha,
        .a = g.a,
        .lda = g.lda,
        .b = g.b,
        .ldb = g.ldb,
        .beta = g.beta,
        .c = g.c,
        .ldc = g.ldc,
    };
    const threads = pool.numThreads();
    const work = std.math.mulWide(u64, g.m * g.n, g.k);
    if (g.batch > 1 and threads > 1 and (g.batch >= 2 * threads or work < parallel_threshold)) {
        const Ctx = struct { base: Problem, g: *const Args, failed: *std.atomic.Value(bool) };
        var failed = std.atomic.Value(bool).init(false);
        const ctx = Ctx{ .base = base, .g = g, .failed = &failed };
        const min_chunk: usize = @intCast(@max(1, parallel_threshold / @max(work, 1)));
        pool.parallelFor(g.batch, min_chunk, ctx, struct {
            fn run(cx: Ctx, begin: usize, end: usize) void {
                for (begin..end) |i| {
                    var p = cx.base;
                    p.a += i * cx.g.a_bstride;
                    p.b += i * cx.g.b_bstride;
                    p.c += i * cx.g.c_bstride;
                    one(&p, 1) catch {
                        cx.failed.store(true, .release);
                        return;
                    };
                }
            }
        }.run);
        if (failed.load(.acquire)) return status.err(error.OutOfMemory, "gemm: cannot allocate packing buffers", .{});
        return;
    }
    for (0..g.batch) |i| {
        var p = base;
        p.a += i * g.a_bstride;
        p.b += i * g.b_bstride;
        p.c += i * g.c_bstride;
        try one(&p, threads);
    }
}

const PackBuffer = Scratch(u32, "16-bit GEMM packing buffer");

fn packScratch(len: usize) Error![]align(64) u32 {
    return PackBuffer.get(len);
}

const Packed = struct {
    p: *const Problem,
    kp: usize, // k pairs
    ap: [*]u32, // m_tiles × kp × MR
    bp: [*]u32, // n_panels × kp × NR
    m_tiles: usize,
    n_panels: usize,
};

/// Row tile t of op(A) into Ap (pairs along k; zero past m and k).
fn packATile(x: *const Packed, t: usize) void {
    const p = x.p;
    const dst = x.ap + t * x.kp * MR;
    const r0 = t * MR;
    const mr = @min(MR, p.m - r0);
    const k_even = p.k & ~@as(usize, 1);
    for (0..x.kp) |q| {
        const row = dst + q * MR;
        const k0 = 2 * q;
        for (0..mr) |i| {
            const lo = p.aAt(r0 + i, k0);
            const hi: u32 = if (k0 < k_even) p.aAt(r0 + i, k0 + 1) else 0;
            row[i] = lo | hi << 16;
        }
        for (mr..MR) |i| row[i] = 0;
    }
}

/// Column panel jp of op(B) into Bp (pairs along k; zero past n and k).
fn packBPanel(x: *const Packed, jp: usize) void {
    const p = x.p;
    const dst = x.bp + jp * x.kp * NR;
    const j0 = jp * NR;
    const nr = @min(NR, p.n - j0);
    const k_even = p.k & ~@as(usize, 1);
    for (0..x.kp) |q| {
        const row = dst + q * NR;
        const k0 = 2 * q;
        const has_hi = k0 < k_even;
        if (!p.trans_b and nr == NR) {
            // Two contiguous rows of B interleaved in registers.
            const lo_row = p.b + k0 * p.ldb + j0;
            inline for (0..NV) |v| {
                const lo: VU = @as(@Vector(L, u16), lo_row[v * L ..][0..L].*);
                const hi: VU = if (has_hi) @as(@Vector(L, u16), (lo_row + p.ldb)[v * L ..][0..L].*) else @splat(0);
                row[v * L ..][0..L].* = lo | hi << @splat(16);
            }
            continue;
        }
        for (0..nr) |j| {
            const lo = p.bAt(k0, j0 + j);
            const hi: u32 = if (has_hi) p.bAt(k0 + 1, j0 + j) else 0;
            row[j] = lo | hi << 16;
        }
        for (nr..NR) |j| row[j] = 0;
    }
}

fn single(p: *const Problem, threads: usize) Error!void {
    const kp = (p.k + 1) / 2;
    const m_tiles = (p.m + MR - 1) / MR;
    const n_panels = (p.n + NR - 1) / NR;
    const a_len = m_tiles * kp * MR;
    const buf = try packScratch(a_len + n_panels * kp * NR);
    const x = Packed{ .p = p, .kp = kp, .ap = buf.ptr, .bp = buf.ptr + a_len, .m_tiles = m_tiles, .n_panels = n_panels };
    packThenCompute(Packed, &x, m_tiles, n_panels, threads, packATile, packBPanel, compute);
}

/// The schedule of both packed kernels: pack every A row block and B panel (one split over both
/// lists), then compute C split over row blocks (when there are few panels) or over panels; small
/// problems (`x.p`) stay on the calling thread.
fn packThenCompute(
    comptime X: type,
    x: *const X,
    rows: usize,
    panels: usize,
    max_threads: usize,
    comptime packA: fn (*const X, usize) void,
    comptime packB: fn (*const X, usize) void,
    comptime computeBlock: fn (*const X, usize, usize, usize, usize) void,
) void {
    const work = std.math.mulWide(u64, x.p.m * x.p.n, x.p.k);
    const threads = if (work < parallel_threshold) 1 else max_threads;
    const Ctx = struct { x: *const X, rows: usize, panels: usize };
    const ctx = Ctx{ .x = x, .rows = rows, .panels = panels };
    const Body = struct {
        fn pack(c: Ctx, begin: usize, end: usize) void {
            for (begin..end) |u| {
                if (u < c.rows) packA(c.x, u) else packB(c.x, u - c.rows);
            }
        }
        fn byRows(c: Ctx, begin: usize, end: usize) void {
            computeBlock(c.x, begin, end, 0, c.panels);
        }
        fn byPanels(c: Ctx, begin: usize, end: usize) void {
            computeBlock(c.x, 0, c.rows, begin, end);
        }
    };
    if (threads <= 1) {
        Body.pack(ctx, 0, rows + panels);
        computeBlock(x, 0, rows, 0, panels);
        return;
    }
    pool.parallelFor(rows + panels, 1, ctx, Body.pack);
    if (panels < 2 * threads and rows >= panels) {
        pool.parallelFor(rows, 1, ctx, Body.byRows);
    } else {
        pool.parallelFor(panels, 1, ctx, Body.byPanels);
    }
}

/// Tiles [t0, t1) × panels [j0, j1) of C: blocks of MC_TILES row tiles, each swept over the panels.
fn compute(x: *const Packed, t0: usize, t1: usize, j0: usize, j1: usize) void {
    var tb = t0;
    while (tb < t1) : (tb += MC_TILES) {
        const te = @min(t1, tb + MC_TILES);
        for (j0..j1) |jp| {
            const bp = x.bp + jp * x.kp * NR;
            for (tb..te) |t| {
                const acc = microKernel(x.kp, x.ap + t * x.kp * MR, bp);
                storeTile(x.p, &acc, t * MR, jp * NR);
            }
        }
    }
}

inline fn microKernel(kp: usize, ap: [*]const u32, bp: [*]const u32) [MR][NV]VF {
    var acc: [MR][NV]VF = undefined;
    inline for (0..MR) |i| inline for (0..NV) |v| {
        acc[i][v] = @splat(0);
    };
    var pa = ap;
    var pb = bp;
    for (0..kp) |_| {
        var bv: [NV]VU = undefined;
        inline for (0..NV) |v| bv[v] = pb[v * L ..][0..L].*;
        inline for (0..MR) |i| {
            const av: VU = @splat(pa[i]);
            inline for (0..NV) |v| acc[i][v] = dp(acc[i][v], av, bv[v]);
        }
        pa += MR;
        pb += NR;
    }
    return acc;
}

/// C tile = round(alpha·acc + beta·C) (C not read when beta == 0), only the valid part.
fn storeTile(p: *const Problem, acc: *const [MR][NV]VF, r0: usize, j0: usize) void {
    const mr = @min(MR, p.m - r0);
    const nr = @min(NR, p.n - j0);
    const va: VF = @splat(p.alpha);
    const vb: VF = @splat(p.beta);
    for (0..mr) |i| {
        const row = p.c + (r0 + i) * p.ldc + j0;
        if (nr == NR) {
            inline for (0..NV) |v| {
                const dst = row[v * L ..][0..L];
                const t = va * acc[i][v];
                const r = if (p.beta == 0) t else @mulAdd(VF, vb, half.toF32V(.bf16, L, dst.*), t);
                dst.* = half.fromF32V(.bf16, L, r);
            }
        } else {
            const vals: [NR]f32 = @bitCast(acc[i]);
            for (0..nr) |j| {
                const t = p.alpha * vals[j];
                const r = if (p.beta == 0) t else @mulAdd(f32, p.beta, half.toF32(.bf16, row[j]), t);
                row[j] = half.fromF32(.bf16, r);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// AMX path (bf16 on targets with AMX-BF16).
//
// `tdpbf16ps` multiplies a 16×32 bf16 tile of A by a 16-pair × 16-column tile of B into a 16×16
// f32 tile of C. A micro-tile of C is 32×32 (tiles tmm0..3), computed from two A tiles (tmm4, 5)
// and two B tiles (tmm6, 7) per 32-wide block of k, over all of k in increasing blocks; then
// stored to a small f32 buffer and from there `alpha·acc (+ beta·C)` rounded into C, as the
// other paths. Packing (zero-padded to whole tiles, each tile 1 KiB or 2 KiB contiguous so that
// tile loads have a 64-byte stride):
//   A: Ap[((rb·KB + kb)·32 + r)·32 + c]              = A(32·rb + r, 32·kb + c)
//   B: Bp[(((jp·KB + kb)·2 + h)·16 + q)·32 + 2·j + e] = B(32·kb + 2·q + e, 32·jp + 16·h + j)
// Like `vdpbf16ps`, the instruction treats bf16 subnormal inputs as zero and flushes subnormal
// results. Linux hands out the AMX register state only on request (arch_prctl, once per process);
// each thread loads the tile configuration before using the tiles and releases them after.

/// Whether the AMX path is compiled in.
pub const has_amx = x86 and builtin.os.tag == .linux and
    std.Target.x86.featureSetHas(builtin.cpu.features, .amx_bf16) and
    std.Target.x86.featureSetHas(builtin.cpu.features, .amx_tile);

/// 0: not asked yet, 1: granted, 2: refused (the portable path is used).
var amx_state = std.atomic.Value(u8).init(0);

/// Asks Linux for the AMX tile data state (ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) once.
pub fn amxReady() bool {
    if (!has_amx) return false;
    const s = amx_state.load(.acquire);
    if (s != 0) return s == 1;
    const rc = std.os.linux.syscall2(.arch_prctl, 0x1023, 18);
    const ok = rc == 0;
    amx_state.store(if (ok) 1 else 2, .release);
    return ok;
}

const AmxCfg = extern struct {
    palette: u8 = 1,
    start_row: u8 = 0,
    reserved: [14]u8 = [_]u8{0} ** 14,
    colsb: [16]u16 = [_]u16{64} ** 8 ++ [_]u16{0} ** 8,
    rows: [16]u8 = [_]u8{16} ** 8 ++ [_]u8{0} ** 8,
};

const amx_cfg: AmxCfg align(64) = .{};

inline fn tileConfig() void {
    asm volatile ("ldtilecfg (%[c])"
        :
        : [c] "r" (&amx_cfg),
        : "memory"
    );
}

inline fn tileRelease() void {
    asm volatile ("tilerelease" ::: "memory");
}

/// The AMX path (only where compiled in and granted by the OS).
pub fn amxBf16(g: *const Args) Error!void {
    if (!has_amx) @compileError("amxBf16 needs AMX-BF16");
    return batched(g, amxSingle);
}

const AmxPacked = struct {
    p: *const Problem,
    kb_count: usize,
    ap: [*]u16,
    bp: [*]u16,
    m_blocks: usize,
    n_panels: usize,
};

fn amxPackA(x: *const AmxPacked, rb: usize) void {
    const p = x.p;
    for (0..x.kb_count) |kb| {
        const dst = x.ap + (rb * x.kb_count + kb) * 1024;
        for (0..32) |r| {
            const i = rb * 32 + r;
            const row = dst + r * 32;
            if (i >= p.m) {
                @memset(row[0..32], 0);
                continue;
            }
            const k0 = kb * 32;
            const kn = @min(32, p.k - k0);
            if (!p.trans_a) {
                @memcpy(row[0..kn], p.a[i * p.lda + k0 ..][0..kn]);
            } else {
                for (0..kn) |c| row[c] = p.a[(k0 + c) * p.lda + i];
            }
            @memset(row[kn..32], 0);
        }
    }
}

fn amxPackB(x: *const AmxPacked, jp: usize) void {
    const p = x.p;
    for (0..x.kb_count) |kb| {
        const dst = x.bp + jp * x.kb_count * 1024 + kb * 1024;
        for (0..2) |h| {
            const c0 = jp * 32 + h * 16;
            const k0 = kb * 32;
            if (c0 + 16 <= p.n and k0 + 32 <= p.k) {
                amxPackBFull(p, dst + h * 512, k0, c0);
                continue;
            }
            for (0..16) |q| amxPackBRow(p, dst + (h * 16 + q) * 32, kb, q, c0);
        }
    }
}

/// A whole 16-pair × 16-column B tile (no padding).
inline fn amxPackBFull(p: *const Problem, dst: [*]u16, k0: usize, c0: usize) void {
    if (!p.trans_b) {
        // Rows 2q and 2q + 1 of B, 16 contiguous columns each, interleaved in registers.
        for (0..16) |q| {
            const lo: @Vector(16, u32) = @as(@Vector(16, u16), p.b[(k0 + 2 * q) * p.ldb + c0 ..][0..16].*);
            const hi: @Vector(16, u32) = @as(@Vector(16, u16), p.b[(k0 + 2 * q + 1) * p.ldb + c0 ..][0..16].*);
            const out: [32]u16 = @bitCast(lo | hi << @splat(16));
            dst[q * 32 ..][0..32].* = out;
        }
    } else {
        // B stored n×k: the 32 k values of a column are contiguous; pair q (one dword) goes to
        // row q. A 16×16 dword transpose, done as 16-lane gathers from a staging copy.
        var stage: [16][16]u32 = undefined;
        for (0..16) |j| stage[j] = @bitCast(p.b[(c0 + j) * p.ldb + k0 ..][0..32].*);
        const d: [*]u32 = @ptrCast(@alignCast(dst)); // tiles are 64-byte aligned
        for (0..16) |q| {
            var row: [16]u32 = undefined;
            inline for (0..16) |j| row[j] = stage[j][q];
            d[q * 16 ..][0..16].* = row;
        }
    }
}

/// Row q of a B tile whose columns from c0 run past n or whose pairs run past k (zero-padded).
fn amxPackBRow(p: *const Problem, row: [*]u16, kb: usize, q: usize, c0: usize) void {
    for (0..16) |j| {
        const col = c0 + j;
        for (0..2) |e| {
            const kk = kb * 32 + 2 * q + e;
            row[2 * j + e] = if (col < p.n and kk < p.k) @intCast(p.bAt(kk, col)) else 0;
        }
    }
}

/// Row blocks (32 rows) per cache block of A: 4 × 32 rows × k stay in L2 with the B panel.
const AMX_RB_BLOCK = 4;

fn amxSingle(p: *const Problem, threads: usize) Error!void {
    const kb_count = (p.k + 31) / 32;
    const m_blocks = (p.m + 31) / 32;
    const n_panels = (p.n + 31) / 32;
    const a_len = m_blocks * kb_count * 1024;
    const buf = try packScratch((a_len + n_panels * kb_count * 1024 + 1) / 2);
    const base: [*]u16 = @ptrCast(buf.ptr);
    const x = AmxPacked{ .p = p, .kb_count = kb_count, .ap = base, .bp = base + a_len, .m_blocks = m_blocks, .n_panels = n_panels };
    packThenCompute(AmxPacked, &x, m_blocks, n_panels, threads, amxPackA, amxPackB, amxCompute);
}

fn amxCompute(x: *const AmxPacked, rb0: usize, rb1: usize, jp0: usize, jp1: usize) void {
    if (rb0 >= rb1 or jp0 >= jp1) return;
    tileConfig();
    defer tileRelease();
    var tmp: [32][32]f32 align(64) = undefined;
    const s64: usize = 64;
    const s128: usize = 128;
    var rbb = rb0;
    while (rbb < rb1) : (rbb += AMX_RB_BLOCK) {
        const rbe = @min(rb1, rbb + AMX_RB_BLOCK);
        for (jp0..jp1) |jp| {
            for (rbb..rbe) |rb| {
                asm volatile (
                    \\tilezero %%tmm0
                    \\tilezero %%tmm1
                    \\tilezero %%tmm2
                    \\tilezero %%tmm3
                );
                var pa: [*]const u16 = x.ap + rb * x.kb_count * 1024;
                var pb: [*]const u16 = x.bp + jp * x.kb_count * 1024;
                for (0..x.kb_count) |_| {
                    asm volatile (
                        \\tileloadd (%[a],%[s],1), %%tmm4
                        \\tileloadd (%[b],%[s],1), %%tmm6
                        \\tileloadd 1024(%[a],%[s],1), %%tmm5
                        \\tileloadd 1024(%[b],%[s],1), %%tmm7
                        \\tdpbf16ps %%tmm6, %%tmm4, %%tmm0
                        \\tdpbf16ps %%tmm7, %%tmm4, %%tmm1
                        \\tdpbf16ps %%tmm6, %%tmm5, %%tmm2
                        \\tdpbf16ps %%tmm7, %%tmm5, %%tmm3
                        :
                        : [a] "r" (pa),
                          [b] "r" (pb),
                          [s] "r" (s64),
                        : "memory"
                    );
                    pa += 1024;
                    pb += 1024;
                }
                const t: [*]f32 = @ptrCast(&tmp);
                asm volatile (
                    \\tilestored %%tmm0, (%[t],%[s],1)
                    \\tilestored %%tmm1, 64(%[t],%[s],1)
                    \\tilestored %%tmm2, 2048(%[t],%[s],1)
                    \\tilestored %%tmm3, 2112(%[t],%[s],1)
                    :
                    : [t] "r" (t),
                      [s] "r" (s128),
                    : "memory"
                );
                amxStore(x.p, &tmp, rb * 32, jp * 32);
            }
        }
    }
}

/// C block = round(alpha·acc + beta·C) (C not read when beta == 0), only the valid part.
fn amxStore(p: *const Problem, acc: *const [32][32]f32, r0: usize, j0: usize) void {
    const mr = @min(32, p.m - r0);
    const nr = @min(32, p.n - j0);
    const va: VF = @splat(p.alpha);
    const vb: VF = @splat(p.beta);
    for (0..mr) |i| {
        const row = p.c + (r0 + i) * p.ldc + j0;
        if (nr == 32) {
            inline for (0..2) |v| {
                const dst = row[v * L ..][0..L];
                const a: VF = acc[i][v * L ..][0..L].*;
                const t = va * a;
                const r = if (p.beta == 0) t else @mulAdd(VF, vb, half.toF32V(.bf16, L, dst.*), t);
                dst.* = half.fromF32V(.bf16, L, r);
            }
        } else {
            for (0..nr) |j| {
                const t = p.alpha * acc[i][j];
                const r = if (p.beta == 0) t else @mulAdd(f32, p.beta, half.toF32(.bf16, row[j]), t);
                row[j] = half.fromF32(.bf16, r);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Tests: both paths against an f64 reference computed from the same half inputs.

const testing = std.testing;

const Case = gemm32.TestCase;

const Path = enum { via_f32, dpbf16, amx };

fn runPath(comptime fmt: Format, path: Path, cs: Case, threads: usize, a: []const u16, b: []const u16, c0: []const u16) ![]u16 {
    _ = pool.setNumThreads(threads);
    const c = try testing.allocator.dupe(u16, c0);
    const args = Args{
        .trans_a = cs.ta,
        .trans_b = cs.tb,
        .batch = cs.batch,
        .m = cs.m,
        .n = cs.n,
        .k = cs.k,
        .alpha = cs.alpha,
        .a = a.ptr,
        .lda = cs.lda(),
        .a_bstride = cs.aBstride(),
        .b = b.ptr,
        .ldb = cs.ldb(),
        .b_bstride = cs.bBstride(),
        .beta = cs.beta,
        .c = c.ptr,
        .ldc = cs.ldc(),
        .c_bstride = cs.m * cs.ldc(),
    };
    switch (path) {
        .via_f32 => try viaF32(fmt, &args),
        .dpbf16 => if (has_dpbf16) try dpbf16(&args) else unreachable,
        .amx => if (has_amx) try amxBf16(&args) else unreachable,
    }
    return c;
}

/// Spacing of the half format at magnitude x (≥ 0): 2^(floor(log2 x) − mantissa bits), at least
/// the subnormal spacing.
fn ulpHalf(comptime fmt: Format, x: f64) f64 {
    const mbits: i32 = if (fmt == .f16) 10 else 7;
    const emin: i32 = if (fmt == .f16) -14 else -126;
    var e: i32 = emin;
    if (x > 0) e = @max(emin, std.math.frexp(x).exponent - 1);
    return std.math.ldexp(@as(f64, 1), e - mbits);
}

fn checkCase(comptime fmt: Format, cs: Case) !void {
    const alloc = testing.allocator;
    var prng = std.Random.DefaultPrng.init(cs.seed());
    const rng = prng.random();
    const ldc = cs.ldc();
    const a = try alloc.alloc(u16, cs.aLen());
    defer alloc.free(a);
    const b = try alloc.alloc(u16, cs.bLen());
    defer alloc.free(b);
    const c0 = try alloc.alloc(u16, cs.cLen());
    defer alloc.free(c0);
    for (a) |*x| x.* = half.fromF32(fmt, rng.float(f32) * 2 - 1);
    for (b) |*x| x.* = half.fromF32(fmt, rng.float(f32) * 2 - 1);
    // beta == 0 must not read C: poison it with NaN.
    const nan_bits: u16 = if (fmt == .f16) 0x7E00 else 0x7FC0;
    for (c0) |*x| x.* = if (cs.beta == 0) nan_bits else half.fromF32(fmt, rng.float(f32) * 4 - 2);

    var path_buf: [3]Path = undefined;
    var n_paths: usize = 0;
    path_buf[n_paths] = .via_f32;
    n_paths += 1;
    if (fmt == .bf16 and has_dpbf16) {
        path_buf[n_paths] = .dpbf16;
        n_paths += 1;
    }
    if (fmt == .bf16 and has_amx and amxReady()) {
        path_buf[n_paths] = .amx;
        n_paths += 1;
    }
    const paths = path_buf[0..n_paths];
    var results: [3][]u16 = undefined;
    for (paths, 0..) |path, pi| {
        const c1 = try runPath(fmt, path, cs, 1, a, b, c0);
        results[pi] = c1;
        for ([_]usize{ 2, 3 }) |t| {
            const ct = try runPath(fmt, path, cs, t, a, b, c0);
            defer alloc.free(ct);
            // Same bits for every thread count.
            try testing.expectEqualSlices(u16, c1, ct);
        }
    }
    defer for (results[0..paths.len]) |r| alloc.free(r);
    _ = pool.setNumThreads(2);

    const widen = struct {
        fn f(x: u16) f64 {
            return half.toF32(fmt, x);
        }
    }.f;
    for (0..cs.batch) |bi| {
        for (0..cs.m) |i| {
            for (0..cs.n) |j| {
                const exact = cs.reference(u16, widen, a, b, c0, bi, i, j);
                const ref = exact.value;
                const mag = exact.magnitude;
                const ci = cs.cIndex(bi, i, j);
                // f32 accumulation: at most about (k + 2) roundings of 2^-24 relative to the
                // magnitude of the terms; then one rounding to the half type: within one ulp of
                // the half value nearest to the exact result.
                const slack = @as(f64, @floatFromInt(cs.k + 2)) * 0x1p-24 * mag;
                const tol = ulpHalf(fmt, @abs(ref) + slack) + slack;
                for (paths, 0..) |path, pi| {
                    const got: f64 = half.toF32(fmt, results[pi][ci]);
                    if (!(@abs(got - ref) <= tol)) {
                        std.debug.print("{s} gemm ({s}) mismatch {any} at batch {d} ({d},{d}): got {d}, want {d} (tol {e})\n", .{ @tagName(fmt), @tagName(path), cs, bi, i, j, got, ref, tol });
                        return error.TestExpectedEqual;
                    }
                }
                // The fast paths agree closely with the portable one.
                for (1..paths.len) |pi| {
                    const d = @abs(@as(f64, half.toF32(fmt, results[0][ci])) - half.toF32(fmt, results[pi][ci]));
                    try testing.expect(d <= ulpHalf(fmt, @abs(ref) + slack) + 2 * slack);
                }
            }
            // Padding columns of C untouched (NaN poison included, bit for bit).
            const row0 = bi * cs.m * ldc + i * ldc;
            for (results[0..paths.len]) |r| try testing.expectEqualSlices(u16, c0[row0 + cs.n .. row0 + ldc], r[row0 + cs.n .. row0 + ldc]);
        }
    }
}

fn checkBoth(cs: Case) !void {
    try checkCase(.f16, cs);
    try checkCase(.bf16, cs);
}

test "half gemm matches an f64 reference on every transpose combination" {
    const sizes = [_][3]usize{
        .{ 1, 1, 1 },      .{ 7, 13, 17 }, .{ 63, 64, 65 }, .{ 64, 65, 63 }, .{ 65, 63, 64 },
        .{ 64, 256, 784 }, .{ 2, 3, 2 },   .{ 15, 33, 3 },  .{ 30, 1, 40 },  .{ 1, 70, 9 },
    };
    for (sizes) |s| {
        for ([_]bool{ false, true }) |ta| for ([_]bool{ false, true }) |tb| {
            try checkBoth(.{ .m = s[0], .n = s[1], .k = s[2], .ta = ta, .tb = tb });
        };
    }
}

test "half gemm with strided leading dimensions, alpha, beta and batches" {
    for ([_]bool{ false, true }) |ta| for ([_]bool{ false, true }) |tb| {
        try checkBoth(.{ .m = 45, .n = 70, .k = 33, .ta = ta, .tb = tb, .pad = 3, .alpha = 0.5, .beta = -1.5 });
        try checkBoth(.{ .m = 17, .n = 9, .k = 50, .ta = ta, .tb = tb, .pad = 1, .alpha = 1, .beta = 0.25 });
    };
    try checkBoth(.{ .m = 130, .n = 200, .k = 301, .pad = 5, .alpha = -2, .beta = 1 });
    try checkBoth(.{ .batch = 3, .m = 20, .n = 35, .k = 19, .bcast_a = true });
    try checkBoth(.{ .batch = 4, .m = 33, .n = 17, .k = 40, .bcast_b = true, .tb = true, .beta = 2 });
    try checkBoth(.{ .batch = 9, .m = 5, .n = 6, .k = 7, .ta = true, .pad = 2, .beta = -1 });
    try checkBoth(.{ .batch = 2, .m = 100, .n = 150, .k = 90, .bcast_a = true, .bcast_b = true, .pad = 1 });
    // k = 0 only scales C (beta = 0 writes zeros without reading the NaN poison).
    try checkBoth(.{ .m = 5, .n = 7, .k = 0, .beta = 0.5 });
    try checkBoth(.{ .m = 5, .n = 7, .k = 0, .beta = 0, .pad = 1 });
}

test "half gemm rounds C once: a sum that f32 holds exactly is rounded to nearest even" {
    // 1·1 + 2^-8·1: the f32 accumulator holds 1 + 2^-8 exactly, a tie between bf16 1 and
    // 1 + 2^-7, which rounds to even (1.0); just above the tie it rounds up; with beta = 1 the
    // old C joins the sum before the one rounding.
    var a = [_]u16{ half.fromF32(.bf16, 1), half.fromF32(.bf16, 0x1p-8) };
    var b = [_]u16{ half.fromF32(.bf16, 1), half.fromF32(.bf16, 1) };
    var c = [_]u16{0};
    var args = Args{
        .trans_a = false,
        .trans_b = false,
        .batch = 1,
        .m = 1,
        .n = 1,
        .k = 2,
        .alpha = 1,
        .a = &a,
        .lda = 2,
        .a_bstride = 0,
        .b = &b,
        .ldb = 1,
        .b_bstride = 0,
        .beta = 0,
        .c = &c,
        .ldc = 1,
        .c_bstride = 0,
    };
    try gemm(.bf16, &args);
    try testing.expectEqual(half.fromF32(.bf16, 1), c[0]);
    a[1] = half.fromF32(.bf16, 0x1.8p-8); // 1 + 1.5·2^-8 rounds up to 1 + 2^-7
    try gemm(.bf16, &args);
    try testing.expectEqual(half.fromF32(.bf16, 1 + 0x1p-7), c[0]);
    args.beta = 1; // C_new = round(acc + C_old) = round(2 + 1.5·2^-8 + 2^-7) → 2 + 2^-6
    try gemm(.bf16, &args);
    try testing.expectEqual(half.fromF32(.bf16, 2 + 0x1p-6), c[0]);
}
