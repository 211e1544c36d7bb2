//! Exports of the mixed-precision family: `axon_amp_unscale` (GradScaler's fused unscale and
//! inf/NaN check; kernel in zig/cpu/amp.zig).
const std = @import("std");
const status = @import("../status.zig");
const check = @import("check.zig");
const amp = @import("../cpu/amp.zig");
const Error = status.Error;

fn unscaleImpl(dtype_code: u32, n: i64, x: ?[*]u8, x_bytes: i64, x_off: i64, inv_scale: f64, found: ?[*]u8, found_bytes: i64) Error!void {
    const dt = try check.dtype(dtype_code);
    if (!std.math.isFinite(inv_scale))
        return status.err(error.InvalidArgument, "axon_amp_unscale: inverse scale must be finite, got {d}", .{inv_scale});
    const count = try check.count(n, "n");
    const off = try check.count(x_off, "x offset");
    const flag = try check.buffer(u8, found, found_bytes, 0, 1, "found_inf");
    const hit = switch (dt) {
        inline .f32, .f64, .f16, .bf16 => |D| blk: {
            const T = switch (D) {
                .f32 => f32,
                .f64 => f64,
                .f16 => f16,
                else => u16,
            };
            const xs = try check.view(T, x, x_bytes, off, count, "x");
            const scale: if (T == f64) f64 else f32 = @floatCast(inv_scale);
            break :blk amp.unscaleCheck(T, xs, scale);
        },
        else => return status.err(error.UnsupportedDtype, "axon_amp_unscale: dtype {s} is not supported (f32, f64, f16, bf16)", .{dt.name()}),
    };
    if (hit) flag[0] = 1;
}

/// `x[off..off+n] *= inv_scale` in place (contiguous, any float dtype) and sets `found[0] = 1`
/// when any of those elements was ±inf or NaN; `found` is never cleared, so one flag can
/// collect the result over many gradients.
pub export fn axon_amp_unscale(dtype: u32, n: i64, x: ?[*]u8, x_bytes: i64, x_off: i64, inv_scale: f64, found: ?[*]u8, found_bytes: i64) i32 {
    return status.wrap(unscaleImpl(dtype, n, x, x_bytes, x_off, inv_scale, found, found_bytes));
}

// ---------------------------------------------------------------------------------------------
// tests

const testing = std.testing;

test "axon_amp_unscale through the export, and its argument checks" {
    var g = [_]f32{ 8, -4, 2, 1 };
    var found: [1]u8 = .{0};
    const p: [*]u8 = @ptrCast(&g);
    try testing.expectEqual(@as(i32, 0), axon_amp_unscale(0, 3, p, 16, 1, 0.5, &found, 1));
    try testing.expectEqualSlices(f32, &.{ 8, -2, 1, 0.5 }, &g);
    try testing.expectEqual(@as(u8, 0), found[0]);
    g[0] = std.math.inf(f32);
    try testing.expectEqual(@as(i32, 0), axon_amp_unscale(0, 1, p, 16, 0, 1, &found, 1));
    try testing.expectEqual(@as(u8, 1), found[0]);
    try testing.expectEqual(@as(i32, 0), axon_amp_unscale(0, 1, p, 16, 1, 1, &found, 1));
    try testing.expectEqual(@as(u8, 1), found[0]); // never cleared

    try testing.expectEqual(@as(i32, -2), axon_amp_unscale(0, 4, p, 16, 1, 1, &found, 1)); // past the end
    try testing.expectEqual(@as(i32, -1), axon_amp_unscale(0, -1, p, 16, 0, 1, &found, 1));
    try testing.expectEqual(@as(i32, -1), axon_amp_unscale(0, 1, null, 16, 0, 1, &found, 1));
    try testing.expectEqual(@as(i32, -1), axon_amp_unscale(0, 1, p, 16, 0, std.math.inf(f64), &found, 1));
    try testing.expectEqual(@as(i32, -4), axon_amp_unscale(4, 1, p, 16, 0, 1, &found, 1)); // i32
    try testing.expect(axon_amp_unscale(0, 1, p, 16, 0, 1, null, 1) < 0);
    try testing.expect(axon_amp_unscale(0, 1, p, 16, 0, 1, &found, 0) < 0);
}
