//! Index kernels over contiguous `[outer, dim, inner]` tensors (see zig/ABI.md, version 2):
//!
//! - `indexSelect`: `y[o, i, :] = x[o, index[i], :]` (any element size);
//! - `indexAdd`:    `dx[o, index[i], :] += src[o, i, :]`, in increasing i (f32);
//! - `gather`:      `y[o, j, i] = x[o, index[o, j, i], i]` (any element size);
//! - `scatterAdd`:  `dx[o, index[o, j, i], i] += src[o, j, i]`, in increasing j (f32).
//!
//! Indices are i32 and must have been checked with `checkIndices` (every one in `[0, dim)`) before
//! any kernel here runs; the kernels trust them. Work is split statically over independent outputs
//! only (never two threads on one destination element), and every destination element receives
//! its contributions in a fixed order, so results are bitwise deterministic for any thread count.
const std = @import("std");
const status = @import("../status.zig");
const pool = @import("pool.zig");
const Error = status.Error;

/// Elements of work per parallel chunk (below this a kernel stays on the calling thread).
const grain: usize = 16384;

/// Checks every entry of `index` against `[0, dim)`; on failure names the first bad index, its
/// position (flat, in `index`) and the size. SIMD scan, scalar only to locate a failure.
pub fn checkIndices(index: []const i32, dim: usize) Error!void {
    // compare as u32: negatives become >= 2^31, and no valid i32 index reaches 2^31
    const limit: u32 = @intCast(@min(dim, @as(usize, 1) << 31));
    const N = 16;
    const lim_v: @Vector(N, u32) = @splat(limit);
    var i: usize = 0;
    var bad = false;
    while (i + N <= index.len) : (i += N) {
        const v: @Vector(N, u32) = @bitCast(@as(@Vector(N, i32), index[i..][0..N].*));
        if (@reduce(.Or, v >= lim_v)) {
            bad = true;
            break;
        }
    }
    if (!bad) {
        while (i < index.len) : (i += 1) {
            if (@as(u32, @bitCast(index[i])) >= limit) break;
        } else return;
    }
    while (i < index.len) : (i += 1) {
        const v = index[i];
        if (v < 0 or @as(usize, @intCast(v)) >= dim)
            return status.err(error.InvalidArgument, "index {d} is out of bounds for dimension of size {d} (at position {d})", .{ v, dim, i });
    }
    unreachable;
}

fn minChunk(units: usize, work: usize) usize {
    // ~work / grain chunks at most (units / parts = units · grain / work)
    if (work <= grain) return units;
    const w: u128 = work;
    return @intCast(@max(1, (@as(u128, units) * grain) / w));
}

// ---------------------------------------------------------------------------------------------
// index_select

fn SelectCtx(comptime U: type) type {
    return struct { x: []const U, index: []const i32, y: []U, dim: usize, inner: usize, n_index: usize };
}

/// `y[o, i, :] = x[o, index[i], :]`; `x` holds `outer·dim·inner` elements, `y` `outer·n·inner`.
/// `U` is any type of the element's size (the kernels move bits only).
pub fn indexSelect(comptime U: type, outer: usize, dim: usize, inner: usize, x: []const U, index: []const i32, y: []U) void {
    const n = index.len;
    std.debug.assert(x.len == outer * dim * inner and y.len == outer * n * inner);
    const rows = outer * n;
    if (rows == 0 or inner == 0) return;
    const Ctx = SelectCtx(U);
    const Body = struct {
        fn run(c: Ctx, begin: usize, end: usize) void {
            for (begin..end) |r| {
                const o = r / c.n_index;
                const src_row = o * c.dim + @as(usize, @intCast(c.index[r - o * c.n_index]));
                if (c.inner == 1) {
                    c.y[r] = c.x[src_row];
                } else {
                    @memcpy(c.y[r * c.inner ..][0..c.inner], c.x[src_row * c.inner ..][0..c.inner]);
                }
            }
        }
    };
    const ctx = Ctx{ .x = x, .index = index, .y = y, .dim = dim, .inner = inner, .n_index = n };
    pool.parallelFor(rows, minChunk(rows, rows * (inner + 4)), ctx, Body.run);
}

// ---------------------------------------------------------------------------------------------
// gather

/// `y[o, j, i] = x[o, index[o, j, i], i]`; `index` and `y` hold `outer·k·inner` elements.
pub fn gather(comptime U: type, outer: usize, dim: usize, inner: usize, x: []const U, index: []const i32, y: []U) void {
    std.debug.assert(x.len == outer * dim * inner and y.len == index.len and inner > 0 or y.len == 0);
    if (y.len == 0) return;
    const rows = y.len / inner; // outer · k
    const k = rows / outer;
    const Ctx = struct { x: []const U, index: []const i32, y: []U, dim: usize, inner: usize, k: usize };
    const Body = struct {
        fn run(c: Ctx, begin: usize, end: usize) void {
            for (begin..end) |r| {
                const o = r / c.k;
                const plane = c.x[o * c.dim * c.inner ..][0 .. c.dim * c.inner];
                const at = r * c.inner;
                for (c.y[at..][0..c.inner], c.index[at..][0..c.inner], 0..) |*d, idx, i| {
                    d.* = plane[@as(usize, @intCast(idx)) * c.inner + i];
                }
            }
        }
    };
    const ctx = Ctx{ .x = x, .index = index, .y = y, .dim = dim, .inner = inner, .k = k };
    pool.parallelFor(rows, minChunk(rows, y.len * 2), ctx, Body.run);
}

// ---------------------------------------------------------------------------------------------
// index_add

const VL = 16;
const F = @Vector(VL, f32);

inline fn addInto(dst: []f32, src: []const f32) void {
    var i: usize = 0;
    while (i + VL <= dst.len) : (i += VL) {
        dst[i..][0..VL].* = @as(F, dst[i..][0..VL].*) + @as(F, src[i..][0..VL].*);
    }
    while (i < dst.len) : (i += 1) dst[i] += src[i];
}

/// `dx[o, index[i], :] += src[o, i, :]` for i = 0, 1, … in order. The work is split over
/// destination rows `(o, r)`: each thread owns a contiguous range of them and scans the whole index
/// list, applying (in order) only the entries that land in its range.
pub fn indexAdd(outer: usize, dim: usize, inner: usize, dx: []f32, index: []const i32, src: []const f32) void {
    const n = index.len;
    std.debug.assert(dx.len == outer * dim * inner and src.len == outer * n * inner);
    if (outer == 0 or n == 0 or inner == 0) return;
    const units = outer * dim; // > 0 since n > 0 and indices are valid
    const Ctx = struct { dx: []f32, index: []const i32, src: []const f32, dim: usize, inner: usize };
    const Body = struct {
        fn run(c: Ctx, begin: usize, end: usize) void {
            const n_index = c.index.len;
            const o_first = begin / c.dim;
            const o_last = (end - 1) / c.dim;
            for (o_first..o_last + 1) |o| {
                const lo = if (o == o_first) begin - o * c.dim else 0;
                const hi = if (o == o_last) end - o * c.dim else c.dim;
                const whole = lo == 0 and hi == c.dim;
                for (c.index, 0..) |idx_i32, i| {
                    const r: usize = @intCast(idx_i32);
                    if (!whole and (r < lo or r >= hi)) continue;
                    const d = (o * c.dim + r) * c.inner;
                    const s = (o * n_index + i) * c.inner;
                    addInto(c.dx[d..][0..c.inner], c.src[s..][0..c.inner]);
                }
            }
        }
    };
    const ctx = Ctx{ .dx = dx, .index = index, .src = src, .dim = dim, .inner = inner };
    pool.parallelFor(units, minChunk(units, outer * n * (inner + 2)), ctx, Body.run);
}

// ---------------------------------------------------------------------------------------------
// scatter_add

/// Columns of `inner` per work unit of scatter_add.
const scatter_cols = 64;

/// `dx[o, index[o, j, i], i] += src[o, j, i]` for j = 0, 1, … in order. Split over
/// `(o, column block)` units: a destination element `(o, r, i)` is only touched by the unit owning
/// `(o, i)`.
pub fn scatterAdd(outer: usize, dim: usize, inner: usize, dx: []f32, index: []const i32, src: []const f32) void {
    std.debug.assert(dx.len == outer * dim * inner and src.len == index.len);
    if (src.len == 0) return;
    const k = src.len / (outer * inner);
    const blocks = (inner + scatter_cols - 1) / scatter_cols;
    const units = outer * blocks;
    const Ctx = struct { dx: []f32, index: []const i32, src: []const f32, dim: usize, inner: usize, k: usize, blocks: usize };
    const Body = struct {
        fn run(c: Ctx, begin: usize, end: usize) void {
            for (begin..end) |u| {
                const o = u / c.blocks;
                const c0 = (u - o * c.blocks) * scatter_cols;
                const c1 = @min(c0 + scatter_cols, c.inner);
                const plane = c.dx[o * c.dim * c.inner ..][0 .. c.dim * c.inner];
                for (0..c.k) |j| {
                    const at = (o * c.k + j) * c.inner;
                    for (c0..c1) |i| {
                        plane[@as(usize, @intCast(c.index[at + i])) * c.inner + i] += c.src[at + i];
                    }
                }
            }
        }
    };
    const ctx = Ctx{ .dx = dx, .index = index, .src = src, .dim = dim, .inner = inner, .k = k, .blocks = blocks };
    pool.parallelFor(units, minChunk(units, src.len * 2), ctx, Body.run);
}

// ---------------------------------------------------------------------------------------------
// tests (kernel level; the exports are tested in zig/abi/index.zig)

const testing = std.testing;

test "checkIndices finds the first bad index and its position" {
    var idx: [40]i32 = undefined;
    for (&idx, 0..) |*v, i| v.* = @intCast(i % 10);
    try checkIndices(&idx, 10);
    idx[33] = 12;
    idx[37] = -1;
    try testing.expectError(error.InvalidArgument, checkIndices(&idx, 10));
    try testing.expectEqualStrings("index 12 is out of bounds for dimension of size 10 (at position 33)", status.lastMessage());
    idx[33] = 3;
    try testing.expectError(error.InvalidArgument, checkIndices(&idx, 10));
    try testing.expectEqualStrings("index -1 is out of bounds for dimension of size 10 (at position 37)", status.lastMessage());
    try testing.expectError(error.InvalidArgument, checkIndices(idx[0..1], 0));
    try checkIndices(idx[0..0], 0);
    var big = [_]i32{ std.math.maxInt(i32), 0 };
    try checkIndices(&big, @as(usize, 1) << 40);
    big[1] = std.math.minInt(i32);
    try testing.expectError(error.InvalidArgument, checkIndices(&big, @as(usize, 1) << 40));
}

test "indexAdd and scatterAdd are deterministic across thread counts" {
    const outer = 3;
    const dim = 50;
    const inner = 70;
    const n = 400;
    const alloc = testing.allocator;
    const idx = try alloc.alloc(i32, n);
    defer alloc.free(idx);
    const src = try alloc.alloc(f32, outer * n * inner);
    defer alloc.free(src);
    var rng = std.Random.DefaultPrng.init(7);
    for (idx) |*v| v.* = rng.random().intRangeLessThan(i32, 0, dim);
    for (src) |*v| v.* = rng.random().float(f32) * 2 - 1;
    var results: [2][]f32 = undefined;
    for (&results, [_]usize{ 1, 4 }) |*res, threads| {
        _ = pool.setNumThreads(threads);
        res.* = try alloc.alloc(f32, outer * dim * inner);
        @memset(res.*, 0.25);
        indexAdd(outer, dim, inner, res.*, idx, src);
    }
    defer for (results) |r| alloc.free(r);
    try testing.expectEqualSlices(u32, @ptrCast(results[0]), @ptrCast(results[1]));

    const k = 9;
    const sidx = try alloc.alloc(i32, outer * k * inner);
    defer alloc.free(sidx);
    for (sidx) |*v| v.* = rng.random().intRangeLessThan(i32, 0, 4);
    var sres: [2][]f32 = undefined;
    for (&sres, [_]usize{ 1, 4 }) |*res, threads| {
        _ = pool.setNumThreads(threads);
        res.* = try alloc.alloc(f32, outer * 4 * inner);
        @memset(res.*, 0);
        scatterAdd(outer, 4, inner, res.*, sidx, src[0 .. outer * k * inner]);
    }
    defer for (sres) |r| alloc.free(r);
    try testing.expectEqualSlices(u32, @ptrCast(sres[0]), @ptrCast(sres[1]));
    _ = pool.setNumThreads(std.Thread.getCpuCount() catch 1);
}
