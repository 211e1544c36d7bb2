//! Exports of the sort and scan kernel family: `axon_argsort`, `axon_scan`,
//! `axon_cumprod_backward` (see zig/ABI.md, "ops A additions"). Every argument is validated here;
//! the kernels in zig/cpu/sort.zig then run on slices proven to lie inside the caller's buffers.
const std = @import("std");
const status = @import("../status.zig");
const check = @import("check.zig");
const ksort = @import("../cpu/sort.zig");
/// `axon_scan` op codes.
pub const ScanOp = ksort.ScanOp;
const Error = status.Error;

const view = check.view;

fn argsortImpl(dtype_code: u32, descending: u32, rows: i64, n: i64, x: ?[*]u8, x_bytes: i64, x_off: i64, idx: ?[*]u8, idx_bytes: i64, idx_off: i64) Error!void {
    if (descending > 1) return status.err(error.InvalidArgument, "axon_argsort: descending must be 0 or 1, got {d}", .{descending});
    const dt = try check.dtype(dtype_code);
    const r = try check.count(rows, "rows");
    const k = try check.count(n, "n (sorted size)");
    if (k > std.math.maxInt(i32))
        return status.err(error.InvalidArgument, "axon_argsort: {d} elements per row do not fit i32 indices", .{k});
    const total = try check.mul(r, k);
    const xo = try check.count(x_off, "x offset");
    const io = try check.count(idx_off, "idx offset");
    const is = try view(i32, idx, idx_bytes, io, total, "idx");
    switch (dt) {
        inline .f32, .f64, .i32, .i64, .u8 => |d| {
            const T = switch (d) {
                .f32 => f32,
                .f64 => f64,
                .i32 => i32,
                .i64 => i64,
                .u8 => u8,
                else => unreachable,
            };
            const xs = try view(T, x, x_bytes, xo, total, "x");
            try check.noOverlap(is, "idx", xs, "x");
            ksort.argsort(T, descending == 1, r, k, xs, is);
        },
        else => return status.err(error.UnsupportedDtype, "axon_argsort: dtype {s} is not supported (f32, f64, i32, i64, u8)", .{dt.name()}),
    }
}

/// Stable sorting permutation (i32) of each row of contiguous `[rows, n]` x; NaN is the largest
/// value (last ascending, first descending).
pub export fn axon_argsort(dtype: u32, descending: u32, rows: i64, n: i64, x: ?[*]u8, x_bytes: i64, x_off: i64, idx: ?[*]u8, idx_bytes: i64, idx_off: i64) i32 {
    return status.wrap(argsortImpl(dtype, descending, rows, n, x, x_bytes, x_off, idx, idx_bytes, idx_off));
}

fn topkImpl(dtype_code: u32, largest: u32, sorted: u32, rows: i64, n: i64, k: i64, x: ?[*]u8, x_bytes: i64, x_off: i64, idx: ?[*]u8, idx_bytes: i64, idx_off: i64) Error!void {
    if (largest > 1) return status.err(error.InvalidArgument, "axon_topk: largest must be 0 or 1, got {d}", .{largest});
    if (sorted > 1) return status.err(error.InvalidArgument, "axon_topk: sorted must be 0 or 1, got {d}", .{sorted});
    const dt = try check.dtype(dtype_code);
    const r = try check.count(rows, "rows");
    const m = try check.count(n, "n (row size)");
    const kk = try check.count(k, "k");
    if (kk > m) return status.err(error.InvalidArgument, "axon_topk: k {d} is larger than the row size {d}", .{ kk, m });
    if (m > std.math.maxInt(i32))
        return status.err(error.InvalidArgument, "axon_topk: {d} elements per row do not fit i32 indices", .{m});
    const total = try check.mul(r, m);
    const xo = try check.count(x_off, "x offset");
    const io = try check.count(idx_off, "idx offset");
    const is = try view(i32, idx, idx_bytes, io, total, "idx");
    switch (dt) {
        inline .f32, .f64, .i32, .i64, .u8 => |d| {
            const T = switch (d) {
                .f32 => f32,
                .f64 => f64,
                .i32 => i32,
                .i64 => i64,
                .u8 => u8,
                else => unreachable,
            };
            const xs = try view(T, x, x_bytes, xo, total, "x");
            try check.noOverlap(is, "idx", xs, "x");
            ksort.topk(T, largest == 1, sorted == 1, r, m, kk, xs, is);
        },
        else => return status.err(error.UnsupportedDtype, "axon_topk: dtype {s} is not supported (f32, f64, i32, i64, u8)", .{dt.name()}),
    }
}

/// PyTorch's CPU topk selection on each row of contiguous `[rows, n]` x: the first k entries of
/// each row of idx (i32 `[rows, n]`, the rest scratch) are the indices, in PyTorch's order.
pub export fn axon_topk(dtype: u32, largest: u32, sorted: u32, rows: i64, n: i64, k: i64, x: ?[*]u8, x_bytes: i64, x_off: i64, idx: ?[*]u8, idx_bytes: i64, idx_off: i64) i32 {
    return status.wrap(topkImpl(dtype, largest, sorted, rows, n, k, x, x_bytes, x_off, idx, idx_bytes, idx_off));
}

const Lines = struct { outer: usize, r: usize, inner: usize, total: usize };

fn lines(outer: i64, r: i64, inner: i64) Error!Lines {
    const o = try check.count(outer, "outer");
    const k = try check.count(r, "r (scanned size)");
    const i = try check.count(inner, "inner");
    return .{ .outer = o, .r = k, .inner = i, .total = try check.mul(try check.mul(o, k), i) };
}

fn scanImpl(op_code: u32, dtype_code: u32, reverse: u32, outer: i64, r: i64, inner: i64, x: ?[*]u8, x_bytes: i64, x_off: i64, y: ?[*]u8, y_bytes: i64, y_off: i64) Error!void {
    const op = std.meta.intToEnum(ksort.ScanOp, op_code) catch
        return status.err(error.InvalidArgument, "axon_scan: unknown op code {d} (0 cumsum, 1 cumprod)", .{op_code});
    if (reverse > 1) return status.err(error.InvalidArgument, "axon_scan: reverse must be 0 or 1, got {d}", .{reverse});
    const dt = try check.dtype(dtype_code);
    const s = try lines(outer, r, inner);
    const xo = try check.count(x_off, "x offset");
    const yo = try check.count(y_off, "y offset");
    switch (dt) {
        inline .f32, .f64, .i64 => |d| {
            const T = switch (d) {
                .f32 => f32,
                .f64 => f64,
                .i64 => i64,
                else => unreachable,
            };
            const xs = try view(T, x, x_bytes, xo, s.total, "x");
            const ys = try view(T, y, y_bytes, yo, s.total, "y");
            // In place is fine (each element is read before it is written); a partial overlap is not.
            if (xs.ptr != ys.ptr) try check.noOverlap(ys, "y", xs, "x");
            ksort.scan(T, op, reverse == 1, s.outer, s.r, s.inner, xs, ys);
        },
        else => return status.err(error.UnsupportedDtype, "axon_scan: dtype {s} is not supported (f32, f64, i64)", .{dt.name()}),
    }
}

/// Inclusive cumsum (op 0) or cumprod (op 1) along the middle axis of contiguous
/// `[outer, r, inner]`, from the end when `reverse` is 1; y may be x itself.
pub export fn axon_scan(op: u32, dtype: u32, reverse: u32, outer: i64, r: i64, inner: i64, x: ?[*]u8, x_bytes: i64, x_off: i64, y: ?[*]u8, y_bytes: i64, y_off: i64) i32 {
    return status.wrap(scanImpl(op, dtype, reverse, outer, r, inner, x, x_bytes, x_off, y, y_bytes, y_off));
}

fn cumprodBackwardImpl(dtype_code: u32, outer: i64, r: i64, inner: i64, x: ?[*]u8, x_bytes: i64, x_off: i64, g: ?[*]u8, g_bytes: i64, g_off: i64, dx: ?[*]u8, dx_bytes: i64, dx_off: i64) Error!void {
    const dt = try check.dtype(dtype_code);
    const s = try lines(outer, r, inner);
    const xo = try check.count(x_off, "x offset");
    const go = try check.count(g_off, "g offset");
    const dxo = try check.count(dx_off, "dx offset");
    switch (dt) {
        inline .f32, .f64 => |d| {
            const T = if (d == .f32) f32 else f64;
            const xs = try view(T, x, x_bytes, xo, s.total, "x");
            const gs = try view(T, g, g_bytes, go, s.total, "g");
            const dxs = try view(T, dx, dx_bytes, dxo, s.total, "dx");
            try check.noOverlap(dxs, "dx", xs, "x");
            try check.noOverlap(dxs, "dx", gs, "g");
            ksort.cumprodBackward(T, s.outer, s.r, s.inner, xs, gs, dxs);
        },
        else => return status.err(error.UnsupportedDtype, "axon_cumprod_backward: dtype {s} is not supported (f32, f64)", .{dt.name()}),
    }
}

/// Gradient of cumprod along the middle axis of contiguous `[outer, r, inner]`: dx from x and
/// the output gradient g, exact with zeros in x. dx must not overlap x or g.
pub export fn axon_cumprod_backward(dtype: u32, outer: i64, r: i64, inner: i64, x: ?[*]u8, x_bytes: i64, x_off: i64, g: ?[*]u8, g_bytes: i64, g_off: i64, dx: ?[*]u8, dx_bytes: i64, dx_off: i64) i32 {
    return status.wrap(cumprodBackwardImpl(dtype, outer, r, inner, x, x_bytes, x_off, g, g_bytes, g_off, dx, dx_bytes, dx_off));
}

const testing = std.testing;

fn bytes(s: anytype) [*]u8 {
    return @ptrCast(s.ptr);
}

test "exports validate their arguments" {
    var x = [_]f32{ 3, 1, 2, 0 };
    var idx = [_]i32{ 0, 0, 0, 0 };
    try testing.expectEqual(@as(i32, 0), axon_argsort(0, 0, 2, 2, bytes(&x), 16, 0, bytes(&idx), 16, 0));
    try testing.expectEqualSlices(i32, &.{ 1, 0, 1, 0 }, &idx);
    try testing.expect(axon_argsort(0, 0, 2, 3, bytes(&x), 16, 0, bytes(&idx), 16, 0) < 0); // past the end
    try testing.expect(axon_argsort(2, 0, 2, 2, bytes(&x), 16, 0, bytes(&idx), 16, 0) < 0); // f16
    try testing.expect(axon_argsort(0, 2, 2, 2, bytes(&x), 16, 0, bytes(&idx), 16, 0) < 0); // descending 2
    try testing.expectEqual(@as(i32, 0), axon_topk(0, 1, 1, 2, 2, 1, bytes(&x), 16, 0, bytes(&idx), 16, 0));
    try testing.expectEqual(@as(i32, 0), idx[0]);
    try testing.expect(axon_topk(0, 1, 1, 2, 2, 3, bytes(&x), 16, 0, bytes(&idx), 16, 0) < 0); // k > n
    try testing.expectEqual(@as(i32, 0), axon_scan(0, 0, 0, 1, 4, 1, bytes(&x), 16, 0, bytes(&x), 16, 0));
    try testing.expectEqualSlices(f32, &.{ 3, 4, 6, 6 }, &x);
    try testing.expect(axon_scan(0, 0, 0, 1, 3, 1, bytes(&x), 16, 0, bytes(&x), 16, 1) < 0); // partial overlap
    try testing.expect(axon_scan(2, 0, 0, 1, 4, 1, bytes(&x), 16, 0, bytes(&x), 16, 0) < 0); // op 2
    try testing.expect(axon_scan(0, 4, 0, 1, 1, 1, bytes(&x), 16, 0, bytes(&x), 16, 0) < 0); // i32
    var g = [_]f32{ 1, 1, 1, 1 };
    var dx = [_]f32{ 0, 0, 0, 0 };
    try testing.expectEqual(@as(i32, 0), axon_cumprod_backward(0, 1, 4, 1, bytes(&x), 16, 0, bytes(&g), 16, 0, bytes(&dx), 16, 0));
    try testing.expect(axon_cumprod_backward(0, 1, 4, 1, bytes(&x), 16, 0, bytes(&g), 16, 0, bytes(&g), 16, 0) < 0);
}
