//! Exports of the index kernel family (zig/ABI.md, version 2): axon_index_select, axon_index_add,
//! axon_gather, axon_scatter_add.
//!
//! Every export validates all of its arguments before touching memory: dtype, non-negative sizes
//! and offsets, the overflow-checked span of every operand inside its buffer (with alignment), that
//! the output does not overlap an input, and every index value against `[0, dim)` (an
//! `invalid_argument` naming the first bad index, its position and the size). Nothing is written
//! when any check fails. Indices are i32; index_select/gather move any dtype (by element size),
//! index_add/scatter_add accumulate f32 deterministically (see zig/cpu/index.zig).
const std = @import("std");
const status = @import("../status.zig");
const check = @import("check.zig");
const kindex = @import("../cpu/index.zig");
const Error = status.Error;
const DType = check.DType;

const view = check.view;

const noOverlap = check.noOverlap;

const Dims = struct { outer: usize, dim: usize, inner: usize, n: usize, src_len: usize, dst_len: usize };

/// Sizes of an `[outer, dim, inner]` source and `[outer, n, inner]` destination, overflow-checked.
fn dims(outer: i64, dim: i64, inner: i64, n: i64, n_name: []const u8) Error!Dims {
    const o = try check.count(outer, "outer");
    const d = try check.count(dim, "dim");
    const i = try check.count(inner, "inner");
    const k = try check.count(n, n_name);
    const oi = try check.mul(o, i);
    return .{ .outer = o, .dim = d, .inner = i, .n = k, .src_len = try check.mul(oi, d), .dst_len = try check.mul(oi, k) };
}

pub fn selectImpl(comptime is_gather: bool, dtype_code: u32, outer: i64, dim: i64, inner: i64, x: ?[*]u8, x_bytes: i64, x_off: i64, index: ?[*]u8, index_bytes: i64, n_index: i64, y: ?[*]u8, y_bytes: i64) Error!void {
    const dt = try check.dtype(dtype_code);
    const s = try dims(outer, dim, inner, n_index, if (is_gather) "k" else "n_index");
    const xo = try check.count(x_off, "x offset");
    const index_len = if (is_gather) s.dst_len else s.n;
    switch (dt.size()) {
        inline 1, 2, 4, 8 => |size| {
            const U = std.meta.Int(.unsigned, size * 8);
            const xs = try view(U, x, x_bytes, xo, s.src_len, "x");
            const is = try view(i32, index, index_bytes, 0, index_len, "index");
            const ys = try view(U, y, y_bytes, 0, s.dst_len, "y");
            try noOverlap(ys, "y", xs, "x");
            try noOverlap(ys, "y", is, "index");
            try kindex.checkIndices(is, s.dim);
            if (is_gather)
                kindex.gather(U, s.outer, s.dim, s.inner, xs, is, ys)
            else
                kindex.indexSelect(U, s.outer, s.dim, s.inner, xs, is, ys);
        },
        else => unreachable,
    }
}

fn addImpl(comptime is_scatter: bool, dtype_code: u32, outer: i64, dim: i64, inner: i64, dx: ?[*]u8, dx_bytes: i64, index: ?[*]u8, index_bytes: i64, n_index: i64, src: ?[*]u8, src_bytes: i64) Error!void {
    const dt = try check.dtype(dtype_code);
    const name = if (is_scatter) "axon_scatter_add" else "axon_index_add";
    if (dt != .f32) return status.err(error.UnsupportedDtype, "{s}: dtype {s} is not supported (f32 only)", .{ name, dt.name() });
    const s = try dims(outer, dim, inner, n_index, if (is_scatter) "k" else "n_index");
    const index_len = if (is_scatter) s.dst_len else s.n;
    const dxs = try view(f32, dx, dx_bytes, 0, s.src_len, "dx");
    const is = try view(i32, index, index_bytes, 0, index_len, "index");
    const ss = try view(f32, src, src_bytes, 0, s.dst_len, "src");
    try noOverlap(dxs, "dx", ss, "src");
    try noOverlap(dxs, "dx", is, "index");
    try kindex.checkIndices(is, s.dim);
    if (is_scatter)
        kindex.scatterAdd(s.outer, s.dim, s.inner, dxs, is, ss)
    else
        kindex.indexAdd(s.outer, s.dim, s.inner, dxs, is, ss);
}

/// x contiguous `[outer, dim, inner]` (from element `x_off`), y contiguous `[outer, n_index, inner]`:
/// `y[o, i, :] = x[o, index[i], :]`; any dtype.
pub export fn axon_index_select(dtype: u32, outer: i64, dim: i64, inner: i64, x: ?[*]u8, x_bytes: i64, x_off: i64, index: ?[*]u8, index_bytes: i64, n_index: i64, y: ?[*]u8, y_bytes: i64) i32 {
    return status.wrap(selectImpl(false, dtype, outer, dim, inner, x, x_bytes, x_off, index, index_bytes, n_index, y, y_bytes));
}

/// `dx[o, index[i], :] += src[o, i, :]` in increasing i (deterministic); f32.
pub export fn axon_index_add(dtype: u32, outer: i64, dim: i64, inner: i64, dx: ?[*]u8, dx_bytes: i64, index: ?[*]u8, index_bytes: i64, n_index: i64, src: ?[*]u8, src_bytes: i64) i32 {
    return status.wrap(addImpl(false, dtype, outer, dim, inner, dx, dx_bytes, index, index_bytes, n_index, src, src_bytes));
}

/// index and y contiguous `[outer, k, inner]`: `y[o, j, i] = x[o, index[o, j, i], i]`; any dtype.
pub export fn axon_gather(dtype: u32, outer: i64, dim: i64, inner: i64, x: ?[*]u8, x_bytes: i64, x_off: i64, index: ?[*]u8, index_bytes: i64, k: i64, y: ?[*]u8, y_bytes: i64) i32 {
    return status.wrap(selectImpl(true, dtype, outer, dim, inner, x, x_bytes, x_off, index, index_bytes, k, y, y_bytes));
}

/// `dx[o, index[o, j, i], i] += src[o, j, i]` in increasing j (deterministic); f32.
pub export fn axon_scatter_add(dtype: u32, outer: i64, dim: i64, inner: i64, dx: ?[*]u8, dx_bytes: i64, index: ?[*]u8, index_bytes: i64, k: i64, src: ?[*]u8, src_bytes: i64) i32 {
    return status.wrap(addImpl(true, dtype, outer, dim, inner, dx, dx_bytes, index, index_bytes, k, src, src_bytes));
}

// ---------------------------------------------------------------------------------------------
// tests (through the C ABI)

const testing = std.testing;
const pool = @import("../cpu/pool.zig");

fn raw(s: anytype) ?[*]u8 {
    return @ptrCast(s.ptr);
}

fn nbytes(s: anytype) i64 {
    return @intCast(std.mem.sliceAsBytes(s).len);
}

fn pattern(comptime T: type, i: usize) T {
    if (@typeInfo(T) == .float) return @floatFromInt(i);
    const U = std.meta.Int(.unsigned, @bitSizeOf(T));
    return @bitCast(@as(U, @truncate(i *% 2654435761)));
}

fn randomIndices(r: std.Random, idx: []i32, dim: usize) void {
    for (idx) |*v| v.* = r.intRangeLessThan(i32, 0, @intCast(dim));
}

test "index_select matches a scalar reference for every element size" {
    var rng = std.Random.DefaultPrng.init(1);
    const r = rng.random();
    const shapes = [_][4]usize{ .{ 1, 10, 1, 7 }, .{ 3, 5, 4, 8 }, .{ 2, 7, 33, 20 }, .{ 1, 300, 128, 64 }, .{ 4, 3, 1, 0 }, .{ 0, 3, 2, 5 } };
    inline for (.{ u8, u16, i32, f32, f64, i64 }) |T| {
        const code: u32 = switch (T) {
            u8 => 6,
            u16 => 3,
            i32 => 4,
            f32 => 0,
            f64 => 1,
            i64 => 5,
            else => unreachable,
        };
        for (shapes) |sh| {
            const outer, const dim, const inner, const n = sh;
            const x_off = 3;
            const x = try testing.allocator.alloc(T, x_off + outer * dim * inner);
            defer testing.allocator.free(x);
            for (x, 0..) |*v, i| v.* = pattern(T, i);
            const idx = try testing.allocator.alloc(i32, n);
            defer testing.allocator.free(idx);
            randomIndices(r, idx, dim);
            const y = try testing.allocator.alloc(T, outer * n * inner);
            defer testing.allocator.free(y);
            try testing.expectEqual(@as(i32, 0), axon_index_select(code, @intCast(outer), @intCast(dim), @intCast(inner), raw(x), nbytes(x), x_off, raw(idx), nbytes(idx), @intCast(n), raw(y), nbytes(y)));
            for (0..outer) |o| for (0..n) |i| for (0..inner) |k| {
                try testing.expectEqual(x[x_off + (o * dim + @as(usize, @intCast(idx[i]))) * inner + k], y[(o * n + i) * inner + k]);
            };
        }
    }
}

test "gather matches a scalar reference (f32, u8, i64)" {
    var rng = std.Random.DefaultPrng.init(2);
    const r = rng.random();
    const shapes = [_][4]usize{ .{ 5, 10, 1, 1 }, .{ 3, 5, 4, 8 }, .{ 2, 7, 70, 3 }, .{ 64, 1000, 1, 1 } };
    inline for (.{ f32, u8, i64 }) |T| {
        const code: u32 = switch (T) {
            f32 => 0,
            u8 => 6,
            i64 => 5,
            else => unreachable,
        };
        for (shapes) |sh| {
            const outer, const dim, const inner, const k = sh;
            const x = try testing.allocator.alloc(T, outer * dim * inner + 1);
            defer testing.allocator.free(x);
            for (x, 0..) |*v, i| v.* = pattern(T, i);
            const idx = try testing.allocator.alloc(i32, outer * k * inner);
            defer testing.allocator.free(idx);
            randomIndices(r, idx, dim);
            const y = try testing.allocator.alloc(T, outer * k * inner);
            defer testing.allocator.free(y);
            try testing.expectEqual(@as(i32, 0), axon_gather(code, @intCast(outer), @intCast(dim), @intCast(inner), raw(x), nbytes(x), 1, raw(idx), nbytes(idx), @intCast(k), raw(y), nbytes(y)));
            for (0..outer) |o| for (0..k) |j| for (0..inner) |i| {
                const at = (o * k + j) * inner + i;
                try testing.expectEqual(x[1 + (o * dim + @as(usize, @intCast(idx[at]))) * inner + i], y[at]);
            };
        }
    }
}

fn dot(a: []const f32, b: []const f32) f64 {
    var s: f64 = 0;
    for (a, b) |p, q| s += @as(f64, p) * q;
    return s;
}

test "index_add is the adjoint of index_select; scatter_add of gather; both match scalar references" {
    var rng = std.Random.DefaultPrng.init(3);
    const r = rng.random();
    const alloc = testing.allocator;
    const shapes = [_][4]usize{ .{ 1, 10, 1, 30 }, .{ 3, 5, 4, 8 }, .{ 2, 40, 100, 300 }, .{ 1, 1000, 64, 2000 } };
    for (shapes) |sh| {
        const outer, const dim, const inner, const n = sh;
        const x = try alloc.alloc(f32, outer * dim * inner);
        defer alloc.free(x);
        const yv = try alloc.alloc(f32, outer * n * inner);
        defer alloc.free(yv);
        const sel = try alloc.alloc(f32, outer * n * inner);
        defer alloc.free(sel);
        const dx = try alloc.alloc(f32, outer * dim * inner);
        defer alloc.free(dx);
        const ref = try alloc.alloc(f32, outer * dim * inner);
        defer alloc.free(ref);
        for (x) |*v| v.* = r.float(f32) * 2 - 1;
        for (yv) |*v| v.* = r.float(f32) * 2 - 1;
        const idx = try alloc.alloc(i32, n);
        defer alloc.free(idx);
        randomIndices(r, idx, dim);
        // index_select / index_add
        try testing.expectEqual(@as(i32, 0), axon_index_select(0, @intCast(outer), @intCast(dim), @intCast(inner), raw(x), nbytes(x), 0, raw(idx), nbytes(idx), @intCast(n), raw(sel), nbytes(sel)));
        @memset(dx, 0);
        try testing.expectEqual(@as(i32, 0), axon_index_add(0, @intCast(outer), @intCast(dim), @intCast(inner), raw(dx), nbytes(dx), raw(idx), nbytes(idx), @intCast(n), raw(yv), nbytes(yv)));
        const lhs = dot(sel, yv);
        const rhs = dot(x, dx);
        try testing.expect(@abs(lhs - rhs) <= 1e-4 * @max(1, @abs(lhs)));
        // scalar reference: accumulate in order of i, in f32 (the kernel's exact order)
        @memset(ref, 0);
        for (0..outer) |o| for (0..n) |i| for (0..inner) |k| {
            ref[(o * dim + @as(usize, @intCast(idx[i]))) * inner + k] += yv[(o * n + i) * inner + k];
        };
        try testing.expectEqualSlices(f32, ref, dx);

        // gather / scatter_add with k = n / 4 + 1
        const k = n / 4 + 1;
        const gidx = try alloc.alloc(i32, outer * k * inner);
        defer alloc.free(gidx);
        randomIndices(r, gidx, dim);
        const g = yv[0 .. outer * k * inner];
        const gat = sel[0 .. outer * k * inner];
        try testing.expectEqual(@as(i32, 0), axon_gather(0, @intCast(outer), @intCast(dim), @intCast(inner), raw(x), nbytes(x), 0, raw(gidx), nbytes(gidx), @intCast(k), raw(gat), nbytes(gat)));
        @memset(dx, 0);
        try testing.expectEqual(@as(i32, 0), axon_scatter_add(0, @intCast(outer), @intCast(dim), @intCast(inner), raw(dx), nbytes(dx), raw(gidx), nbytes(gidx), @intCast(k), raw(g), nbytes(g)));
        const l2 = dot(gat, g);
        const r2 = dot(x, dx);
        try testing.expect(@abs(l2 - r2) <= 1e-4 * @max(1, @abs(l2)));
        @memset(ref, 0);
        for (0..outer) |o| for (0..k) |j| for (0..inner) |i| {
            const at = (o * k + j) * inner + i;
            ref[(o * dim + @as(usize, @intCast(gidx[at]))) * inner + i] += g[at];
        };
        try testing.expectEqualSlices(f32, ref, dx);
    }
}

test "index_add accumulates into dx and is identical with 1 and many threads (heavy collisions)" {
    const alloc = testing.allocator;
    const dim = 37;
    const inner = 96;
    const n = 5000;
    var rng = std.Random.DefaultPrng.init(4);
    const idx = try alloc.alloc(i32, n);
    defer alloc.free(idx);
    randomIndices(rng.random(), idx, 5); // heavy collisions on rows 0..4
    const src = try alloc.alloc(f32, n * inner);
    defer alloc.free(src);
    for (src) |*v| v.* = rng.random().float(f32) - 0.5;
    var out: [2][dim * inner]f32 = undefined;
    for (&out, [_]usize{ 1, 8 }) |*o, t| {
        _ = pool.setNumThreads(t);
        @memset(o, 1);
        try testing.expectEqual(@as(i32, 0), axon_index_add(0, 1, dim, inner, raw(o), nbytes(o), raw(idx), nbytes(idx), n, raw(src), nbytes(src)));
    }
    try testing.expectEqualSlices(u32, @ptrCast(&out[0]), @ptrCast(&out[1]));
    try testing.expectEqual(@as(f32, 1), out[0][10 * inner]); // untouched rows keep their value
    _ = pool.setNumThreads(std.Thread.getCpuCount() catch 1);
}

test "index exports reject bad indices, dtypes, sizes, buffers and overlap before writing" {
    var x = [_]f32{ 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 };
    var idx = [_]i32{ 1, 2, 3, 12, 0 };
    var y = [_]f32{-1} ** 5;
    // [1, 10, 1] table, 5 indices; index 12 at position 3
    try testing.expectEqual(@as(i32, -1), axon_index_select(0, 1, 10, 1, raw(&x), 40, 0, raw(&idx), 20, 5, raw(&y), 20));
    try testing.expectEqualStrings("index 12 is out of bounds for dimension of size 10 (at position 3)", status.lastMessage());
    for (y) |v| try testing.expectEqual(@as(f32, -1), v);
    try testing.expectEqual(@as(i32, -1), axon_index_add(0, 1, 10, 1, raw(&x), 40, raw(&idx), 20, 5, raw(&y), 20));
    for (x, 0..) |v, i| try testing.expectEqual(@as(f32, @floatFromInt(i)), v);
    try testing.expectEqual(@as(i32, -1), axon_gather(0, 1, 10, 1, raw(&x), 40, 0, raw(&idx), 20, 5, raw(&y), 20));
    try testing.expectEqual(@as(i32, -1), axon_scatter_add(0, 1, 10, 1, raw(&x), 40, raw(&idx), 20, 5, raw(&y), 20));
    try testing.expectEqualStrings("index 12 is out of bounds for dimension of size 10 (at position 3)", status.lastMessage());
    idx[3] = -2;
    try testing.expectEqual(@as(i32, -1), axon_index_select(0, 1, 10, 1, raw(&x), 40, 0, raw(&idx), 20, 5, raw(&y), 20));
    try testing.expectEqualStrings("index -2 is out of bounds for dimension of size 10 (at position 3)", status.lastMessage());
    idx[3] = 9;
    try testing.expectEqual(@as(i32, 0), axon_index_select(0, 1, 10, 1, raw(&x), 40, 0, raw(&idx), 20, 5, raw(&y), 20));
    try testing.expectEqualSlices(f32, &.{ 1, 2, 3, 9, 0 }, &y);
    // buffers too small / offsets past the end / negative sizes / overflow / null
    try testing.expectEqual(@as(i32, -2), axon_index_select(0, 1, 10, 1, raw(&x), 36, 0, raw(&idx), 20, 5, raw(&y), 20));
    try testing.expectEqual(@as(i32, -2), axon_index_select(0, 1, 10, 1, raw(&x), 40, 1, raw(&idx), 20, 5, raw(&y), 20));
    try testing.expectEqual(@as(i32, -2), axon_index_select(0, 1, 10, 1, raw(&x), 40, 0, raw(&idx), 16, 5, raw(&y), 20));
    try testing.expectEqual(@as(i32, -2), axon_index_select(0, 1, 10, 1, raw(&x), 40, 0, raw(&idx), 20, 5, raw(&y), 16));
    try testing.expectEqual(@as(i32, -2), axon_index_add(0, 1, 10, 1, raw(&x), 40, raw(&idx), 20, 5, raw(&y), 19));
    try testing.expectEqual(@as(i32, -2), axon_gather(0, 2, 5, 1, raw(&x), 40, 0, raw(&idx), 20, 5, raw(&y), 20));
    try testing.expectEqual(@as(i32, -2), axon_scatter_add(0, 1, 10, 2, raw(&x), 40, raw(&idx), 20, 5, raw(&y), 20));
    try testing.expectEqual(@as(i32, -1), axon_index_select(0, -1, 10, 1, raw(&x), 40, 0, raw(&idx), 20, 5, raw(&y), 20));
    try testing.expectEqual(@as(i32, -1), axon_index_select(0, 1, 10, 1, raw(&x), 40, -3, raw(&idx), 20, 5, raw(&y), 20));
    try testing.expectEqual(@as(i32, -1), axon_index_add(0, 1, -10, 1, raw(&x), 40, raw(&idx), 20, 5, raw(&y), 20));
    try testing.expectEqual(@as(i32, -1), axon_gather(0, 1, 10, 1, raw(&x), 40, 0, raw(&idx), 20, -5, raw(&y), 20));
    try testing.expectEqual(@as(i32, -1), axon_scatter_add(0, 1, 10, -1, raw(&x), 40, raw(&idx), 20, 5, raw(&y), 20));
    try testing.expectEqual(@as(i32, -3), axon_index_select(0, 1 << 40, 1 << 40, 1, raw(&x), 40, 0, raw(&idx), 20, 5, raw(&y), 20));
    try testing.expectEqual(@as(i32, -1), axon_index_select(0, 1, 10, 1, null, 40, 0, raw(&idx), 20, 5, raw(&y), 20));
    try testing.expectEqual(@as(i32, -2), axon_index_select(0, 1, 10, 1, raw(&x), 40, std.math.maxInt(i64), raw(&idx), 20, 5, raw(&y), 20));
    // dtypes: unknown everywhere, non-f32 accumulation rejected
    try testing.expectEqual(@as(i32, -4), axon_index_select(9, 1, 10, 1, raw(&x), 40, 0, raw(&idx), 20, 5, raw(&y), 20));
    try testing.expectEqual(@as(i32, -4), axon_index_add(4, 1, 10, 1, raw(&x), 40, raw(&idx), 20, 5, raw(&y), 20));
    try testing.expectEqual(@as(i32, -4), axon_scatter_add(1, 1, 10, 1, raw(&x), 40, raw(&idx), 20, 5, raw(&y), 20));
    // misaligned index pointer
    const mis: ?[*]u8 = @ptrCast(@as([*]u8, @ptrCast(&idx)) + 2);
    try testing.expectEqual(@as(i32, -1), axon_index_select(0, 1, 10, 1, raw(&x), 40, 0, mis, 18, 4, raw(&y), 20));
    // output overlapping an input
    try testing.expectEqual(@as(i32, -1), axon_index_select(0, 1, 5, 1, raw(&x), 40, 0, raw(&idx), 20, 5, raw(&x), 40));
    try testing.expectEqual(@as(i32, -1), axon_index_add(0, 1, 5, 1, raw(&x), 20, raw(&idx), 20, 5, raw(&x), 40));
    // empty: n_index 0 (nothing read), zero outer, and dim 0 with no indices
    try testing.expectEqual(@as(i32, 0), axon_index_select(0, 1, 10, 1, raw(&x), 40, 0, null, 0, 0, null, 0));
    try testing.expectEqual(@as(i32, 0), axon_index_add(0, 0, 10, 1, null, 0, raw(&idx), 20, 5, null, 0));
    try testing.expectEqual(@as(i32, 0), axon_gather(4, 3, 0, 1, null, 0, 0, null, 0, 0, null, 0));
}
