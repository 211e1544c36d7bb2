//! Mixed-precision helpers: the fused "unscale and look for inf/NaN" pass of GradScaler
//! (PyTorch's `_amp_foreach_non_finite_check_and_unscale_`): one read-modify-write of each
//! gradient instead of a check pass plus a scaling pass.
const std = @import("std");
const copy = @import("copy.zig");
const pool = @import("pool.zig");

/// Chunks one call splits into at most; each chunk writes its own flag, so the result does not
/// depend on which thread ran which chunk.
const max_parts = 64;

/// Arithmetic type of an element type: f64 stays f64, everything else computes in f32.
fn Compute(comptime T: type) type {
    return if (T == f64) f64 else f32;
}

/// Multiplies every element by `inv_scale` (in f32; f64 for f64 data; rounded back to the
/// element type) — as PyTorch, also when a non-finite value is present — and returns whether
/// any element was ±inf or NaN before scaling. `inv_scale == 1` only checks.
/// `T` is f32, f64, f16, or u16 holding bf16 bits.
pub fn unscaleCheck(comptime T: type, x: []T, inv_scale: Compute(T)) bool {
    if (x.len == 0) return false;
    var flags: [max_parts]bool = @splat(false);
    const chunk = @max((x.len + max_parts - 1) / max_parts, copy.min_chunk_cheap);
    const parts = (x.len + chunk - 1) / chunk;
    const Ctx = struct { x: []T, inv_scale: Compute(T), chunk: usize, flags: *[max_parts]bool };
    pool.parallelFor(parts, 1, Ctx{ .x = x, .inv_scale = inv_scale, .chunk = chunk, .flags = &flags }, struct {
        fn run(c: Ctx, begin: usize, end: usize) void {
            for (begin..end) |part| {
                const lo = part * c.chunk;
                c.flags[part] = scan(T, c.x[lo..@min(lo + c.chunk, c.x.len)], c.inv_scale);
            }
        }
    }.run);
    var found = false;
    for (flags[0..parts]) |f| found = found or f;
    return found;
}

fn scan(comptime T: type, xs: []T, inv_scale: Compute(T)) bool {
    const F = Compute(T);
    const scaling = inv_scale != 1;
    var bad = false;
    for (xs) |*x| {
        const v = toFloat(T, x.*);
        // |v| < inf is false exactly for ±inf and NaN; no branch, so the loop vectorises.
        bad = bad or !(@abs(v) < std.math.inf(F));
        if (scaling) x.* = fromFloat(T, v * inv_scale);
    }
    return bad;
}

inline fn toFloat(comptime T: type, x: T) Compute(T) {
    return switch (T) {
        f32, f64 => x,
        f16 => @floatCast(x),
        u16 => @bitCast(@as(u32, x) << 16), // bf16 bits
        else => @compileError("unscaleCheck: unsupported element type " ++ @typeName(T)),
    };
}

inline fn fromFloat(comptime T: type, x: Compute(T)) T {
    return switch (T) {
        f32, f64 => x,
        f16 => @floatCast(x),
        u16 => copy.bf16FromF32(x),
        else => @compileError("unscaleCheck: unsupported element type " ++ @typeName(T)),
    };
}

// ---------------------------------------------------------------------------------------------
// tests

const testing = std.testing;

test "unscaleCheck scales every element and reports inf/NaN anywhere" {
    const alloc = testing.allocator;
    const n = 300_001; // several chunks with a short last one
    const xs = try alloc.alloc(f32, n);
    defer alloc.free(xs);
    for (xs, 0..) |*x, i| x.* = @floatFromInt(@as(i64, @intCast(i % 1000)) - 500);
    try testing.expect(!unscaleCheck(f32, xs, 0.25));
    for (xs, 0..) |x, i| try testing.expectEqual(@as(f32, @floatFromInt(@as(i64, @intCast(i % 1000)) - 500)) * 0.25, x);
    for ([_]f32{ std.math.inf(f32), -std.math.inf(f32), std.math.nan(f32) }) |bad| {
        for ([_]usize{ 0, 77_777, n - 1 }) |at| {
            const saved = xs[at];
            xs[at] = bad;
            try testing.expect(unscaleCheck(f32, xs, 1));
            xs[at] = saved;
        }
    }
    try testing.expect(!unscaleCheck(f32, xs, 1));
    try testing.expect(!unscaleCheck(f32, xs[0..0], 2));
    // A finite value that overflows when scaled is not "found": the check sees the input.
    var big = [_]f32{std.math.floatMax(f32)};
    try testing.expect(!unscaleCheck(f32, &big, 4));
    try testing.expect(std.math.isInf(big[0]));
}

test "unscaleCheck on f64, f16 and bf16 elements" {
    var d = [_]f64{ 1e300, -3, 0.5 };
    try testing.expect(!unscaleCheck(f64, &d, 0.5));
    try testing.expectEqualSlices(f64, &.{ 5e299, -1.5, 0.25 }, &d);
    var h = [_]f16{ 1024, -2, std.math.inf(f16) };
    try testing.expect(unscaleCheck(f16, &h, 1.0 / 1024.0));
    try testing.expectEqual(@as(f16, 1), h[0]);
    try testing.expectEqual(@as(f16, -2.0 / 1024.0), h[1]);
    var b = [_]u16{ 0x4480, 0x7FC0 }; // 1024 in bf16, NaN
    try testing.expect(unscaleCheck(u16, &b, 1.0 / 1024.0));
    try testing.expectEqual(@as(u16, 0x3F80), b[0]);
}
