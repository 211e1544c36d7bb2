//! Single-precision GEMM, BLIS/GotoBLAS style: row-major `C = alpha·op(A)·op(B) + beta·C`.
//!
//! Structure (per thread, over its part of C):
//!
//!   for jc in N step NC            B block  (KC × NC)  packed once per (jc, pc): sized to L2 (ncFor)
//!     for pc in K step KC
//!       pack B[pc.., jc..]         → NR-wide panels  Bp[p·NR + j]   (zero-padded edge panel)
//!       for ic in M step MC        A block  (MC × KC)  packed once per (ic, pc): lives in L2
//!         pack A[ic.., pc..]       → MR-tall panels  Ap[p·MR + i]   (zero-padded edge panel)
//!         for ir in MC step MR     A micro-panel (MR × KC) stays in L1
//!           for jr in NC step NR   micro-kernel: MR×NR accumulators in vector registers
//!                                  (the B micro-panels stream through L1 from L2)
//!
//! Packing absorbs transposes and leading dimensions. When the reuse of an operand is small
//! (few rows of C for B, few columns of C for A) and its layout already suits the micro-kernel,
//! the kernel reads it in place instead (no packing): B when it is not transposed (rows are
//! contiguous along n), A in either layout (broadcasts need no contiguity). Only the ragged edge
//! panels are then copied into small zero-padded buffers.
//!
//! Micro-kernel: MR×NV vectors of `vlen` f32 (AVX-512: 16 lanes, 32 zmm registers; AVX2: 8
//! lanes, 16 ymm). Each k step loads NV vectors of B, broadcasts MR elements of A and issues
//! MR·NV fused multiply-adds. On x86-64 with AVX-512 the wide tile (MR = 10 … 14, NV = 2, A
//! packed or rows in place) runs a kernel written out in assembly (`asmTemplate`: k unrolled by
//! 4, accumulators pinned to zmm0 … zmm27, a broadcast shared by the two FMAs of a row); it
//! performs exactly the fma chain of `microKernel`. Tiles on the edges run the same kernel on
//! zero-padded operands and store only the valid part (a row tile one short of MR with A in place
//! runs the (MR-1)-row kernel on A directly instead), so every element of C is computed by exactly the same sequence of
//! operations wherever it lies: acc = fma chain over k in increasing order (restarting at every
//! KC block), then `C = alpha·acc + beta·C` for the first block and `C += alpha·acc` for the later
//! ones. Results therefore do not depend on the thread count or on the tile an element falls in.
//!
//! Threads: the pool's static split over NR-wide column panels (or MR-tall row tiles when C is
//! narrow, or whole matrices of a batch). Each thread owns disjoint tiles of C and its own packing
//! buffers (thread-local, grown on demand, kept between calls).
const std = @import("std");
const builtin = @import("builtin");
const pool = @import("pool.zig");
const status = @import("../status.zig");
const Scratch = @import("scratch.zig").Scratch;
const Error = status.Error;

const x86 = builtin.cpu.arch.isX86();
const has_avx512 = x86 and std.Target.x86.featureSetHas(builtin.cpu.features, .avx512f);
const has_avx2 = x86 and std.Target.x86.featureSetHas(builtin.cpu.features, .avx2);

/// f32 lanes per vector register chosen from the target (AVX-512: 16, AVX/AVX2: 8, else 4).
pub const vlen: usize = if (has_avx512) 16 else if (has_avx2) 8 else 4;
const V = @Vector(vlen, f32);

/// Register tile of the main micro-kernel: MR rows × NV vectors.
const Tile = struct { mr: usize, nv: usize };
/// Wide kernel (C with many columns) and narrow kernel (C with at most one vector of columns).
const wide: Tile = if (has_avx512) .{ .mr = 14, .nv = 2 } else if (has_avx2) .{ .mr = 6, .nv = 2 } else .{ .mr = 4, .nv = 2 };
const narrow: Tile = if (has_avx512) .{ .mr = 16, .nv = 1 } else if (has_avx2) .{ .mr = 12, .nv = 1 } else .{ .mr = 8, .nv = 1 };

/// Cache blocking (elements). MR·KC·4 B of A micro-panel in L1, KC·NC·4 B of B block in L2.
/// K is cut into equal blocks of at most KC (k = 784: 2 × 392; 1024: 3 × 342).
const KC: usize = 400;
const MC_TILES: usize = 12; // MC = MC_TILES · MR
const NC: usize = 3072;

/// Bytes of a packed B block (kc × nc) meant to stay in L2 across the row tiles of A: the
/// micro-kernel streams B's micro-panels for every MR rows of C, so a block larger than L2 is read
/// again from L3 for every row tile. Measured on one core (CPU time, 2026-12-02, 2 MB L2):
/// 256×2048×2048 went from ~100 GFLOP/s (one 342 × 2048 block, 2.8 MB) to ~128-136 with blocks of
/// ≤ 1 MB, on two cores 215-232 → 235-252; 1024³ unchanged (~140-150 on one core).
const b_block_budget: usize = 1024 * 1024;

/// Columns of a B block for a thread's `cols` columns and `kc`: the columns cut into equal blocks
/// (whole NR-wide panels) that each fit `b_block_budget`, at most NC. Blocking over n changes no
/// arithmetic (every element still sums its k blocks in order).
fn ncFor(cols: usize, kc: usize, comptime NR: usize) usize {
    const panels = (cols + NR - 1) / NR;
    const per_panel = kc * NR * @sizeOf(f32);
    const fit = @max(1, @min(NC / NR, b_block_budget / @max(per_panel, 1)));
    const blocks = (panels + fit - 1) / fit;
    return (panels + blocks - 1) / blocks * NR;
}

const max_mr = @max(wide.mr, narrow.mr);
const max_nr = @max(wide.nv, narrow.nv) * vlen;

/// A problem for one matrix of a batch over elements of type `T` (f32 here; zig/cpu/gemm_half.zig
/// uses the 16-bit patterns); pointers already include the element offsets.
pub fn ProblemOf(comptime T: type) type {
    return struct {
        const Self = @This();
        trans_a: bool,
        trans_b: bool,
        m: usize,
        n: usize,
        k: usize,
        alpha: f32,
        a: [*]const T,
        lda: usize,
        b: [*]const T,
        ldb: usize,
        beta: f32,
        c: [*]T,
        ldc: usize,

        /// Element (i, p) of op(A).
        pub inline fn aAt(self: *const Self, i: usize, p: usize) T {
            return if (self.trans_a) self.a[p * self.lda + i] else self.a[i * self.lda + p];
        }
        /// Element (p, j) of op(B).
        pub inline fn bAt(self: *const Self, p: usize, j: usize) T {
            return if (self.trans_b) self.b[j * self.ldb + p] else self.b[p * self.ldb + j];
        }
    };
}

/// The f32 problem.
pub const Problem = ProblemOf(f32);

/// Batched GEMM. `a_bstride`/`b_bstride` may be 0 (broadcast); `c_bstride` separates the
/// outputs of the batch (the caller guarantees they do not overlap).
pub fn gemm(
    trans_a: bool,
    trans_b: bool,
    batch: usize,
    m: usize,
    n: usize,
    k: usize,
    alpha: f32,
    a: [*]const f32,
    lda: usize,
    a_bstride: usize,
    b: [*]const f32,
    ldb: usize,
    b_bstride: usize,
    beta: f32,
    c: [*]f32,
    ldc: usize,
    c_bstride: usize,
) Error!void {
    if (batch == 0 or m == 0 or n == 0) return;
    const base = Problem{
        .trans_a = trans_a,
        .trans_b = trans_b,
        .m = m,
        .n = n,
        .k = k,
        .alpha = alpha,
        .a = a,
        .lda = lda,
        .b = b,
        .ldb = ldb,
        .beta = beta,
        .c = c,
        .ldc = ldc,
    };
    const threads = pool.numThreads();
    const work = std.math.mulWide(u64, m * n, @max(k, 1));
    // Many matrices, each too small to be worth splitting: one thread per group of matrices.
    if (batch > 1 and threads > 1 and (batch >= 2 * threads or work < parallel_threshold)) {
        const Ctx = struct { base: Problem, a_bs: usize, b_bs: usize, c_bs: usize, failed: *std.atomic.Value(bool) };
        var failed = std.atomic.Value(bool).init(false);
        const ctx = Ctx{ .base = base, .a_bs = a_bstride, .b_bs = b_bstride, .c_bs = c_bstride, .failed = &failed };
        const per_item = work;
        const min_chunk: usize = @intCast(@max(1, parallel_threshold / @max(per_item, 1)));
        pool.parallelFor(batch, min_chunk, ctx, struct {
            fn run(cx: Ctx, begin: usize, end: usize) void {
                for (begin..end) |i| {
                    var p = cx.base;
                    p.a += i * cx.a_bs;
                    p.b += i * cx.b_bs;
                    p.c += i * cx.c_bs;
                    single(&p, 1) catch {
                        cx.failed.store(true, .release);
                        return;
                    };
                }
            }
        }.run);
        if (failed.load(.acquire)) return status.err(error.OutOfMemory, "gemm: cannot allocate packing buffers", .{});
        return;
    }
    for (0..batch) |i| {
        var p = base;
        p.a += i * a_bstride;
        p.b += i * b_bstride;
        p.c += i * c_bstride;
        try single(&p, threads);
    }
}

/// One matrix on `threads` threads (1: the calling thread alone, for callers that already split
/// their work, such as zig/cpu/conv2d.zig's per-image loops).
pub fn gemmOne(p: *const Problem, threads: usize) Error!void {
    if (p.m == 0 or p.n == 0) return;
    return single(p, threads);
}

/// Multiply-adds below which a matrix runs on the calling thread alone.
const parallel_threshold: u64 = 1 << 19;

/// C = beta·C for k == 0 (beta == 0 writes zeros without reading C).
fn scaleC(p: *const Problem) void {
    for (0..p.m) |i| {
        const row = p.c[i * p.ldc ..][0..p.n];
        if (p.beta == 0) {
            @memset(row, 0);
        } else if (p.beta != 1) {
            for (row) |*x| x.* *= p.beta;
        }
    }
}

/// One matrix, split over up to `threads` threads.
fn single(p: *const Problem, threads: usize) Error!void {
    if (p.k == 0) return scaleC(p);
    if (useDot(p)) return dotNarrow(p, threads);
    if (useSwap(p)) return swapped(p, threads);
    return tiled(p, threads);
}

fn tiled(p: *const Problem, threads: usize) Error!void {
    if (p.n <= narrow.nv * vlen) return singleTiled(narrow, p, threads);
    if (has_avx512) {
        // The wide kernel's row count is picked from the shape so that few rows of C are padding
        // (m = 64: 5 tiles of 13 rows instead of 5 of 14; m = 10: one tile of 10).
        return switch (wideRows(p.m)) {
            inline 10...14 => |mr| singleTiled(.{ .mr = mr, .nv = wide.nv }, p, threads),
            else => unreachable,
        };
    }
    return singleTiled(wide, p, threads);
}

/// Few rows of C and many columns: compute T = Cᵀ = op(B)ᵀ·op(A)ᵀ instead (op(B) stored n×k is
/// then the in-place row operand; only the small op(A) is packed), then C = alpha·Tᵀ + beta·C.
fn useSwap(p: *const Problem) bool {
    return has_avx512 and p.trans_b and p.m <= 96 and p.n >= 2 * p.m and p.n > narrow.nv * vlen and p.k >= 64;
}

const TransposeBuffer = Scratch(f32, "GEMM transpose buffer");

fn swapped(p: *const Problem, threads: usize) Error!void {
    const ldt = p.m;
    const len = p.n * ldt;
    const t = try TransposeBuffer.get(len);
    const q = Problem{
        .trans_a = !p.trans_b,
        .trans_b = !p.trans_a,
        .m = p.n,
        .n = p.m,
        .k = p.k,
        .alpha = 1,
        .a = p.b,
        .lda = p.ldb,
        .b = p.a,
        .ldb = p.lda,
        .beta = 0,
        .c = t.ptr,
        .ldc = ldt,
    };
    try tiled(&q, threads);
    const va: V = @splat(p.alpha);
    const vb: V = @splat(p.beta);
    var j: usize = 0;
    while (j + vlen <= p.n) : (j += vlen) {
        var i: usize = 0;
        while (i + vlen <= p.m) : (i += vlen) {
            var rows: [vlen]V = undefined;
            inline for (0..vlen) |r| rows[r] = t[(j + r) * ldt + i ..][0..vlen].*;
            transpose(&rows);
            inline for (0..vlen) |r| {
                const dst = p.c[(i + r) * p.ldc + j ..][0..vlen];
                const x = va * rows[r];
                dst.* = if (p.beta == 0) x else @mulAdd(V, vb, dst.*, x);
            }
        }
        for (i..p.m) |ii| for (j..j + vlen) |jj| swapStore(p, t, ldt, ii, jj);
    }
    for (0..p.m) |ii| for (j..p.n) |jj| swapStore(p, t, ldt, ii, jj);
}

inline fn swapStore(p: *const Problem, t: []const f32, ldt: usize, i: usize, j: usize) void {
    const x = p.alpha * t[j * ldt + i];
    const dst = &p.c[i * p.ldc + j];
    dst.* = if (p.beta == 0) x else @mulAdd(f32, p.beta, dst.*, x);
}

/// Rows of the AVX-512 wide micro-kernel for an m-row C: the candidate (14 down to 10) that wastes
/// the least work on padding rows, with a 0.5% handicap per row below 14 (a shorter tile reuses
/// each B load less). m = 64 → 13 (5 tiles, 65 rows instead of 70), m = 10 → 10, m = 1000 → 14.
fn wideRows(m: usize) usize {
    var best: usize = wide.mr;
    var best_score: u64 = 0;
    var mr: usize = wide.mr;
    while (mr >= 10) : (mr -= 1) {
        const score = @as(u64, m) * (1000 - 5 * (wide.mr - mr)) * 1000 / roundUp(m, mr);
        if (score > best_score) {
            best = mr;
            best_score = score;
        }
    }
    return best;
}

/// Packing decisions for one matrix (the same for every thread, so results cannot depend on it).
const Plan = struct {
    pack_a: bool,
    pack_b: bool,
};

fn plan(comptime t: Tile, p: *const Problem) Plan {
    _ = t;
    return .{
        // A in place costs nothing; packing pays off once each A block is reused by many panels.
        .pack_a = p.n > 512 and !p.trans_a or p.n > 1024,
        // B is read in place only when it is not transposed and few rows of C reuse it.
        .pack_b = p.trans_b or p.m > 192,
    };
}

fn singleTiled(comptime t: Tile, p: *const Problem, threads: usize) Error!void {
    const nr = t.nv * vlen;
    const pl = plan(t, p);
    const n_panels = (p.n + nr - 1) / nr;
    const m_tiles = (p.m + t.mr - 1) / t.mr;
    const work = std.math.mulWide(u64, p.m * p.n, p.k);
    const use_threads = if (work < parallel_threshold) 1 else threads;

    const Ctx = struct { p: *const Problem, pl: Plan, by_rows: bool, failed: *std.atomic.Value(bool) };
    var failed = std.atomic.Value(bool).init(false);
    // Split over column panels when there are enough of them, else over row tiles.
    const by_rows = n_panels < 2 * use_threads and m_tiles >= n_panels;
    const ctx = Ctx{ .p = p, .pl = pl, .by_rows = by_rows, .failed = &failed };
    const Body = struct {
        fn run(cx: Ctx, begin: usize, end: usize) void {
            const q = cx.p;
            const r = if (cx.by_rows)
                blocked(t, q, cx.pl, begin * t.mr, @min(end * t.mr, q.m), 0, q.n)
            else
                blocked(t, q, cx.pl, 0, q.m, begin * nr, @min(end * nr, q.n));
            r catch cx.failed.store(true, .release);
        }
    };
    if (use_threads <= 1) {
        try blocked(t, p, pl, 0, p.m, 0, p.n);
        return;
    }
    pool.parallelFor(if (by_rows) m_tiles else n_panels, 1, ctx, Body.run);
    if (failed.load(.acquire)) return status.err(error.OutOfMemory, "gemm: cannot allocate packing buffers", .{});
}

// ---------------------------------------------------------------------------------------------
// Narrow C with A stored m×k (AVX-512): dot products along k.
//
// With n ≤ 16 the broadcast kernel leaves 16 - n lanes idle (n = 10: 37%). Here the vectors run
// along k instead: op(B) is packed as Bᵀ (n rows of k, zero-padded to whole vectors), A's rows are
// read in place, and a tile of MI rows × NJ columns (MI·NJ = 16) keeps one accumulator vector per
// element of C. Each accumulator sums lane-wise over k (fma chain in increasing k), then a fixed
// reduction tree folds the 16 vectors into one vector holding the 16 dot products. Every element
// of C is computed by the same sequence of operations wherever it lies, and the split over
// threads (by row tiles) does not change it.

fn useDot(p: *const Problem) bool {
    if (!(has_avx512 and p.n <= vlen and !p.trans_a and p.k >= vlen and p.k <= 16384)) return false;
    // Transposed B (stored n×k) is Bᵀ already. A k×n B is transposed into Bᵀ in registers
    // (packBt), which pays off once enough rows of A reuse it and the broadcast kernel would
    // leave at least a quarter of its lanes idle (64×256×10: 75 → 94 GFLOP/s on one core; at
    // n = 16 the broadcast kernel wastes nothing and stays ahead).
    return p.trans_b or (p.n <= dot_nn_max_cols and p.m >= dot_nn_min_rows);
}

/// The dot kernel for non-transposed B: at most this many columns, at least this many rows.
const dot_nn_max_cols: usize = 12;
const dot_nn_min_rows: usize = 16;

/// Columns per dot tile for an n-column C: the choice among 4, 2, 1 that computes the fewest
/// padding columns (1 column costs 1/16 more: 17 loads per 16 fma).
fn dotCols(n: usize) usize {
    const c4 = roundUp(n, 4) * 16;
    const c2 = roundUp(n, 2) * 16;
    const c1 = n * 17;
    if (c4 <= c2 and c4 <= c1) return 4;
    if (c2 <= c1) return 2;
    return 1;
}

fn dotNarrow(p: *const Problem, threads: usize) Error!void {
    return switch (dotCols(p.n)) {
        inline 1, 2, 4 => |nj| dotRun(vlen / nj, nj, p, threads),
        else => unreachable,
    };
}

fn dotRun(comptime MI: usize, comptime NJ: usize, p: *const Problem, threads: usize) Error!void {
    const kp = roundUp(p.k, vlen);
    const n_pad = roundUp(p.n, NJ);
    // Bᵀ packed on the calling thread (the workers only read it).
    const bt = try scratch(n_pad * kp);
    packBt(p, kp, n_pad, bt.ptr);
    const m_tiles = (p.m + MI - 1) / MI;
    const work = std.math.mulWide(u64, p.m * p.n, p.k);
    const Ctx = struct { p: *const Problem, bt: [*]const f32, kp: usize };
    const ctx = Ctx{ .p = p, .bt = bt.ptr, .kp = kp };
    const Body = struct {
        fn run(cx: Ctx, begin: usize, end: usize) void {
            for (begin..end) |t| dotRows(MI, NJ, cx.p, cx.bt, cx.kp, t * MI);
        }
    };
    if (work < parallel_threshold or threads <= 1 or m_tiles < 2) {
        Body.run(ctx, 0, m_tiles);
        return;
    }
    pool.parallelFor(m_tiles, 1, ctx, Body.run);
}

/// Packs op(B)ᵀ into bt[j·kp + p] (j < n_pad, p < kp; zero past n and k).
fn packBt(p: *const Problem, kp: usize, n_pad: usize, bt: [*]f32) void {
    if (p.trans_b) {
        for (0..p.n) |j| {
            @memcpy(bt[j * kp ..][0..p.k], p.b[j * p.ldb ..][0..p.k]);
            @memset(bt[j * kp + p.k ..][0 .. kp - p.k], 0);
        }
    } else {
        // B is k×n: blocks of vlen k rows × the first vlen columns transposed in registers
        // while every load stays inside B, then the remaining k rows gathered element by element.
        const b_end = (p.k - 1) * p.ldb + p.n; // one past the last element of B
        var kk: usize = 0;
        while (kk + vlen <= p.k and (kk + vlen - 1) * p.ldb + vlen <= b_end) : (kk += vlen) {
            const cols = loadTransposed(p.b + kk * p.ldb, p.ldb, vlen, true);
            for (0..p.n) |j| bt[j * kp + kk ..][0..vlen].* = cols[j];
        }
        while (kk < p.k) : (kk += 1) {
            const src = p.b + kk * p.ldb;
            for (0..p.n) |j| bt[j * kp + kk] = src[j];
        }
        for (0..p.n) |j| @memset(bt[j * kp + p.k ..][0 .. kp - p.k], 0);
    }
    for (p.n..n_pad) |j| @memset(bt[j * kp ..][0..kp], 0);
}

/// Rows r0 .. r0+MI of C (rows past m recompute row m-1 and are not stored), all n columns.
fn dotRows(comptime MI: usize, comptime NJ: usize, p: *const Problem, bt: [*]const f32, kp: usize, r0: usize) void {
    const mr = @min(MI, p.m - r0);
    var rows: [MI][*]const f32 = undefined;
    inline for (0..MI) |i| rows[i] = p.a + @min(r0 + i, p.m - 1) * p.lda;
    var j0: usize = 0;
    while (j0 < p.n) : (j0 += NJ) {
        const sums = dotTile(MI, NJ, &rows, bt + j0 * kp, kp, p.k);
        const vals: [vlen]f32 = @bitCast(@as(V, @splat(p.alpha)) * sums);
        const nr = @min(NJ, p.n - j0);
        for (0..mr) |i| {
            const row = p.c + (r0 + i) * p.ldc + j0;
            for (0..nr) |j| {
                const v = vals[i * NJ + j];
                row[j] = if (p.beta == 0) v else @mulAdd(f32, p.beta, row[j], v);
            }
        }
    }
}

/// Lane q = i·NJ + j of the result: Σ_p A(row i, p) · Bᵀ(j, p).
inline fn dotTile(comptime MI: usize, comptime NJ: usize, rows: *const [MI][*]const f32, bt: [*]const f32, kp: usize, k: usize) V {
    var acc: [MI * NJ]V = undefined;
    inline for (0..MI * NJ) |q| acc[q] = @splat(0);
    const kf = k / vlen * vlen;
    var kk: usize = 0;
    while (kk < kf) : (kk += vlen) {
        var bv: [NJ]V = undefined;
        inline for (0..NJ) |j| bv[j] = bt[j * kp + kk ..][0..vlen].*;
        inline for (0..MI) |i| {
            const av: V = rows[i][kk..][0..vlen].*;
            inline for (0..NJ) |j| acc[i * NJ + j] = @mulAdd(V, av, bv[j], acc[i * NJ + j]);
        }
    }
    if (kf < k) {
        // Last partial vector of k: A's lanes past k are zero (Bᵀ's padding is zero too).
        var bv: [NJ]V = undefined;
        inline for (0..NJ) |j| bv[j] = bt[j * kp + kf ..][0..vlen].*;
        inline for (0..MI) |i| {
            var t = [_]f32{0} ** vlen;
            for (kf..k) |u| t[u - kf] = rows[i][u];
            const av: V = t;
            inline for (0..NJ) |j| acc[i * NJ + j] = @mulAdd(V, av, bv[j], acc[i * NJ + j]);
        }
    }
    return reduce16(&acc);
}

fn halvesMask(comptime width: usize, comptime second: bool) [vlen]i32 {
    // Takes, from x then from y, the groups of `width` lanes at even (first) or odd (second) group
    // positions: lanes of x's groups 0, 2, 4, ... then y's.
    var m: [vlen]i32 = undefined;
    const groups = vlen / width / 2;
    for (0..2) |src| for (0..groups) |g| for (0..width) |l| {
        const lane = (2 * g + @intFromBool(second)) * width + l;
        const idx = src * groups * width + g * width + l;
        m[idx] = if (src == 0) @intCast(lane) else ~@as(i32, @intCast(lane));
    };
    return m;
}

/// Folds 16 (vlen) vectors into one whose lane q is the sum of the lanes of acc[q], by a fixed
/// tree: each round pairs vectors and adds their even and odd lane groups (widths 8, 4, 2, 1).
inline fn reduce16(acc: *const [vlen]V) V {
    @setEvalBranchQuota(20000);
    var cur: [vlen]V = acc.*;
    comptime var count = vlen;
    comptime var width = vlen / 2;
    inline while (count > 1) : ({
        count /= 2;
        width /= 2;
    }) {
        const lo = comptime halvesMask(width, false);
        const hi = comptime halvesMask(width, true);
        inline for (0..count / 2) |t| {
            cur[t] = @shuffle(f32, cur[2 * t], cur[2 * t + 1], lo) + @shuffle(f32, cur[2 * t], cur[2 * t + 1], hi);
        }
    }
    return cur[0];
}

// ---------------------------------------------------------------------------------------------
// Packing buffers: one set per thread, grown on demand and kept between calls.

const PackBuffer = Scratch(f32, "GEMM packing buffer");

fn scratch(len: usize) Error![]align(64) f32 {
    return PackBuffer.get(len);
}

inline fn roundUp(x: usize, to: usize) usize {
    return (x + to - 1) / to * to;
}

/// Interleaves the first (`hi` = false) or second halves of two vectors: a0 b0 a1 b1 ...
inline fn zip(a: V, b: V, comptime hi: bool) V {
    return @shuffle(f32, a, b, if (hi) zip_hi_mask else zip_lo_mask);
}

fn zipMask(comptime hi: bool) [vlen]i32 {
    var m: [vlen]i32 = undefined;
    const base = if (hi) vlen / 2 else 0;
    for (0..vlen) |i| m[i] = if (i % 2 == 0) base + i / 2 else ~@as(i32, base + i / 2);
    return m;
}
const zip_lo_mask = zipMask(false);
const zip_hi_mask = zipMask(true);

/// In-register transpose of a vlen×vlen block: log2(vlen) rounds of perfect shuffles.
inline fn transpose(rows: *[vlen]V) void {
    @setEvalBranchQuota(20000);
    const h = vlen / 2;
    comptime var round = 1;
    inline while (round < vlen) : (round *= 2) {
        var next: [vlen]V = undefined;
        inline for (0..h) |i| {
            next[2 * i] = zip(rows[i], rows[i + h], false);
            next[2 * i + 1] = zip(rows[i], rows[i + h], true);
        }
        rows.* = next;
    }
}

/// Gathers the `count` (≤ vlen) strided runs src[r·ld .. r·ld + vlen], r < count, transposes them
/// and returns vector u = (src[r·ld + u])_r (lanes past count are zero).
inline fn loadTransposed(src: [*]const f32, ld: usize, count: usize, comptime full: bool) [vlen]V {
    var rows: [vlen]V = undefined;
    inline for (0..vlen) |r| {
        rows[r] = if (full or r < count) src[r * ld ..][0..vlen].* else @as(V, @splat(0));
    }
    transpose(&rows);
    return rows;
}

/// Packs op(A)[row0..row0+mr, p0..p0+kc] into Ap[p·MR + i] (rows past mr zero). Non-transposed
/// A may write up to vlen elements past the panel (the caller leaves that slack).
fn packA(comptime MR: usize, p: *const Problem, row0: usize, mr: usize, p0: usize, kc: usize, dst: [*]f32) void {
    if (p.trans_a) {
        // Stored k×m: each k step reads mr contiguous elements.
        for (0..kc) |kk| {
            const src = p.a + (p0 + kk) * p.lda + row0;
            const d = dst + kk * MR;
            if (mr == MR) {
                inline for (0..MR) |i| d[i] = src[i];
            } else {
                for (0..mr) |i| d[i] = src[i];
                for (mr..MR) |i| d[i] = 0;
            }
        }
        return;
    }
    // Stored m×k: transpose vlen×vlen blocks in registers. Row groups go last to first so that
    // the full-width stores of a short group (which spill into the next k's slots) are
    // overwritten by the groups after them.
    const groups = (MR + vlen - 1) / vlen;
    var kk: usize = 0;
    while (kk + vlen <= kc) : (kk += vlen) {
        comptime var g = groups;
        inline while (g > 0) {
            g -= 1;
            const lanes = @min(vlen, MR - g * vlen);
            const have = if (mr > g * vlen) @min(lanes, mr - g * vlen) else 0;
            const src = p.a + (row0 + g * vlen) * p.lda + p0 + kk;
            const cols = if (have == vlen) loadTransposed(src, p.lda, vlen, true) else loadTransposed(src, p.lda, have, false);
            inline for (0..vlen) |u| {
                dst[(kk + u) * MR + g * vlen ..][0..vlen].* = cols[u];
            }
        }
    }
    while (kk < kc) : (kk += 1) {
        for (0..mr) |i| dst[kk * MR + i] = p.a[(row0 + i) * p.lda + p0 + kk];
        for (mr..MR) |i| dst[kk * MR + i] = 0;
    }
}

/// Packs op(B)[p0..p0+kc, j0..j0+nr] into Bp[p·NR + j] (columns past nr zero).
fn packB(comptime NR: usize, p: *const Problem, p0: usize, kc: usize, j0: usize, nr: usize, dst: [*]f32) void {
    if (!p.trans_b) {
        // One past the last element of op(B) = B (k×n, row stride ldb).
        const b_end = (p.k - 1) * p.ldb + p.n;
        const zero: V = @splat(0);
        const lane = std.simd.iota(u32, vlen);
        var keep: [NR / vlen]@Vector(vlen, bool) = undefined;
        inline for (0..NR / vlen) |v| {
            const limit: u32 = @intCast(@min(vlen, nr -| v * vlen));
            keep[v] = lane < @as(@Vector(vlen, u32), @splat(limit));
        }
        for (0..kc) |kk| {
            const src = p.b + (p0 + kk) * p.ldb + j0;
            const d = dst + kk * NR;
            if (nr == NR) {
                inline for (0..NR / vlen) |v| {
                    const x: V = src[v * vlen ..][0..vlen].*;
                    d[v * vlen ..][0..vlen].* = x;
                }
            } else if ((p0 + kk) * p.ldb + j0 + NR <= b_end) {
                // Whole vectors stay inside B's last row: load them and zero the lanes past nr.
                inline for (0..NR / vlen) |v| {
                    const x: V = src[v * vlen ..][0..vlen].*;
                    d[v * vlen ..][0..vlen].* = @select(f32, keep[v], x, zero);
                }
            } else {
                for (0..nr) |j| d[j] = src[j];
                for (nr..NR) |j| d[j] = 0;
            }
        }
        return;
    }
    // Stored n×k: transpose vlen×vlen blocks in registers.
    var kk: usize = 0;
    while (kk + vlen <= kc) : (kk += vlen) {
        inline for (0..NR / vlen) |g| {
            const have = if (nr > g * vlen) @min(vlen, nr - g * vlen) else 0;
            const src = p.b + (j0 + g * vlen) * p.ldb + p0 + kk;
            const cols = if (have == vlen) loadTransposed(src, p.ldb, vlen, true) else loadTransposed(src, p.ldb, have, false);
            inline for (0..vlen) |u| {
                dst[(kk + u) * NR + g * vlen ..][0..vlen].* = cols[u];
            }
        }
    }
    while (kk < kc) : (kk += 1) {
        for (0..nr) |j| dst[kk * NR + j] = p.b[(j0 + j) * p.ldb + p0 + kk];
        for (nr..NR) |j| dst[kk * NR + j] = 0;
    }
}

// ---------------------------------------------------------------------------------------------
// Micro-kernel.

/// Where the micro-kernel reads A from: a packed panel (element (i, p) at p·MR + i), or op(A) in
/// place, row-major (i·rs + p) or column-major (i + p·cs).
const AMode = enum { packed_panel, rows, cols };

/// acc[i][v] = Σ_p A(i, p) · B(p, v·vlen ..), p = 0 .. kc-1 in order. B(p, j) is at b[p·b_rs + j]
/// (b_rs comptime NR when packed).
inline fn microKernel(
    comptime MR: usize,
    comptime NV: usize,
    comptime amode: AMode,
    comptime b_packed: bool,
    kc: usize,
    a: [*]const f32,
    a_stride: usize,
    b: [*]const f32,
    b_stride: usize,
) [MR][NV]V {
    const NR = NV * vlen;
    var acc: [MR][NV]V = undefined;
    inline for (0..MR) |i| inline for (0..NV) |v| {
        acc[i][v] = @splat(0);
    };
    const b_rs = if (b_packed) NR else b_stride;
    const a_step = switch (amode) {
        .packed_panel => MR,
        .rows => 1,
        .cols => a_stride,
    };
    var pa = a;
    var pb = b;
    var kk: usize = 0;
    while (kk < kc) : (kk += 1) {
        if (b_packed) @prefetch(pb + 8 * b_rs, .{ .locality = 3 });
        var bv: [NV]V = undefined;
        inline for (0..NV) |v| bv[v] = pb[v * vlen ..][0..vlen].*;
        inline for (0..MR) |i| {
            const x = switch (amode) {
                .packed_panel, .cols => pa[i],
                .rows => pa[i * a_stride],
            };
            const av: V = @splat(x);
            inline for (0..NV) |v| acc[i][v] = @mulAdd(V, av, bv[v], acc[i][v]);
        }
        pa += a_step;
        pb += b_rs;
    }
    return acc;
}

/// The assembly kernels are System V, ELF (x86-64 Linux and the BSDs).
const use_asm_kernel = has_avx512 and builtin.cpu.arch == .x86_64 and builtin.target.ofmt == .elf and builtin.os.tag != .windows;

/// Arguments of the assembly kernels, read from memory at fixed offsets (pointer in rdi).
const AsmArgs = extern struct {
    a0: [*]const f32, // row 0 of A
    a1: [*]const f32, // row 5 (or the last row)
    a2: [*]const f32, // row 10 (or the last row)
    rs: usize, // bytes between rows of A
    rs3: usize, // 3 · rs
    b: [*]const f32,
    bs: usize, // bytes between k rows of B
    n_main: usize, // k steps / 4
    n_rem: usize, // k steps % 4
    out: *anyopaque, // MR × 2 vectors, 64-byte aligned
};

fn asmName(comptime MR: usize, comptime kstep: usize) []const u8 {
    return std.fmt.comptimePrint("axon_gemm_f32_k{d}x2_s{d}", .{ MR, kstep });
}

/// Body of an assembly kernel (System V: it uses only caller-saved registers). k steps unrolled by
/// 4, then one at a time. A(i, p) is at row i's base + p·kstep floats (rows rs bytes apart), B(p, ·)
/// two vectors at b + p·bs; accumulators zmm0 .. zmm(2·MR-1) (row i: zmm(2i), zmm(2i+1)), B in
/// zmm28/29, broadcasts in zmm30/31.
fn asmTemplate(comptime MR: usize, comptime kstep: usize) []const u8 {
    comptime {
        @setEvalBranchQuota(100_000_000);
        const bases = [_][]const u8{ "%r8", "%r9", "%r10" };
        const name = asmName(MR, kstep);
        var s: []const u8 = ".text\n.p2align 6\n.globl " ++ name ++ "\n.hidden " ++ name ++ "\n.type " ++ name ++ ",@function\n" ++ name ++ ":\n" ++
            \\movq 0(%rdi), %r8
            \\movq 8(%rdi), %r9
            \\movq 16(%rdi), %r10
            \\movq 24(%rdi), %r11
            \\movq 32(%rdi), %rax
            \\movq 40(%rdi), %rcx
            \\movq 48(%rdi), %rdx
            \\movq 56(%rdi), %rsi
            \\
        ;
        for (0..2 * MR) |j| s = s ++ std.fmt.comptimePrint("vxorps %zmm{d}, %zmm{d}, %zmm{d}\n", .{ j, j, j });
        for (0..2) |pass| {
            const U = if (pass == 0) 4 else 1;
            const l_top = if (pass == 0) "1" else "3";
            const l_end = if (pass == 0) "2" else "4";
            if (pass == 1) s = s ++ "movq 64(%rdi), %rsi\n";
            s = s ++ "testq %rsi, %rsi\njz " ++ l_end ++ "f\n.p2align 5\n" ++ l_top ++ ":\n";
            for (0..U) |u| {
                s = s ++ "vmovups (%rcx), %zmm28\nvmovups 64(%rcx), %zmm29\n";
                for (0..MR) |i| {
                    const base = bases[i / 5];
                    const addr = switch (i % 5) {
                        0 => "(" ++ base ++ ")",
                        1 => "(" ++ base ++ ",%r11,1)",
                        2 => "(" ++ base ++ ",%r11,2)",
                        3 => "(" ++ base ++ ",%rax,1)",
                        else => "(" ++ base ++ ",%r11,4)",
                    };
                    const bc = if (i % 2 == 0) "%zmm30" else "%zmm31";
                    s = s ++ std.fmt.comptimePrint("vbroadcastss {d}{s}, {s}\n", .{ u * kstep * 4, addr, bc });
                    s = s ++ std.fmt.comptimePrint("vfmadd231ps %zmm28, {s}, %zmm{d}\n", .{ bc, 2 * i });
                    s = s ++ std.fmt.comptimePrint("vfmadd231ps %zmm29, {s}, %zmm{d}\n", .{ bc, 2 * i + 1 });
                }
                s = s ++ "addq %rdx, %rcx\n";
            }
            for (bases) |base| s = s ++ std.fmt.comptimePrint("leaq {d}({s}), {s}\n", .{ U * kstep * 4, base, base });
            s = s ++ "decq %rsi\njnz " ++ l_top ++ "b\n" ++ l_end ++ ":\n";
        }
        s = s ++ "movq 72(%rdi), %rsi\n";
        for (0..2 * MR) |j| s = s ++ std.fmt.comptimePrint("vmovaps %zmm{d}, {d}(%rsi)\n", .{ j, 64 * j });
        s = s ++ "retq\n.size " ++ name ++ ", .-" ++ name ++ "\n";
        return s;
    }
}

/// Row counts of the wide AVX-512 tile (see `wideRows`) and the A layouts (kstep 1: rows of A in
/// place; kstep MR: packed panel) that get an assembly kernel.
const asm_rows_min = 10;
const asm_rows_max = 14;

comptime {
    @setEvalBranchQuota(100_000_000);
    if (use_asm_kernel) {
        for (asm_rows_min..asm_rows_max + 1) |mr| {
            asm (asmTemplate(mr, 1));
            asm (asmTemplate(mr, mr));
        }
    }
}

/// The AVX-512 MR×2 micro-kernel written out in assembly (the compiler's own schedule of
/// `microKernel` leaves ~15% of the FMA peak; unrolled, it spills). Same arithmetic as
/// `microKernel`: acc[i][v] = fma chain over p = 0 .. kc-1 in order, starting from zero.
/// A(i, p) = a[i·rs + p·kstep], B(p, v·16 + l) = b[p·bs + v·16 + l].
inline fn asmKernel(comptime MR: usize, comptime kstep: usize, kc: usize, a: [*]const f32, rs: usize, b: [*]const f32, bs: usize, out: *align(64) [MR][2]V) void {
    const f = @extern(*const fn (*const AsmArgs) callconv(.c) void, .{ .name = asmName(MR, kstep) });
    const args = AsmArgs{
        .a0 = a,
        .a1 = a + @min(5, MR - 1) * rs,
        .a2 = a + @min(10, MR - 1) * rs,
        .rs = rs * 4,
        .rs3 = rs * 12,
        .b = b,
        .bs = bs * 4,
        .n_main = kc / 4,
        .n_rem = kc % 4,
        .out = out,
    };
    f(&args);
}

/// Writes an MR×NR accumulator tile into C (only the mr×nr valid part):
/// first k block: C = alpha·acc + beta·C (C not read when beta == 0); later blocks: C += alpha·acc.
inline fn storeTile(
    comptime MR: usize,
    comptime NV: usize,
    acc: *const [MR][NV]V,
    c: [*]f32,
    ldc: usize,
    mr: usize,
    nr: usize,
    alpha: f32,
    beta: f32,
    first: bool,
) void {
    const NR = NV * vlen;
    const va: V = @splat(alpha);
    const vb: V = @splat(beta);
    if (mr == MR and nr == NR) {
        inline for (0..MR) |i| {
            const row = c + i * ldc;
            inline for (0..NV) |v| {
                const dst = row[v * vlen ..][0..vlen];
                const t = va * acc[i][v];
                if (!first) {
                    dst.* = @mulAdd(V, va, acc[i][v], dst.*);
                } else if (beta == 0) {
                    dst.* = t;
                } else {
                    dst.* = @mulAdd(V, vb, dst.*, t);
                }
            }
        }
        return;
    }
    // Edge tile: same arithmetic, element by element. (Rows are indexed at compile time so that
    // the accumulators are never addressed through memory, which would spill them in the loop.)
    inline for (0..MR) |i| if (i < mr) {
        const row = c + i * ldc;
        const vals: [NR]f32 = @bitCast(acc[i]);
        for (0..nr) |j| {
            if (!first) {
                row[j] = @mulAdd(f32, alpha, vals[j], row[j]);
            } else if (beta == 0) {
                row[j] = alpha * vals[j];
            } else {
                row[j] = @mulAdd(f32, beta, row[j], alpha * vals[j]);
            }
        }
    };
}

/// One micro-tile: kernel then store (a separate function per variant so that the accumulators
/// stay in registers between the two). Called with `.never_inline`: inlined into `blocked`, the
/// kernel shares the register allocation of the loop nest around it and runs 2–5% slower.
fn tile(comptime MR: usize, comptime NV: usize, comptime amode: AMode, comptime b_packed: bool) fn (usize, [*]const f32, usize, [*]const f32, usize, [*]f32, usize, usize, usize, f32, f32, bool) void {
    return struct {
        fn run(kc: usize, a: [*]const f32, a_stride: usize, b: [*]const f32, b_stride: usize, c: [*]f32, ldc: usize, mr: usize, nr: usize, alpha: f32, beta: f32, first: bool) void {
            if (comptime use_asm_kernel and NV == 2 and MR >= asm_rows_min and MR <= asm_rows_max and amode != .cols) {
                var acc: [MR][NV]V align(64) = undefined;
                const row_stride = if (amode == .rows) a_stride else 1;
                asmKernel(MR, if (amode == .rows) 1 else MR, kc, a, row_stride, b, if (b_packed) NV * vlen else b_stride, &acc);
                storeTile(MR, NV, &acc, c, ldc, mr, nr, alpha, beta, first);
                return;
            }
            const acc = microKernel(MR, NV, amode, b_packed, kc, a, a_stride, b, b_stride);
            storeTile(MR, NV, &acc, c, ldc, mr, nr, alpha, beta, first);
        }
    }.run;
}

/// The blocked algorithm over C[m0..m1, n0..n1] of one matrix.
fn blocked(comptime t: Tile, p: *const Problem, pl: Plan, m0: usize, m1: usize, n0: usize, n1: usize) Error!void {
    const MR = t.mr;
    const NV = t.nv;
    const NR = NV * vlen;
    const MC = MC_TILES * MR;
    if (m0 >= m1 or n0 >= n1) return;
    const k = p.k;
    // K blocks of equal size (a short last block would pay a full C update for little work);
    // the split depends on k alone, so the accumulation order is fixed.
    const kc_max: usize = (k + (k + KC - 1) / KC - 1) / ((k + KC - 1) / KC);
    const nc_max: usize = ncFor(n1 - n0, kc_max, NR);
    const mc_max: usize = @min(MC, roundUp(m1 - m0, MR));

    // Scratch layout: [B block | A block | edge A panel | edge B panel].
    const b_len = if (pl.pack_b) kc_max * nc_max else 0;
    const a_len = if (pl.pack_a) kc_max * mc_max + vlen else 0;
    const ea_len = roundUp(kc_max * MR + vlen, 16);
    const eb_len = roundUp(kc_max * NR, 16);
    const buf = try scratch(roundUp(b_len, 16) + roundUp(a_len, 16) + ea_len + eb_len);
    const bp: [*]f32 = buf.ptr;
    const ap: [*]f32 = buf.ptr + roundUp(b_len, 16);
    const eap: [*]f32 = ap + roundUp(a_len, 16);
    const ebp: [*]f32 = eap + ea_len;

    const amode_direct: AMode = if (p.trans_a) .cols else .rows;
    const a_direct_stride = p.lda;

    var jc = n0;
    while (jc < n1) : (jc += nc_max) {
        const nc: usize = @min(nc_max, n1 - jc);
        var pc: usize = 0;
        while (pc < k) : (pc += kc_max) {
            const kc: usize = @min(kc_max, k - pc);
            const first = pc == 0;
            const full_panels = nc / NR;
            const n_edge = nc - full_panels * NR;
            if (pl.pack_b) {
                var jp: usize = 0;
                while (jp * NR < nc) : (jp += 1) {
                    packB(NR, p, pc, kc, jc + jp * NR, @min(NR, nc - jp * NR), bp + jp * kc * NR);
                }
            } else if (n_edge != 0) {
                packB(NR, p, pc, kc, jc + full_panels * NR, n_edge, ebp);
            }
            var ic = m0;
            while (ic < m1) : (ic += MC) {
                const mc: usize = @min(MC, m1 - ic);
                const full_tiles = mc / MR;
                const m_edge = mc - full_tiles * MR;
                // An edge tile one row short of MR runs the (MR-1)-row kernel on A in place
                // instead of a zero-padded copy (m = 64 with MR = 13: 12 rows, not 13).
                const short_edge_in_place = MR > 1 and m_edge == MR - 1 and !pl.pack_a and !p.trans_a;
                if (pl.pack_a) {
                    var ip: usize = 0;
                    while (ip * MR < mc) : (ip += 1) {
                        packA(MR, p, ic + ip * MR, @min(MR, mc - ip * MR), pc, kc, ap + ip * kc * MR);
                    }
                } else if (m_edge != 0 and !short_edge_in_place) {
                    packA(MR, p, ic + full_tiles * MR, m_edge, pc, kc, eap);
                }
                // Row tiles outer, column panels inner: the A micro-panel (MR × kc) stays in L1
                // while the B micro-panels stream through it from L2.
                var ip: usize = 0;
                while (ip * MR < mc) : (ip += 1) {
                    const i = ic + ip * MR;
                    const mr: usize = @min(MR, mc - ip * MR);
                    const short = mr < MR and short_edge_in_place;
                    const a_is_packed = pl.pack_a or (mr < MR and !short);
                    const asrc: [*]const f32 = if (pl.pack_a) ap + ip * kc * MR else if (mr < MR and !short) eap else if (p.trans_a) p.a + pc * p.lda + i else p.a + i * p.lda + pc;
                    var jp: usize = 0;
                    while (jp * NR < nc) : (jp += 1) {
                        const j = jc + jp * NR;
                        const nr: usize = @min(NR, nc - jp * NR);
                        const b_is_packed = pl.pack_b or nr < NR;
                        const bsrc: [*]const f32 = if (pl.pack_b) bp + jp * kc * NR else if (nr < NR) ebp else p.b + pc * p.ldb + j;
                        const cptr = p.c + i * p.ldc + j;
                        const args = .{ kc, asrc, a_direct_stride, bsrc, p.ldb, cptr, p.ldc, mr, nr, p.alpha, p.beta, first };
                        if (MR > 1 and short) {
                            const M1 = if (MR > 1) MR - 1 else MR;
                            if (b_is_packed) @call(.never_inline, tile(M1, NV, .rows, true), args) else @call(.never_inline, tile(M1, NV, .rows, false), args);
                        } else if (a_is_packed) {
                            if (b_is_packed) @call(.never_inline, tile(MR, NV, .packed_panel, true), args) else @call(.never_inline, tile(MR, NV, .packed_panel, false), args);
                        } else if (amode_direct == .rows) {
                            if (b_is_packed) @call(.never_inline, tile(MR, NV, .rows, true), args) else @call(.never_inline, tile(MR, NV, .rows, false), args);
                        } else {
                            if (b_is_packed) @call(.never_inline, tile(MR, NV, .cols, true), args) else @call(.never_inline, tile(MR, NV, .cols, false), args);
                        }
                    }
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Tests: every path against a naive f64 reference.

const testing = std.testing;

/// A test problem, for these tests and zig/cpu/gemm_half.zig's: shapes, transposes, padding of
/// every leading dimension, alpha/beta, batches with broadcast operands; the layout follows.
pub const TestCase = struct {
    ta: bool = false,
    tb: bool = false,
    batch: usize = 1,
    m: usize,
    n: usize,
    k: usize,
    pad: usize = 0, // extra columns in every leading dimension
    alpha: f32 = 1,
    beta: f32 = 0,
    bcast_a: bool = false,
    bcast_b: bool = false,

    pub fn lda(cs: TestCase) usize {
        return (if (cs.ta) cs.m else cs.k) + cs.pad;
    }
    pub fn ldb(cs: TestCase) usize {
        return (if (cs.tb) cs.k else cs.n) + cs.pad;
    }
    pub fn ldc(cs: TestCase) usize {
        return cs.n + cs.pad;
    }
    /// Elements of one matrix of A / B.
    pub fn aOne(cs: TestCase) usize {
        return (if (cs.ta) cs.k else cs.m) * cs.lda();
    }
    pub fn bOne(cs: TestCase) usize {
        return (if (cs.tb) cs.n else cs.k) * cs.ldb();
    }
    /// Batch strides as the kernels take them (0: broadcast).
    pub fn aBstride(cs: TestCase) usize {
        return if (cs.bcast_a) 0 else cs.aOne();
    }
    pub fn bBstride(cs: TestCase) usize {
        return if (cs.bcast_b) 0 else cs.bOne();
    }
    /// Buffer lengths (at least 1 element each).
    pub fn aLen(cs: TestCase) usize {
        return @max(1, if (cs.bcast_a) cs.aOne() else cs.aOne() * cs.batch);
    }
    pub fn bLen(cs: TestCase) usize {
        return @max(1, if (cs.bcast_b) cs.bOne() else cs.bOne() * cs.batch);
    }
    pub fn cLen(cs: TestCase) usize {
        return @max(1, cs.m * cs.ldc() * cs.batch);
    }
    /// Index of C[bi](i, j).
    pub fn cIndex(cs: TestCase, bi: usize, i: usize, j: usize) usize {
        return bi * cs.m * cs.ldc() + i * cs.ldc() + j;
    }
    pub fn seed(cs: TestCase) u64 {
        return cs.m * 1_000_003 + cs.n * 1009 + cs.k + @as(usize, @intFromBool(cs.ta)) * 7 + @as(usize, @intFromBool(cs.tb)) * 13;
    }

    /// The exact result alpha·Σ op(A)·op(B) + beta·C0 at C[bi](i, j) in f64, and the sum of the
    /// magnitudes of its terms (for rounding bounds); `toF64` reads an element of type `T`.
    pub fn reference(cs: TestCase, comptime T: type, comptime toF64: fn (T) f64, a: []const T, b: []const T, c0: []const T, bi: usize, i: usize, j: usize) struct { value: f64, magnitude: f64 } {
        const ab = a[bi * cs.aBstride() ..];
        const bb = b[bi * cs.bBstride() ..];
        var ref: f64 = 0;
        var mag: f64 = 0;
        for (0..cs.k) |p| {
            const av = toF64(if (cs.ta) ab[p * cs.lda() + i] else ab[i * cs.lda() + p]);
            const bv = toF64(if (cs.tb) bb[j * cs.ldb() + p] else bb[p * cs.ldb() + j]);
            ref += av * bv;
            mag += @abs(av * bv);
        }
        ref *= cs.alpha;
        mag *= @abs(cs.alpha);
        if (cs.beta != 0) {
            const cv = toF64(c0[cs.cIndex(bi, i, j)]);
            ref += cs.beta * cv;
            mag += @abs(cs.beta * cv);
        }
        return .{ .value = ref, .magnitude = mag };
    }
};
const Case = TestCase;

fn f32ToF64(x: f32) f64 {
    return x;
}

fn fillRandom(rng: std.Random, xs: []f32) void {
    for (xs) |*x| x.* = rng.float(f32) * 2 - 1;
}

/// Runs `cs` with the given thread count and returns C (caller frees).
fn runCase(cs: Case, threads: usize, a: []const f32, b: []const f32, c0: []const f32) ![]f32 {
    _ = pool.setNumThreads(threads);
    const c = try testing.allocator.dupe(f32, c0);
    try gemm(cs.ta, cs.tb, cs.batch, cs.m, cs.n, cs.k, cs.alpha, a.ptr, cs.lda(), cs.aBstride(), b.ptr, cs.ldb(), cs.bBstride(), cs.beta, c.ptr, cs.ldc(), cs.m * cs.ldc());
    return c;
}

fn checkCase(cs: Case) !void {
    const alloc = testing.allocator;
    var prng = std.Random.DefaultPrng.init(cs.seed());
    const rng = prng.random();
    const ldc = cs.ldc();
    const a = try alloc.alloc(f32, cs.aLen());
    defer alloc.free(a);
    const b = try alloc.alloc(f32, cs.bLen());
    defer alloc.free(b);
    const c0 = try alloc.alloc(f32, cs.cLen());
    defer alloc.free(c0);
    fillRandom(rng, a);
    fillRandom(rng, b);
    // beta == 0 must not read C: poison it.
    if (cs.beta == 0) @memset(c0, std.math.nan(f32)) else fillRandom(rng, c0);

    const c1 = try runCase(cs, 1, a, b, c0);
    defer alloc.free(c1);
    const c2 = try runCase(cs, 2, a, b, c0);
    defer alloc.free(c2);
    const c3 = try runCase(cs, 3, a, b, c0);
    defer alloc.free(c3);
    _ = pool.setNumThreads(2);

    for (0..cs.batch) |bi| {
        for (0..cs.m) |i| for (0..cs.n) |j| {
            const exact = cs.reference(f32, f32ToF64, a, b, c0, bi, i, j);
            const ref = exact.value;
            const mag = exact.magnitude;
            const got: f64 = c1[cs.cIndex(bi, i, j)];
            const tol = 1e-5 * mag + 1e-6 * @sqrt(@as(f64, @floatFromInt(cs.k + 1)));
            if (!(@abs(got - ref) <= tol)) {
                std.debug.print("gemm mismatch {any} at batch {d} ({d},{d}): got {d}, want {d}\n", .{ cs, bi, i, j, got, ref });
                return error.TestExpectedEqual;
            }
        };
    }
    // Same result for every thread count, bit for bit; padding columns of C untouched.
    try testing.expectEqualSlices(u32, @ptrCast(c1), @ptrCast(c2));
    try testing.expectEqualSlices(u32, @ptrCast(c1), @ptrCast(c3));
    if (cs.pad > 0 and cs.beta != 0) {
        for (0..cs.batch * cs.m) |r| for (cs.n..ldc) |j| try testing.expectEqual(c0[r * ldc + j], c1[r * ldc + j]);
    }
}

test "gemm matches a naive f64 reference" {
    const sizes = [_][3]usize{
        .{ 1, 1, 1 },       .{ 2, 3, 5 },     .{ 7, 13, 17 },    .{ 13, 7, 29 },
        .{ 31, 37, 41 },    .{ 63, 64, 65 },  .{ 64, 65, 63 },   .{ 65, 63, 64 },
        .{ 64, 10, 256 },   .{ 64, 256, 97 }, .{ 100, 33, 400 }, .{ 255, 256, 257 },
        .{ 257, 255, 256 }, .{ 1000, 3, 2 },  .{ 3, 1000, 5 },   .{ 2, 5, 1000 },
        .{ 1, 300, 70 },    .{ 300, 1, 70 },  .{ 200, 600, 17 }, .{ 29, 1100, 45 },
        // Wide-kernel row counts 10 ... 14 (m = 10, 12, 33, 64, 70) and the dot kernel's column
        // groups (n = 1, 2, 3, 4, 5, 8, 16 with k a multiple of 16 or not).
        .{ 10, 64, 256 },   .{ 12, 40, 9 },   .{ 33, 50, 20 },   .{ 64, 256, 10 },
        .{ 70, 35, 30 },    .{ 37, 2, 48 },   .{ 50, 3, 33 },    .{ 9, 4, 16 },
        .{ 45, 5, 100 },    .{ 23, 8, 31 },   .{ 17, 16, 64 },   .{ 64, 10, 784 },
    };
    for (sizes) |s| {
        for ([_]bool{ false, true }) |ta| for ([_]bool{ false, true }) |tb| {
            try checkCase(.{ .m = s[0], .n = s[1], .k = s[2], .ta = ta, .tb = tb });
        };
    }
}

test "gemm with strided leading dimensions, alpha and beta" {
    for ([_]bool{ false, true }) |ta| for ([_]bool{ false, true }) |tb| {
        try checkCase(.{ .m = 45, .n = 70, .k = 33, .ta = ta, .tb = tb, .pad = 3, .alpha = 0.5, .beta = -1.5 });
        try checkCase(.{ .m = 130, .n = 520, .k = 400, .ta = ta, .tb = tb, .pad = 5, .alpha = -2, .beta = 1 });
        try checkCase(.{ .m = 17, .n = 9, .k = 50, .ta = ta, .tb = tb, .pad = 1, .alpha = 1, .beta = 0.25 });
    };
    // Narrow C split over threads (dot kernel for transposed B) with alpha and beta.
    try checkCase(.{ .m = 1500, .n = 10, .k = 70, .tb = true, .pad = 2, .alpha = 0.5, .beta = 1.5 });
    try checkCase(.{ .m = 900, .n = 7, .k = 100, .tb = true, .alpha = -1 });
    // Dot kernel with a k×n B transposed in registers: split over threads, padded ldb, one
    // column, the register blocks stopping short of B's end (k = 32, n = 3), a partial last
    // vector of k, and the limits of the path (n = 12 takes it, n = 13 and m = 15 do not).
    try checkCase(.{ .m = 1500, .n = 10, .k = 70, .pad = 2, .alpha = 0.5, .beta = 1.5 });
    try checkCase(.{ .m = 40, .n = 1, .k = 50 });
    try checkCase(.{ .m = 20, .n = 3, .k = 32, .beta = 1 });
    try checkCase(.{ .m = 33, .n = 12, .k = 17, .pad = 7 });
    try checkCase(.{ .m = 33, .n = 13, .k = 40 });
    try checkCase(.{ .m = 15, .n = 10, .k = 64 });
    // Swapped path (Cᵀ computed, then transposed into C): m ≤ 96, n ≥ 2m, transposed B; whole and
    // partial 16×16 transpose blocks, padded leading dimensions, alpha/beta, threads.
    try checkCase(.{ .m = 64, .n = 256, .k = 784, .tb = true });
    try checkCase(.{ .m = 37, .n = 250, .k = 70, .tb = true, .pad = 3, .alpha = 0.5, .beta = -1.5 });
    try checkCase(.{ .m = 16, .n = 40, .k = 64, .ta = true, .tb = true, .beta = 1 });
    try checkCase(.{ .m = 96, .n = 200, .k = 100, .ta = true, .tb = true, .pad = 1, .alpha = 2, .beta = 0.5 });
    // A large product crossing every cache block (KC, MC, NC) with beta accumulation.
    try checkCase(.{ .m = 230, .n = 3100, .k = 800, .beta = 1, .alpha = 0.75 });
    // B blocks cut by the L2 budget (ncFor): k = 500 → kc = 250, at most 1024-1048 columns per
    // 1 MB block at every vector width (NR = 32, 16, 8), so n = 1100 takes two column blocks (and
    // k = 1300, n = 1037 too), with a ragged last panel; every transpose, beta, padded leading
    // dimensions, 1 to 3 threads.
    for ([_]bool{ false, true }) |ta| for ([_]bool{ false, true }) |tb| {
        try checkCase(.{ .m = 200, .n = 1100, .k = 500, .ta = ta, .tb = tb, .pad = 3, .beta = 0.5 });
        try checkCase(.{ .m = 31, .n = 1037, .k = 1300, .ta = ta, .tb = tb });
    };
}

test "B blocks fit the L2 budget in equal whole panels" {
    // kc 342 × 2048 columns of f32 (2.8 MB): 64 panels of 32, 23 fit in 1 MB → 3 blocks of at
    // most 22 panels (704 columns).
    try testing.expectEqual(@as(usize, 704), ncFor(2048, 342, 32));
    // A block that fits stays whole (1024 columns × 200 × 4 B = 800 KB).
    try testing.expectEqual(@as(usize, 1024), ncFor(1024, 200, 32));
    // Never more than NC (3125 panels in 33 equal blocks of 95), never less than one panel.
    try testing.expectEqual(@as(usize, 3040), ncFor(100_000, 1, 32));
    try testing.expectEqual(@as(usize, 32), ncFor(5000, 100_000, 32));
    try testing.expectEqual(@as(usize, 16), ncFor(3, 10, 16));
}

test "batched gemm with broadcast operands" {
    try checkCase(.{ .batch = 3, .m = 20, .n = 35, .k = 19, .bcast_a = true });
    try checkCase(.{ .batch = 4, .m = 33, .n = 17, .k = 40, .bcast_b = true, .tb = true, .beta = 2 });
    try checkCase(.{ .batch = 9, .m = 5, .n = 6, .k = 7, .ta = true, .pad = 2, .beta = -1 });
    try checkCase(.{ .batch = 2, .m = 200, .n = 150, .k = 90, .bcast_a = true, .bcast_b = true });
}

test "gemm with k = 0 scales C by beta" {
    try checkCase(.{ .m = 5, .n = 7, .k = 0, .beta = 0.5 });
    try checkCase(.{ .m = 5, .n = 7, .k = 0, .beta = 0 });
    try checkCase(.{ .batch = 3, .m = 4, .n = 2, .k = 0, .beta = 1, .pad = 1 });
}

test {
    _ = @import("../abi/gemm.zig");
}
