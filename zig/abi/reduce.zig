//! Exports of the reduce kernel family: `axon_reduce` and `axon_softmax` (see zig/ABI.md).
//! Every argument is validated here; the kernels in zig/cpu/reduce.zig and zig/cpu/softmax.zig
//! then run on slices proven to lie inside the caller's buffers.
const std = @import("std");
const status = @import("../status.zig");
const check = @import("check.zig");
const kreduce = @import("../cpu/reduce.zig");
const ksoftmax = @import("../cpu/softmax.zig");

/// `axon_reduce` op codes (declared with the kernels; TypeScript's are generated from this).
pub const ReduceOp = kreduce.Op;
const Error = status.Error;
const Op = kreduce.Op;

const view = check.view;

const Shape = struct { outer: usize, r: usize, inner: usize, n_in: usize, n_out: usize };

fn shape(outer: i64, r: i64, inner: i64) Error!Shape {
    const o = try check.count(outer, "outer");
    const k = try check.count(r, "r (reduced size)");
    const i = try check.count(inner, "inner");
    const n_out = try check.mul(o, i);
    return .{ .outer = o, .r = k, .inner = i, .n_out = n_out, .n_in = try check.mul(n_out, k) };
}

fn reduceImpl(op_code: u32, dtype_code: u32, outer: i64, r: i64, inner: i64, x: ?[*]u8, x_bytes: i64, x_off: i64, y: ?[*]u8, y_bytes: i64, y_off: i64) Error!void {
    const op = std.meta.intToEnum(Op, op_code) catch
        return status.err(error.InvalidArgument, "axon_reduce: unknown op code {d} (0 sum, 1 mean, 2 max, 3 min, 4 argmax, 5 argmin, 6 prod, 7 sum_of_squares)", .{op_code});
    const dt = try check.dtype(dtype_code);
    const s = try shape(outer, r, inner);
    const xo = try check.count(x_off, "x offset");
    const yo = try check.count(y_off, "y offset");
    const is_arg = op == .argmax or op == .argmin;
    const needs_values = is_arg or op == .max or op == .min;
    switch (dt) {
        .f32 => {},
        .i32 => if (op == .mean or op == .sum_of_squares)
            return status.err(error.UnsupportedDtype, "axon_reduce: {s} is not supported for i32 (cast to f32 first)", .{@tagName(op)}),
        .u8 => if (!needs_values)
            return status.err(error.UnsupportedDtype, "axon_reduce: {s} is not supported for u8 (only max, min, argmax, argmin; cast first)", .{@tagName(op)}),
        // i64 is where integer sums and products accumulate (PyTorch widens integer sums to int64).
        .i64 => if (op != .sum and op != .prod)
            return status.err(error.UnsupportedDtype, "axon_reduce: {s} is not supported for i64 (only sum, prod)", .{@tagName(op)}),
        else => return status.err(error.UnsupportedDtype, "axon_reduce: dtype {s} is not supported (f32, i32, i64, u8)", .{dt.name()}),
    }
    if (s.r == 0 and needs_values)
        return status.err(error.InvalidArgument, "cannot reduce an empty dimension with {s}", .{@tagName(op)});
    if (is_arg and s.r > std.math.maxInt(i32))
        return status.err(error.InvalidArgument, "axon_reduce: {s} over {d} elements does not fit i32 indices", .{ @tagName(op), s.r });
    switch (dt) {
        inline .f32, .i32, .i64, .u8 => |d| {
            const T = switch (d) {
                .f32 => f32,
                .i32 => i32,
                .i64 => i64,
                .u8 => u8,
                else => unreachable,
            };
            const xs = try view(T, x, x_bytes, xo, s.n_in, "x");
            if (comptime d == .i64) {
                const ys = try view(T, y, y_bytes, yo, s.n_out, "y");
                kreduce.reduce(T, op, s.outer, s.r, s.inner, xs, ys);
            } else if (is_arg) {
                const ys = try view(i32, y, y_bytes, yo, s.n_out, "y");
                kreduce.argReduce(T, op == .argmax, s.outer, s.r, s.inner, xs, ys);
            } else {
                const ys = try view(T, y, y_bytes, yo, s.n_out, "y");
                kreduce.reduce(T, op, s.outer, s.r, s.inner, xs, ys);
            }
        },
        else => unreachable,
    }
}

/// x contiguous `[outer, r, inner]` → y contiguous `[outer, inner]` (i32 for argmax/argmin).
pub export fn axon_reduce(op: u32, dtype: u32, outer: i64, r: i64, inner: i64, x: ?[*]u8, x_bytes: i64, x_off: i64, y: ?[*]u8, y_bytes: i64, y_off: i64) i32 {
    return status.wrap(reduceImpl(op, dtype, outer, r, inner, x, x_bytes, x_off, y, y_bytes, y_off));
}

fn softmaxImpl(log: u32, dtype_code: u32, outer: i64, r: i64, inner: i64, x: ?[*]u8, x_bytes: i64, x_off: i64, y: ?[*]u8, y_bytes: i64, y_off: i64) Error!void {
    if (log > 1) return status.err(error.InvalidArgument, "axon_softmax: log must be 0 (softmax) or 1 (log-softmax), got {d}", .{log});
    const dt = try check.dtype(dtype_code);
    if (dt != .f32) return status.err(error.UnsupportedDtype, "axon_softmax: dtype {s} is not supported (f32 only)", .{dt.name()});
    const s = try shape(outer, r, inner);
    const xo = try check.count(x_off, "x offset");
    const yo = try check.count(y_off, "y offset");
    const xs = try view(f32, x, x_bytes, xo, s.n_in, "x");
    const ys = try view(f32, y, y_bytes, yo, s.n_in, "y");
    ksoftmax.softmax(log == 1, s.outer, s.r, s.inner, xs, ys);
}

/// Softmax (log = 0) or log-softmax (log = 1) over the middle axis of contiguous `[outer, r, inner]`.
pub export fn axon_softmax(log: u32, dtype: u32, outer: i64, r: i64, inner: i64, x: ?[*]u8, x_bytes: i64, x_off: i64, y: ?[*]u8, y_bytes: i64, y_off: i64) i32 {
    return status.wrap(softmaxImpl(log, dtype, outer, r, inner, x, x_bytes, x_off, y, y_bytes, y_off));
}

// ---------------------------------------------------------------------------------------------
// tests

const testing = std.testing;

fn bytes(s: anytype) [*]u8 {
    return @ptrCast(s.ptr);
}

test "i64 sums and products are exact past the i32 range; other i64 ops are refused" {
    var x = [_]i64{ 1 << 30, 1 << 30, 1 << 30, 5 };
    var y = [_]i64{0};
    try testing.expectEqual(@as(i32, 0), axon_reduce(0, 5, 1, 4, 1, bytes(&x), 32, 0, bytes(&y), 8, 0));
    try testing.expectEqual(@as(i64, 3 * (1 << 30) + 5), y[0]);
    try testing.expectEqual(@as(i32, 0), axon_reduce(6, 5, 1, 3, 1, bytes(&x), 32, 1, bytes(&y), 8, 0));
    try testing.expectEqual(@as(i64, 5 << 60), y[0]);
    try testing.expect(axon_reduce(2, 5, 1, 4, 1, bytes(&x), 32, 0, bytes(&y), 8, 0) < 0);
}

test "axon_reduce runs through the export" {
    var x = [_]f32{ 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 };
    var y = [_]f32{ -1, -1, -1, -1 };
    // x[2..12] viewed as [2, 5, 1] → y[1..3]
    try testing.expectEqual(@as(i32, 0), axon_reduce(0, 0, 2, 5, 1, bytes(&x), 48, 2, bytes(&y), 16, 1));
    try testing.expectEqual([4]f32{ -1, 20, 45, -1 }, y);
    var yi = [_]i32{ 0, 0, 0 };
    try testing.expectEqual(@as(i32, 0), axon_reduce(4, 0, 1, 4, 3, bytes(&x), 48, 0, bytes(&yi), 12, 0));
    try testing.expectEqual([3]i32{ 3, 3, 3 }, yi);
    var xb = [_]u8{ 1, 9, 9, 2 };
    var yb = [_]u8{0};
    try testing.expectEqual(@as(i32, 0), axon_reduce(2, 6, 1, 4, 1, bytes(&xb), 4, 0, bytes(&yb), 1, 0));
    try testing.expectEqual(@as(u8, 9), yb[0]);
    try testing.expectEqual(@as(i32, 0), axon_reduce(4, 6, 1, 4, 1, bytes(&xb), 4, 0, bytes(&yi), 12, 2));
    try testing.expectEqual(@as(i32, 1), yi[2]);
    // empty r: sum → 0, mean → NaN
    try testing.expectEqual(@as(i32, 0), axon_reduce(0, 0, 2, 0, 1, null, 0, 0, bytes(&y), 16, 0));
    try testing.expectEqual(@as(f32, 0), y[1]);
    try testing.expectEqual(@as(i32, 0), axon_reduce(1, 0, 2, 0, 1, null, 0, 0, bytes(&y), 16, 0));
    try testing.expect(std.math.isNan(y[1]));
    // empty output: nothing touched, null pointers fine
    try testing.expectEqual(@as(i32, 0), axon_reduce(2, 0, 0, 5, 3, null, 0, 0, null, 0, 0));
}

test "axon_reduce rejects bad arguments" {
    var x = [_]f32{ 0, 1, 2, 3 };
    var y = [_]f32{ 0, 0 };
    const px = bytes(&x);
    const py = bytes(&y);
    try testing.expectEqual(@as(i32, -1), axon_reduce(8, 0, 1, 4, 1, px, 16, 0, py, 8, 0));
    try testing.expect(std.mem.indexOf(u8, status.lastMessage(), "unknown op") != null);
    try testing.expectEqual(@as(i32, -4), axon_reduce(0, 9, 1, 4, 1, px, 16, 0, py, 8, 0));
    try testing.expectEqual(@as(i32, -4), axon_reduce(0, 1, 1, 4, 1, px, 16, 0, py, 8, 0)); // f64
    try testing.expectEqual(@as(i32, -4), axon_reduce(1, 4, 1, 4, 1, px, 16, 0, py, 8, 0)); // mean i32
    try testing.expectEqual(@as(i32, -4), axon_reduce(0, 6, 1, 4, 1, px, 16, 0, py, 8, 0)); // sum u8
    try testing.expectEqual(@as(i32, -1), axon_reduce(0, 0, -1, 4, 1, px, 16, 0, py, 8, 0));
    try testing.expectEqual(@as(i32, -1), axon_reduce(0, 0, 1, -4, 1, px, 16, 0, py, 8, 0));
    try testing.expectEqual(@as(i32, -1), axon_reduce(0, 0, 1, 4, 1, px, 16, -1, py, 8, 0));
    try testing.expectEqual(@as(i32, -1), axon_reduce(0, 0, 1, 4, 1, px, -16, 0, py, 8, 0));
    try testing.expectEqual(@as(i32, -2), axon_reduce(0, 0, 1, 4, 1, px, 16, 1, py, 8, 0));
    try testing.expectEqual(@as(i32, -2), axon_reduce(0, 0, 1, 4, 1, px, 12, 0, py, 8, 0));
    try testing.expectEqual(@as(i32, -2), axon_reduce(0, 0, 2, 2, 1, px, 16, 0, py, 8, 1));
    try testing.expectEqual(@as(i32, -1), axon_reduce(0, 0, 1, 4, 1, null, 16, 0, py, 8, 0));
    try testing.expectEqual(@as(i32, -3), axon_reduce(0, 0, 1 << 40, 1 << 40, 1 << 40, px, 16, 0, py, 8, 0));
    try testing.expectEqual(@as(i32, -1), axon_reduce(2, 0, 1, 0, 1, px, 16, 0, py, 8, 0));
    try testing.expectEqualStrings("cannot reduce an empty dimension with max", status.lastMessage());
    try testing.expectEqual(@as(i32, -1), axon_reduce(4, 0, 1, 0, 1, px, 16, 0, py, 8, 0));
    // argmax output is i32: 2 outputs need 8 bytes
    try testing.expectEqual(@as(i32, -2), axon_reduce(4, 0, 2, 2, 1, px, 16, 0, py, 4, 0));
    try testing.expectEqual([2]f32{ 0, 0 }, y);
}

test "axon_softmax runs and rejects bad arguments" {
    var x = [_]f32{ 1, 2, 3, 4, 5, 6 };
    var y = [_]f32{ 0, 0, 0, 0, 0, 0 };
    try testing.expectEqual(@as(i32, 0), axon_softmax(0, 0, 2, 3, 1, bytes(&x), 24, 0, bytes(&y), 24, 0));
    try testing.expectApproxEqAbs(@as(f32, 1), y[0] + y[1] + y[2], 1e-6);
    try testing.expectApproxEqAbs(@as(f32, 1), y[3] + y[4] + y[5], 1e-6);
    try testing.expectEqual(@as(i32, 0), axon_softmax(1, 0, 1, 2, 3, bytes(&x), 24, 0, bytes(&x), 24, 0)); // in place
    try testing.expectApproxEqAbs(@as(f32, -3.0485873e0), x[0], 1e-6);
    try testing.expectEqual(@as(i32, -1), axon_softmax(2, 0, 2, 3, 1, bytes(&x), 24, 0, bytes(&y), 24, 0));
    try testing.expectEqual(@as(i32, -4), axon_softmax(0, 4, 2, 3, 1, bytes(&x), 24, 0, bytes(&y), 24, 0));
    try testing.expectEqual(@as(i32, -4), axon_softmax(0, 77, 2, 3, 1, bytes(&x), 24, 0, bytes(&y), 24, 0));
    try testing.expectEqual(@as(i32, -1), axon_softmax(0, 0, 2, -3, 1, bytes(&x), 24, 0, bytes(&y), 24, 0));
    try testing.expectEqual(@as(i32, -2), axon_softmax(0, 0, 2, 3, 1, bytes(&x), 24, 1, bytes(&y), 24, 0));
    try testing.expectEqual(@as(i32, -2), axon_softmax(0, 0, 2, 3, 1, bytes(&x), 24, 0, bytes(&y), 20, 0));
    try testing.expectEqual(@as(i32, 0), axon_softmax(0, 0, 0, 3, 1, null, 0, 0, null, 0, 0));
}
