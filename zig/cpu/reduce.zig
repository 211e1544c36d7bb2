//! Reductions over the middle axis of a contiguous `[outer, r, inner]` tensor into `[outer, inner]`.
//!
//! Accumulation order (fixed, so results are deterministic and independent of the thread count):
//! - `inner == 1` (contiguous rows): a row is cut into blocks of `block` elements; a block is
//!   accumulated in 64 SIMD lanes (4 × 16), the lanes are combined pairwise, and blocks are
//!   combined by a pairwise tree (recursive midpoint split over block indices). A huge row with
//!   few rows to go around is split over threads along that same tree (its top `split_depth`
//!   levels), so the value is bit-identical whichever path or thread count computes it.
//! - `inner > 1`: SIMD along `inner` (tiles of 64 and 16 columns, and a 16-lane tile whose
//!   surplus lanes are ignored for the last < 16 columns); the r rows are cut into blocks of
//!   `row_block` rows accumulated sequentially, blocks combined by the same pairwise tree. Work is
//!   split over (outer, column tile) units, or, when there are fewer units than threads and the
//!   columns are long, each tile's row tree is split over the threads as above.
//! Error of an f32 sum therefore grows like O(ε·(64 + log₂ n)) worst case, as PyTorch's cascade
//! sum. Integer sums and products wrap in i32 (PyTorch would widen to int64).
//!
//! NaN: max/min return NaN when any element is NaN; argmax/argmin return the first NaN's index;
//! ties give the first index. Kernels write into caller-owned memory and never allocate.
const std = @import("std");
const pool = @import("pool.zig");

pub const Op = enum(u32) { sum = 0, mean = 1, max = 2, min = 3, argmax = 4, argmin = 5, prod = 6, sum_of_squares = 7 };

/// Elements per leaf of the pairwise tree along a contiguous row.
pub const block = 4096;
/// Rows per leaf of the pairwise tree when reducing across rows (inner > 1).
pub const row_block = 64;
/// Levels of the block tree whose subtrees run on separate threads for a huge single row.
const split_depth = 6;
const L = 16;

/// The accumulating kernels behind the ops (mean = sum / r, arg* use max/min).
const Kind = enum { sum, sumsq, prod, max, min };

inline fn isFloat(comptime T: type) bool {
    return @typeInfo(T) == .float;
}

fn identity(comptime T: type, comptime K: Kind) T {
    return switch (K) {
        .sum, .sumsq => 0,
        .prod => 1,
        .max => if (isFloat(T)) -std.math.inf(T) else std.math.minInt(T),
        .min => if (isFloat(T)) std.math.inf(T) else std.math.maxInt(T),
    };
}

inline fn mapV(comptime T: type, comptime K: Kind, comptime N: usize, x: @Vector(N, T)) @Vector(N, T) {
    if (K == .sumsq) return if (isFloat(T)) x * x else x *% x;
    return x;
}

inline fn combV(comptime T: type, comptime K: Kind, comptime N: usize, a: @Vector(N, T), b: @Vector(N, T)) @Vector(N, T) {
    const V = @Vector(N, T);
    switch (K) {
        .sum, .sumsq => return if (isFloat(T)) a + b else a +% b,
        .prod => return if (isFloat(T)) a * b else a *% b,
        .max, .min => {
            if (comptime !isFloat(T)) {
                // Integers go through f64 (exact for i32 and u8): LLVM 19's x86 backend aborts
                // ("Cannot emit physreg copy instruction") on the smax/smin it would otherwise
                // form in the across-rows loops.
                const W = @Vector(N, f64);
                const fa: W = @floatFromInt(a);
                const fb: W = @floatFromInt(b);
                return @intFromFloat(if (K == .max) @max(fa, fb) else @min(fa, fb));
            }
            var m: V = if (K == .max) @max(a, b) else @min(a, b);
            if (isFloat(T)) {
                m = @select(T, a != a, a, m);
                m = @select(T, b != b, b, m);
            }
            return m;
        },
    }
}

inline fn comb1(comptime T: type, comptime K: Kind, a: T, b: T) T {
    const va: @Vector(1, T) = @splat(a);
    const vb: @Vector(1, T) = @splat(b);
    return combV(T, K, 1, va, vb)[0];
}

/// Pairwise horizontal combination of a vector's lanes.
fn hcomb(comptime T: type, comptime K: Kind, comptime N: usize, v: @Vector(N, T)) T {
    if (N == 1) return v[0];
    const arr: [N]T = v;
    const h = N / 2;
    const lo: @Vector(h, T) = arr[0..h].*;
    const hi: @Vector(h, T) = arr[h..N].*;
    return hcomb(T, K, h, combV(T, K, h, lo, hi));
}

/// One leaf of a contiguous row (1 ≤ x.len ≤ block).
fn leafContig(comptime T: type, comptime K: Kind, x: []const T) T {
    const V = @Vector(L, T);
    const id: V = @splat(identity(T, K));
    var acc: [4]V = .{ id, id, id, id };
    var i: usize = 0;
    while (i + 4 * L <= x.len) : (i += 4 * L) {
        inline for (0..4) |k| {
            const v: V = x[i + k * L ..][0..L].*;
            acc[k] = combV(T, K, L, acc[k], mapV(T, K, L, v));
        }
    }
    while (i + L <= x.len) : (i += L) {
        const v: V = x[i..][0..L].*;
        acc[0] = combV(T, K, L, acc[0], mapV(T, K, L, v));
    }
    var s = hcomb(T, K, L, combV(T, K, L, combV(T, K, L, acc[0], acc[1]), combV(T, K, L, acc[2], acc[3])));
    while (i < x.len) : (i += 1) {
        const v: @Vector(1, T) = @splat(x[i]);
        s = comb1(T, K, s, mapV(T, K, 1, v)[0]);
    }
    return s;
}

/// Pairwise tree over blocks [lo, hi) of a contiguous row (hi > lo).
fn treeContig(comptime T: type, comptime K: Kind, x: []const T, lo: usize, hi: usize) T {
    if (hi - lo == 1) return leafContig(T, K, x[lo * block .. @min((lo + 1) * block, x.len)]);
    const mid = lo + (hi - lo) / 2;
    return comb1(T, K, treeContig(T, K, x, lo, mid), treeContig(T, K, x, mid, hi));
}

fn rowValue(comptime T: type, comptime K: Kind, x: []const T) T {
    return treeContig(T, K, x, 0, (x.len + block - 1) / block);
}

/// Block range of node `k` at depth `split_depth` of the midpoint tree over `[0, nb)`.
fn splitRange(nb: usize, k: usize) [2]usize {
    var lo: usize = 0;
    var hi: usize = nb;
    var d: usize = 0;
    while (d < split_depth) : (d += 1) {
        const mid = lo + (hi - lo) / 2;
        if ((k >> @intCast(split_depth - 1 - d)) & 1 == 1) lo = mid else hi = mid;
    }
    return .{ lo, hi };
}

/// The same value as `rowValue`, with the top of the tree's subtrees spread over threads.
fn rowValueParallel(comptime T: type, comptime K: Kind, x: []const T) T {
    const leaves = 1 << split_depth;
    var part: [leaves]T = undefined;
    var has: [leaves]bool = undefined;
    const Ctx = struct { x: []const T, part: *[leaves]T, has: *[leaves]bool };
    const Body = struct {
        fn run(c: Ctx, begin: usize, end: usize) void {
            const nb = (c.x.len + block - 1) / block;
            for (begin..end) |k| {
                const range = splitRange(nb, k);
                c.has[k] = range[1] > range[0];
                if (c.has[k]) c.part[k] = treeContig(T, K, c.x, range[0], range[1]);
            }
        }
    };
    pool.parallelFor(leaves, 1, Ctx{ .x = x, .part = &part, .has = &has }, Body.run);
    // combine level by level exactly as the recursion would (an empty side is the identity of
    // the tree, not of the op: the other side passes through unchanged)
    var width: usize = leaves;
    while (width > 1) : (width /= 2) {
        for (0..width / 2) |i| {
            const a = 2 * i;
            const b = 2 * i + 1;
            if (has[a] and has[b]) {
                part[i] = comb1(T, K, part[a], part[b]);
            } else if (has[b]) {
                part[i] = part[b];
            } else {
                part[i] = part[a];
            }
            has[i] = has[a] or has[b];
        }
    }
    return part[0];
}

/// rows below this length go several to a task
const task_elems = 32768;

fn reduceRows(comptime T: type, comptime K: Kind, outer: usize, r: usize, x: []const T, y: []T, mean: bool) void {
    if (outer < pool.numThreads() and r >= 8 * block) {
        for (0..outer) |o| {
            const v = rowValueParallel(T, K, x[o * r ..][0..r]);
            y[o] = if (mean) finishMean(T, v, r) else v;
        }
        return;
    }
    const Ctx = struct { x: []const T, y: []T, r: usize, mean: bool };
    const Body = struct {
        fn run(c: Ctx, begin: usize, end: usize) void {
            for (begin..end) |o| {
                const v = rowValue(T, K, c.x[o * c.r ..][0..c.r]);
                c.y[o] = if (c.mean) finishMean(T, v, c.r) else v;
            }
        }
    };
    pool.parallelFor(outer, @max(1, task_elems / r), Ctx{ .x = x, .y = y, .r = r, .mean = mean }, Body.run);
}

inline fn finishMean(comptime T: type, v: T, r: usize) T {
    if (!isFloat(T)) unreachable;
    return v / @as(T, @floatFromInt(r));
}

/// Leaf of the across-rows tree: rows [k0, k1) of N columns starting at `base` (row stride `inner`).
fn leafCols(comptime T: type, comptime K: Kind, comptime N: usize, x: []const T, base: usize, inner: usize, k0: usize, k1: usize) @Vector(N, T) {
    var acc: @Vector(N, T) = mapV(T, K, N, loadRow(T, N, x, base + k0 * inner));
    var k = k0 + 1;
    while (k < k1) : (k += 1) {
        acc = combV(T, K, N, acc, mapV(T, K, N, loadRow(T, N, x, base + k * inner)));
    }
    return acc;
}

/// N elements from `at`; past the end of `x` (only a narrow tile gets there, in lanes it
/// discards) the lanes are 0.
inline fn loadRow(comptime T: type, comptime N: usize, x: []const T, at: usize) @Vector(N, T) {
    if (at + N <= x.len) return x[at..][0..N].*;
    var buf: [N]T = @splat(0);
    for (buf[0 .. x.len - at], x[at..]) |*d, v| d.* = v;
    return buf;
}

fn treeCols(comptime T: type, comptime K: Kind, comptime N: usize, x: []const T, base: usize, inner: usize, r: usize, lo: usize, hi: usize) @Vector(N, T) {
    if (hi - lo == 1) return leafCols(T, K, N, x, base, inner, lo * row_block, @min((lo + 1) * row_block, r));
    const mid = lo + (hi - lo) / 2;
    return combV(T, K, N, treeCols(T, K, N, x, base, inner, r, lo, mid), treeCols(T, K, N, x, base, inner, r, mid, hi));
}

/// Column tiles of one outer slice: `wide` tiles of 64 columns, `mid16` of 16, then, when
/// columns remain, one *narrow* tile (width code 0): a 16-lane vector whose first `inner − col`
/// lanes are the last columns and whose other lanes (the next row's elements) are ignored.
/// Every lane follows the same accumulation order whatever its tile, so results do not depend on
/// the tiling.
const Tiles = struct {
    wide: usize,
    mid16: usize,
    narrow: bool,
    fn of(inner: usize) Tiles {
        const rest = inner % 64;
        return .{ .wide = inner / 64, .mid16 = rest / 16, .narrow = rest % 16 != 0 };
    }
    fn count(t: Tiles) usize {
        return t.wide + t.mid16 + @intFromBool(t.narrow);
    }
    /// (first column, width code) of tile i
    fn at(t: Tiles, i: usize) [2]usize {
        if (i < t.wide) return .{ 64 * i, 64 };
        if (i < t.wide + t.mid16) return .{ 64 * t.wide + 16 * (i - t.wide), 16 };
        return .{ 64 * t.wide + 16 * t.mid16, 0 };
    }
};

/// The same value as `treeCols` over all rows, with the top of the tree spread over threads.
fn treeColsParallel(comptime T: type, comptime K: Kind, comptime N: usize, x: []const T, base: usize, inner: usize, r: usize) @Vector(N, T) {
    const V = @Vector(N, T);
    const leaves = 1 << split_depth;
    var part: [leaves]V = undefined;
    var has: [leaves]bool = undefined;
    const Ctx = struct { x: []const T, base: usize, inner: usize, r: usize, part: *[leaves]V, has: *[leaves]bool };
    const Body = struct {
        fn run(c: Ctx, begin: usize, end: usize) void {
            const nb = (c.r + row_block - 1) / row_block;
            for (begin..end) |k| {
                const range = splitRange(nb, k);
                c.has[k] = range[1] > range[0];
                if (c.has[k]) c.part[k] = treeCols(T, K, N, c.x, c.base, c.inner, c.r, range[0], range[1]);
            }
        }
    };
    pool.parallelFor(leaves, 1, Ctx{ .x = x, .base = base, .inner = inner, .r = r, .part = &part, .has = &has }, Body.run);
    var width: usize = leaves;
    while (width > 1) : (width /= 2) {
        for (0..width / 2) |i| {
            const a = 2 * i;
            const b = 2 * i + 1;
            if (has[a] and has[b]) {
                part[i] = combV(T, K, N, part[a], part[b]);
            } else if (has[b]) {
                part[i] = part[b];
            } else {
                part[i] = part[a];
            }
            has[i] = has[a] or has[b];
        }
    }
    return part[0];
}

/// Width code 0 is the narrow tile (16 lanes, the first `inner − col` stored).
fn tileValues(comptime T: type, comptime K: Kind, comptime code: usize, x: []const T, y: []T, o: usize, col: usize, r: usize, inner: usize, mean: bool, parallel: bool) void {
    const N = if (code == 0) 16 else code;
    const nb = (r + row_block - 1) / row_block;
    const base = o * r * inner + col;
    var v = if (parallel) treeColsParallel(T, K, N, x, base, inner, r) else treeCols(T, K, N, x, base, inner, r, 0, nb);
    if (mean) {
        if (!isFloat(T)) unreachable;
        v = v / @as(@Vector(N, T), @splat(@floatFromInt(r)));
    }
    if (code == 0) {
        const arr: [N]T = v;
        @memcpy(y[o * inner + col .. (o + 1) * inner], arr[0 .. inner - col]);
    } else {
        y[o * inner + col ..][0..N].* = v;
    }
}

fn reduceCols(comptime T: type, comptime K: Kind, outer: usize, r: usize, inner: usize, x: []const T, y: []T, mean: bool) void {
    const tiles = Tiles.of(inner);
    const per = tiles.count();
    const Ctx = struct { x: []const T, y: []T, r: usize, inner: usize, tiles: Tiles, mean: bool, parallel: bool };
    const Body = struct {
        fn run(c: Ctx, begin: usize, end: usize) void {
            const n = c.tiles.count();
            for (begin..end) |u| {
                const o = u / n;
                const t = c.tiles.at(u % n);
                switch (t[1]) {
                    64 => tileValues(T, K, 64, c.x, c.y, o, t[0], c.r, c.inner, c.mean, c.parallel),
                    16 => tileValues(T, K, 16, c.x, c.y, o, t[0], c.r, c.inner, c.mean, c.parallel),
                    else => tileValues(T, K, 0, c.x, c.y, o, t[0], c.r, c.inner, c.mean, c.parallel),
                }
            }
        }
    };
    var ctx = Ctx{ .x = x, .y = y, .r = r, .inner = inner, .tiles = tiles, .mean = mean, .parallel = false };
    if (outer * per < pool.numThreads() and r >= 16 * row_block) {
        // few long columns: each tile's row tree is split over the threads instead
        ctx.parallel = true;
        Body.run(ctx, 0, outer * per);
        return;
    }
    pool.parallelFor(outer * per, @max(1, task_elems / (r * 16)), ctx, Body.run);
}

fn reduceKind(comptime T: type, comptime K: Kind, outer: usize, r: usize, inner: usize, x: []const T, y: []T, mean: bool) void {
    if (inner == 1) reduceRows(T, K, outer, r, x, y, mean) else reduceCols(T, K, outer, r, inner, x, y, mean);
}

/// Value reductions (every op but argmax/argmin). `x.len == outer·r·inner`, `y.len == outer·inner`.
/// Supported: f32 all value ops; i32 sum, max, min, prod; u8 max, min (checked by the caller).
/// `r == 0` must not reach max/min (the caller rejects it); sum → 0, mean → NaN, prod → 1.
pub fn reduce(comptime T: type, op: Op, outer: usize, r: usize, inner: usize, x: []const T, y: []T) void {
    std.debug.assert(x.len == outer * r * inner and y.len == outer * inner);
    if (y.len == 0) return;
    if (r == 0) {
        const v: T = switch (op) {
            .sum, .sum_of_squares => 0,
            .prod => 1,
            .mean => if (isFloat(T)) std.math.nan(T) else unreachable,
            else => unreachable,
        };
        @memset(y, v);
        return;
    }
    switch (op) {
        .sum => reduceKind(T, .sum, outer, r, inner, x, y, false),
        .mean => if (isFloat(T)) reduceKind(T, .sum, outer, r, inner, x, y, true) else unreachable,
        .sum_of_squares => if (T != u8) reduceKind(T, .sumsq, outer, r, inner, x, y, false) else unreachable,
        .prod => if (T != u8) reduceKind(T, .prod, outer, r, inner, x, y, false) else unreachable,
        .max => reduceKind(T, .max, outer, r, inner, x, y, false),
        .min => reduceKind(T, .min, outer, r, inner, x, y, false),
        .argmax, .argmin => unreachable,
    }
}

// ---------------------------------------------------------------------------------------------
// argmax / argmin

/// First index in `x` equal to `m` (or the first NaN when `m` is NaN); `m` occurs in `x`.
fn findFirst(comptime T: type, x: []const T, m: T) usize {
    const V = @Vector(L, T);
    const is_nan = isFloat(T) and m != m;
    var i: usize = 0;
    while (i + L <= x.len) : (i += L) {
        const v: V = x[i..][0..L].*;
        const hit = if (is_nan) v != v else v == @as(V, @splat(m));
        if (@reduce(.Or, hit)) break;
    }
    while (i < x.len) : (i += 1) {
        if (if (is_nan) x[i] != x[i] else x[i] == m) return i;
    }
    unreachable;
}

fn argRows(comptime T: type, comptime K: Kind, outer: usize, r: usize, x: []const T, y: []i32) void {
    if (outer < pool.numThreads() and r >= 8 * block) {
        for (0..outer) |o| {
            const row = x[o * r ..][0..r];
            y[o] = @intCast(findFirst(T, row, rowValueParallel(T, K, row)));
        }
        return;
    }
    const Ctx = struct { x: []const T, y: []i32, r: usize };
    const Body = struct {
        fn run(c: Ctx, begin: usize, end: usize) void {
            for (begin..end) |o| {
                const row = c.x[o * c.r ..][0..c.r];
                c.y[o] = @intCast(findFirst(T, row, rowValue(T, K, row)));
            }
        }
    };
    pool.parallelFor(outer, @max(1, task_elems / r), Ctx{ .x = x, .y = y, .r = r }, Body.run);
}

fn argTile(comptime T: type, comptime K: Kind, comptime code: usize, x: []const T, y: []i32, o: usize, col: usize, r: usize, inner: usize) void {
    const N = if (code == 0) 16 else code;
    const narrow = code == 0;
    const V = @Vector(N, T);
    const I = @Vector(N, i32);
    const B = @Vector(N, bool);
    const base = o * r * inner + col;
    var best: V = loadRow(T, N, x, base);
    var idx: I = @splat(0);
    for (1..r) |k| {
        const v: V = loadRow(T, N, x, base + k * inner);
        var upd: B = if (K == .max) v > best else v < best;
        if (isFloat(T)) {
            // a NaN wins over any number; the first NaN stays
            upd = @select(bool, best != best, @as(B, @splat(false)), @select(bool, v != v, @as(B, @splat(true)), upd));
        }
        best = @select(T, upd, v, best);
        idx = @select(i32, upd, @as(I, @splat(@intCast(k))), idx);
    }
    if (narrow) {
        const arr: [N]i32 = idx;
        @memcpy(y[o * inner + col .. (o + 1) * inner], arr[0 .. inner - col]);
    } else {
        y[o * inner + col ..][0..N].* = idx;
    }
}

fn argCols(comptime T: type, comptime K: Kind, outer: usize, r: usize, inner: usize, x: []const T, y: []i32) void {
    const tiles = Tiles.of(inner);
    const Ctx = struct { x: []const T, y: []i32, r: usize, inner: usize, tiles: Tiles };
    const Body = struct {
        fn run(c: Ctx, begin: usize, end: usize) void {
            const n = c.tiles.count();
            for (begin..end) |u| {
                const o = u / n;
                const t = c.tiles.at(u % n);
                switch (t[1]) {
                    64 => argTile(T, K, 64, c.x, c.y, o, t[0], c.r, c.inner),
                    16 => argTile(T, K, 16, c.x, c.y, o, t[0], c.r, c.inner),
                    else => argTile(T, K, 0, c.x, c.y, o, t[0], c.r, c.inner),
                }
            }
        }
    };
    const ctx = Ctx{ .x = x, .y = y, .r = r, .inner = inner, .tiles = tiles };
    pool.parallelFor(outer * tiles.count(), @max(1, task_elems / (r * 16)), ctx, Body.run);
}

/// argmax (`is_max`) or argmin: i32 indices into the middle axis. Requires `r ≥ 1` and
/// `r ≤ maxInt(i32)` (checked by the caller). f32, i32 and u8 inputs.
pub fn argReduce(comptime T: type, is_max: bool, outer: usize, r: usize, inner: usize, x: []const T, y: []i32) void {
    std.debug.assert(x.len == outer * r * inner and y.len == outer * inner and r >= 1);
    if (y.len == 0) return;
    if (inner == 1) {
        if (is_max) argRows(T, .max, outer, r, x, y) else argRows(T, .min, outer, r, x, y);
    } else {
        if (is_max) argCols(T, .max, outer, r, inner, x, y) else argCols(T, .min, outer, r, inner, x, y);
    }
}

// ---------------------------------------------------------------------------------------------
// tests

const testing = std.testing;

fn refValue(op: Op, xs: []const f32, r: usize, inner: usize, o: usize, i: usize) f64 {
    var s: f64 = switch (op) {
        .prod => 1,
        .max => -std.math.inf(f64),
        .min => std.math.inf(f64),
        else => 0,
    };
    var nan = false;
    for (0..r) |k| {
        const v: f64 = xs[(o * r + k) * inner + i];
        if (v != v) nan = true;
        switch (op) {
            .sum, .mean => s += v,
            .sum_of_squares => s += v * v,
            .prod => s *= v,
            .max => s = @max(s, v),
            .min => s = @min(s, v),
            else => unreachable,
        }
    }
    if (nan and (op == .max or op == .min)) return std.math.nan(f64);
    if (op == .mean) s /= @floatFromInt(r);
    return s;
}

fn refArg(comptime T: type, is_max: bool, xs: []const T, r: usize, inner: usize, o: usize, i: usize) i32 {
    var best: usize = 0;
    for (1..r) |k| {
        const v = xs[(o * r + k) * inner + i];
        const b = xs[(o * r + best) * inner + i];
        if (isFloat(T)) {
            if (b != b) break;
            if (v != v) {
                best = k;
                break;
            }
        }
        if (if (is_max) v > b else v < b) best = k;
    }
    return @intCast(best);
}

const shapes = [_][3]usize{
    .{ 1, 1, 1 },      .{ 1, 7, 1 },   .{ 3, 17, 1 },  .{ 2, 4096, 1 }, .{ 2, 4097, 1 }, .{ 5, 12289, 1 },
    .{ 1, 100003, 1 }, .{ 4, 3, 2 },   .{ 2, 13, 5 },  .{ 3, 31, 16 },  .{ 2, 129, 17 }, .{ 1, 200, 64 },
    .{ 3, 65, 83 },    .{ 1, 1, 100 }, .{ 7, 2, 131 }, .{ 1, 3001, 3 }, .{ 64, 10, 1 },  .{ 2, 1, 1 },
};

fn fillRandom(x: []f32, seed: u64, kind: u32) void {
    var prng = std.Random.DefaultPrng.init(seed);
    const rnd = prng.random();
    for (x) |*v| v.* = switch (kind) {
        0 => rnd.float(f32) * 2 - 1,
        1 => @floatFromInt(rnd.intRangeAtMost(i32, -3, 3)), // many ties
        else => 1 + (rnd.float(f32) - 0.5) * 0.01, // products stay finite
    };
}

test "f32 value reductions match an f64 reference" {
    const a = testing.allocator;
    for (shapes) |s| {
        const outer, const r, const inner = s;
        const x = try a.alloc(f32, outer * r * inner);
        defer a.free(x);
        const y = try a.alloc(f32, outer * inner);
        defer a.free(y);
        for ([_]Op{ .sum, .mean, .max, .min, .prod, .sum_of_squares }) |op| {
            fillRandom(x, outer * 1000 + r + inner, if (op == .prod) 2 else 0);
            reduce(f32, op, outer, r, inner, x, y);
            for (0..outer) |o| for (0..inner) |i| {
                const ref = refValue(op, x, r, inner, o, i);
                const got: f64 = y[o * inner + i];
                const scale: f64 = switch (op) {
                    .sum, .mean => @sqrt(@as(f64, @floatFromInt(r))) + @abs(ref),
                    else => @abs(ref) + 1e-30,
                };
                const tol: f64 = switch (op) {
                    .max, .min => 0,
                    // every f32 product rounds: the error walks like sqrt(r) half-ulps
                    .prod => (1e-6 + 3e-7 * @sqrt(@as(f64, @floatFromInt(r)))) * scale,
                    else => 1e-6 * scale,
                };
                if (@abs(got - ref) > tol) {
                    std.debug.print("op {s} shape {any} at ({d},{d}): got {d} want {d}\n", .{ @tagName(op), s, o, i, got, ref });
                    return error.TestUnexpectedResult;
                }
            };
        }
    }
}

test "sum of 1e6 ones and of a large-r column are exact, accuracy on big sums" {
    const a = testing.allocator;
    const n = 1_000_000;
    const x = try a.alloc(f32, n);
    defer a.free(x);
    @memset(x, 1);
    var y: [4]f32 = undefined;
    reduce(f32, .sum, 1, n, 1, x, y[0..1]);
    try testing.expectEqual(@as(f32, n), y[0]);
    reduce(f32, .mean, 1, n, 1, x, y[0..1]);
    try testing.expectEqual(@as(f32, 1), y[0]);
    reduce(f32, .sum, 1, n / 4, 4, x, y[0..4]);
    for (y) |v| try testing.expectEqual(@as(f32, n / 4), v);
    // 0.1 summed 1e6 times: naive f32 accumulation is off by ~1%, pairwise by ~1e-7 relative
    @memset(x, 0.1);
    reduce(f32, .sum, 1, n, 1, x, y[0..1]);
    try testing.expectApproxEqRel(@as(f64, 0.1 * n), @as(f64, y[0]), 1e-6);
    reduce(f32, .sum, 1, n / 2, 2, x, y[0..2]);
    try testing.expectApproxEqRel(@as(f64, 0.1 * n / 2), @as(f64, y[1]), 1e-6);
    fillRandom(x, 3, 0);
    var ref: f64 = 0;
    for (x) |v| ref += v;
    reduce(f32, .sum, 1, n, 1, x, y[0..1]);
    try testing.expectApproxEqAbs(ref, @as(f64, y[0]), 1e-6 * @sqrt(@as(f64, n)));
}

test "NaN, ties and arg reductions" {
    const nan = std.math.nan(f32);
    const inf = std.math.inf(f32);
    var y: [2]f32 = undefined;
    var yi: [2]i32 = undefined;
    const x1 = [_]f32{ 1, 5, nan, 5, nan, -inf };
    reduce(f32, .max, 1, 6, 1, &x1, y[0..1]);
    try testing.expect(std.math.isNan(y[0]));
    reduce(f32, .min, 1, 6, 1, &x1, y[0..1]);
    try testing.expect(std.math.isNan(y[0]));
    argReduce(f32, true, 1, 6, 1, &x1, yi[0..1]);
    try testing.expectEqual(@as(i32, 2), yi[0]);
    argReduce(f32, false, 1, 6, 1, &x1, yi[0..1]);
    try testing.expectEqual(@as(i32, 2), yi[0]);
    const x2 = [_]f32{ 3, 1, 5, 5, 1 };
    argReduce(f32, true, 1, 5, 1, &x2, yi[0..1]);
    try testing.expectEqual(@as(i32, 2), yi[0]);
    argReduce(f32, false, 1, 5, 1, &x2, yi[0..1]);
    try testing.expectEqual(@as(i32, 1), yi[0]);
    // the same down a column (inner = 2), NaN first in column 0 only
    const x3 = [_]f32{ 1, 0, nan, 7, 9, 7, nan, -1 };
    argReduce(f32, true, 1, 4, 2, &x3, &yi);
    try testing.expectEqual([2]i32{ 1, 1 }, yi);
    argReduce(f32, false, 1, 4, 2, &x3, &yi);
    try testing.expectEqual([2]i32{ 1, 3 }, yi);
    reduce(f32, .max, 1, 4, 2, &x3, &y);
    try testing.expect(std.math.isNan(y[0]));
    try testing.expectEqual(@as(f32, 7), y[1]);
    // NaN in the middle of a long row: found through the SIMD scan
    var long: [1000]f32 = undefined;
    for (&long, 0..) |*v, i| v.* = @floatFromInt(i % 97);
    long[517] = nan;
    long[801] = nan;
    argReduce(f32, true, 1, 1000, 1, &long, yi[0..1]);
    try testing.expectEqual(@as(i32, 517), yi[0]);
    long[517] = 0;
    long[801] = 0;
    argReduce(f32, true, 1, 1000, 1, &long, yi[0..1]);
    try testing.expectEqual(@as(i32, 96), yi[0]);
    argReduce(f32, false, 1, 1000, 1, &long, yi[0..1]);
    try testing.expectEqual(@as(i32, 0), yi[0]);
    // r == 0
    const empty = [_]f32{};
    reduce(f32, .sum, 2, 0, 1, &empty, &y);
    try testing.expectEqual([2]f32{ 0, 0 }, y);
    reduce(f32, .prod, 2, 0, 1, &empty, &y);
    try testing.expectEqual([2]f32{ 1, 1 }, y);
    reduce(f32, .mean, 1, 0, 2, &empty, &y);
    try testing.expect(std.math.isNan(y[0]) and std.math.isNan(y[1]));
}

test "arg reductions vs reference with ties, all dtypes" {
    const a = testing.allocator;
    for (shapes) |s| {
        const outer, const r, const inner = s;
        const x = try a.alloc(f32, outer * r * inner);
        defer a.free(x);
        const xi = try a.alloc(i32, x.len);
        defer a.free(xi);
        const xb = try a.alloc(u8, x.len);
        defer a.free(xb);
        const y = try a.alloc(i32, outer * inner);
        defer a.free(y);
        fillRandom(x, r * 7 + inner, 1);
        if (x.len > 3) x[x.len / 3] = std.math.nan(f32);
        for (x, xi, xb) |v, *vi, *vb| {
            vi.* = if (v != v) 100 else @intFromFloat(v);
            vb.* = @intCast(vi.* + 10);
        }
        for ([_]bool{ true, false }) |is_max| {
            argReduce(f32, is_max, outer, r, inner, x, y);
            for (0..outer) |o| for (0..inner) |i|
                try testing.expectEqual(refArg(f32, is_max, x, r, inner, o, i), y[o * inner + i]);
            argReduce(i32, is_max, outer, r, inner, xi, y);
            for (0..outer) |o| for (0..inner) |i|
                try testing.expectEqual(refArg(i32, is_max, xi, r, inner, o, i), y[o * inner + i]);
            argReduce(u8, is_max, outer, r, inner, xb, y);
            for (0..outer) |o| for (0..inner) |i|
                try testing.expectEqual(refArg(u8, is_max, xb, r, inner, o, i), y[o * inner + i]);
        }
    }
}

test "i32 and u8 value reductions" {
    const x = [_]i32{ 1, -2, 3, 4, 5, -6, 2147483647, 1 };
    var y: [2]i32 = undefined;
    reduce(i32, .sum, 1, 4, 2, &x, &y);
    try testing.expectEqual([2]i32{ @as(i32, 9) +% 2147483647, -3 }, y);
    reduce(i32, .sum, 2, 4, 1, &x, &y);
    try testing.expectEqual([2]i32{ 6, @as(i32, 5 - 6) +% 2147483647 +% 1 }, y);
    reduce(i32, .prod, 2, 4, 1, &x, &y);
    try testing.expectEqual(@as(i32, -24), y[0]);
    reduce(i32, .max, 2, 4, 1, &x, &y);
    try testing.expectEqual([2]i32{ 4, 2147483647 }, y);
    reduce(i32, .min, 1, 4, 2, &x, &y);
    try testing.expectEqual([2]i32{ 1, -6 }, y);
    const b = [_]u8{ 3, 250, 7, 0, 250, 9 };
    var yb: [2]u8 = undefined;
    reduce(u8, .max, 2, 3, 1, &b, &yb);
    try testing.expectEqual([2]u8{ 250, 250 }, yb);
    reduce(u8, .min, 1, 3, 2, &b, &yb);
    try testing.expectEqual([2]u8{ 3, 0 }, yb);
}

test "reductions are identical across thread counts and paths" {
    const a = testing.allocator;
    const n = 1_234_567;
    const x = try a.alloc(f32, n);
    defer a.free(x);
    fillRandom(x, 17, 0);
    const before = pool.numThreads();
    defer _ = pool.setNumThreads(before);
    var ys: [3]f32 = undefined;
    for ([_]usize{ 1, 2, 4 }, 0..) |t, k| {
        _ = pool.setNumThreads(t);
        reduce(f32, .sum, 1, n, 1, x, ys[k .. k + 1]);
    }
    try testing.expectEqual(ys[0], ys[1]);
    try testing.expectEqual(ys[0], ys[2]);
    // the sequential tree gives the very same value
    try testing.expectEqual(ys[0], rowValue(f32, .sum, x));
    // many rows / columns: compare 1 vs 2 threads bit for bit
    const y1 = try a.alloc(f32, 1000);
    defer a.free(y1);
    const y2 = try a.alloc(f32, 1000);
    defer a.free(y2);
    for ([_][2]usize{ .{ 1000, 1 }, .{ 1, 1000 } }, 0..) |oi, k| {
        const r = 1000;
        _ = pool.setNumThreads(1);
        reduce(f32, .sum, oi[0], r, oi[1], x[0 .. 1000 * r], y1);
        _ = pool.setNumThreads(2);
        reduce(f32, .sum, oi[0], r, oi[1], x[0 .. 1000 * r], y2);
        try testing.expectEqualSlices(f32, y1, y2);
        _ = k;
    }
    // few long columns: the row tree is split over threads (narrow and wide tiles)
    for ([_]usize{ 3, 64, 100 }) |inner| {
        const r = 1_200_000 / inner;
        for ([_]Op{ .sum, .max, .prod }) |op| {
            _ = pool.setNumThreads(1);
            reduce(f32, op, 1, r, inner, x[0 .. r * inner], y1[0..inner]);
            for ([_]usize{ 2, 3 }) |t| {
                _ = pool.setNumThreads(t);
                reduce(f32, op, 1, r, inner, x[0 .. r * inner], y2[0..inner]);
                try testing.expectEqualSlices(f32, y1[0..inner], y2[0..inner]);
            }
        }
        var ref: f64 = 0;
        for (0..r) |k| ref += x[k * inner + 1];
        _ = pool.setNumThreads(2);
        reduce(f32, .sum, 1, r, inner, x[0 .. r * inner], y2[0..inner]);
        try testing.expectApproxEqAbs(ref, @as(f64, y2[1]), 1e-6 * @sqrt(@as(f64, @floatFromInt(r))) + 1e-6 * @abs(ref));
    }
}
