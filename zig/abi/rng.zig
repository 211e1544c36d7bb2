//! Exports of the rng kernel family: `axon_rng` (Philox4x32-10; see zig/ABI.md and
//! zig/cpu/rng.zig for the exact stream layout). Output dtypes: f32 for every distribution, u8
//! for bernoulli.
const std = @import("std");
const status = @import("../status.zig");
const check = @import("check.zig");
const krng = @import("../cpu/rng.zig");

/// `axon_rng` distributions (declared with the kernels; TypeScript's are generated from this).
pub const Distribution = krng.Dist;
const Error = status.Error;

fn typed(comptime T: type, ptr: ?[*]u8, byte_len: i64, off: usize, n: usize) Error![]T {
    const all = try check.buffer(T, ptr, byte_len, off, n, "y");
    if (n == 0) return all[0..0];
    return all[off..][0..n];
}

fn rngImpl(dist_code: u32, dtype_code: u32, n: i64, y: ?[*]u8, y_bytes: i64, y_off: i64, seed: u64, counter: u64, p0: f64, p1: f64) Error!void {
    const dist = std.meta.intToEnum(krng.Dist, dist_code) catch
        return status.err(error.InvalidArgument, "axon_rng: unknown distribution code {d} (0 uniform, 1 normal, 2 bernoulli)", .{dist_code});
    const dt = try check.dtype(dtype_code);
    switch (dt) {
        .f32 => {},
        .u8 => if (dist != .bernoulli)
            return status.err(error.UnsupportedDtype, "axon_rng: {s} needs a float output (f32), got u8", .{@tagName(dist)}),
        else => return status.err(error.UnsupportedDtype, "axon_rng: dtype {s} is not supported (f32; u8 for bernoulli)", .{dt.name()}),
    }
    switch (dist) {
        .uniform => {
            if (!std.math.isFinite(p0) or !std.math.isFinite(p1))
                return status.err(error.InvalidArgument, "axon_rng: uniform bounds must be finite, got [{d}, {d})", .{ p0, p1 });
            if (p0 > p1)
                return status.err(error.InvalidArgument, "axon_rng: uniform needs low <= high, got low={d} high={d}", .{ p0, p1 });
            if (!std.math.isFinite(@as(f32, @floatCast(p1 - p0))) or !std.math.isFinite(@as(f32, @floatCast(p0))) or !std.math.isFinite(@as(f32, @floatCast(p1))))
                return status.err(error.InvalidArgument, "axon_rng: uniform range [{d}, {d}) does not fit f32", .{ p0, p1 });
        },
        .normal => {
            if (!std.math.isFinite(p0))
                return status.err(error.InvalidArgument, "axon_rng: normal mean must be finite, got {d}", .{p0});
            if (!(p1 >= 0) or !std.math.isFinite(p1))
                return status.err(error.InvalidArgument, "axon_rng: normal std must be finite and >= 0, got {d}", .{p1});
        },
        .bernoulli => if (!(p0 >= 0 and p0 <= 1))
            return status.err(error.InvalidArgument, "axon_rng: bernoulli p must be in [0, 1], got {d}", .{p0}),
    }
    const count = try check.count(n, "n");
    const off = try check.count(y_off, "y offset");
    if (dt == .u8) {
        krng.fill(u8, .{ .dist = dist, .y = try typed(u8, y, y_bytes, off, count), .seed = seed, .counter = counter, .p0 = p0, .p1 = p1 });
    } else {
        krng.fill(f32, .{ .dist = dist, .y = try typed(f32, y, y_bytes, off, count), .seed = seed, .counter = counter, .p0 = p0, .p1 = p1 });
    }
}

/// Fills `n` elements: dist 0 uniform [p0, p1), 1 normal (mean p0, std p1), 2 bernoulli(p0).
/// Block j (elements 4j..4j+3) uses counter `counter + j`; callers advance by ceil(n / 4).
pub export fn axon_rng(dist: u32, dtype: u32, n: i64, y: ?[*]u8, y_bytes: i64, y_off: i64, seed: u64, counter: u64, p0: f64, p1: f64) i32 {
    return status.wrap(rngImpl(dist, dtype, n, y, y_bytes, y_off, seed, counter, p0, p1));
}

// ---------------------------------------------------------------------------------------------
// tests

const testing = std.testing;

test "axon_rng fills through the export and rejects bad arguments" {
    var y: [10]f32 = @splat(-7);
    const p: [*]u8 = @ptrCast(&y);
    try testing.expectEqual(@as(i32, 0), axon_rng(0, 0, 8, p, 40, 1, 3, 0, 2, 4));
    try testing.expectEqual(@as(f32, -7), y[0]);
    try testing.expectEqual(@as(f32, -7), y[9]);
    for (y[1..9]) |v| try testing.expect(v >= 2 and v < 4);
    var same: [8]f32 = undefined;
    krng.fill(f32, .{ .dist = .uniform, .y = &same, .seed = 3, .counter = 0, .p0 = 2, .p1 = 4 });
    try testing.expectEqualSlices(f32, &same, y[1..9]);
    var b: [5]u8 = @splat(9);
    try testing.expectEqual(@as(i32, 0), axon_rng(2, 6, 5, &b, 5, 0, 3, 0, 0.5, 0));
    for (b) |v| try testing.expect(v <= 1);
    try testing.expectEqual(@as(i32, 0), axon_rng(1, 0, 0, null, 0, 0, 3, 0, 0, 1));

    try testing.expectEqual(@as(i32, -1), axon_rng(3, 0, 8, p, 40, 0, 3, 0, 0, 1));
    try testing.expectEqual(@as(i32, -4), axon_rng(0, 6, 5, &b, 5, 0, 3, 0, 0, 1)); // uniform u8
    try testing.expectEqual(@as(i32, -4), axon_rng(0, 4, 5, p, 40, 0, 3, 0, 0, 1)); // i32
    try testing.expectEqual(@as(i32, -4), axon_rng(0, 99, 5, p, 40, 0, 3, 0, 0, 1));
    try testing.expectEqual(@as(i32, -1), axon_rng(0, 0, 8, p, 40, 0, 3, 0, 2, 1)); // low > high
    try testing.expectEqual(@as(i32, -1), axon_rng(0, 0, 8, p, 40, 0, 3, 0, std.math.nan(f64), 1));
    try testing.expectEqual(@as(i32, -1), axon_rng(0, 0, 8, p, 40, 0, 3, 0, -3e38, 3e38));
    try testing.expectEqual(@as(i32, -1), axon_rng(1, 0, 8, p, 40, 0, 3, 0, 0, -1)); // std < 0
    try testing.expectEqual(@as(i32, -1), axon_rng(1, 0, 8, p, 40, 0, 3, 0, 0, std.math.nan(f64)));
    try testing.expectEqual(@as(i32, -1), axon_rng(2, 0, 8, p, 40, 0, 3, 0, 1.5, 0)); // p > 1
    try testing.expectEqual(@as(i32, -1), axon_rng(2, 0, 8, p, 40, 0, 3, 0, -0.1, 0));
    try testing.expectEqual(@as(i32, -1), axon_rng(0, 0, -1, p, 40, 0, 3, 0, 0, 1));
    try testing.expectEqual(@as(i32, -1), axon_rng(0, 0, 8, p, 40, -1, 3, 0, 0, 1));
    try testing.expectEqual(@as(i32, -2), axon_rng(0, 0, 8, p, 40, 3, 3, 0, 0, 1));
    try testing.expectEqual(@as(i32, -2), axon_rng(0, 0, 11, p, 40, 0, 3, 0, 0, 1));
    try testing.expectEqual(@as(i32, -1), axon_rng(0, 0, 8, null, 40, 0, 3, 0, 0, 1));
    try testing.expectEqual(@as(i32, -2), axon_rng(0, 0, std.math.maxInt(i64), p, 40, std.math.maxInt(i64), 3, 0, 0, 1));
}
