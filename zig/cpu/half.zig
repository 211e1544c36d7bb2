//! The one definition of the f16/bf16 ⇄ f32 conversions, written once over `@Vector(L, ...)` so
//! that the scalar casts (L = 1, used by copy.zig's `cast`) and the SIMD slice loops (copy,
//! GEMM packing and stores) give the same bits by construction.
//!
//! Half values travel as their raw 16 bits (`u16`), whatever the format.
//! - f16: the IEEE conversions (`@floatCast`, i.e. fpext/fptrunc): with F16C/AVX-512 these are
//!   vcvtph2ps / vcvtps2ph (round to nearest even from the immediate, not MXCSR; no denormal
//!   flushing). NaN stays NaN with its sign (quieted), ±Inf is kept, overflow rounds to ±Inf.
//! - bf16: the upper half of an f32. Widening is a shift (exact, subnormals included); narrowing
//!   adds 0x7FFF plus the lowest kept bit and truncates, which is round to nearest even for every
//!   finite input, f32 subnormals included, and carries into the exponent (overflow → ±Inf).
//!   NaN is kept (sign and upper payload) and quieted by setting the top mantissa bit.
const std = @import("std");

pub const Format = enum { f16, bf16 };

/// Lanes of the SIMD slice loops (one zmm of f32 with AVX-512).
pub const vlen: usize = std.simd.suggestVectorLength(f32) orelse 4;

pub inline fn toF32V(comptime fmt: Format, comptime L: usize, h: @Vector(L, u16)) @Vector(L, f32) {
    return switch (fmt) {
        .f16 => @floatCast(@as(@Vector(L, f16), @bitCast(h))),
        .bf16 => @bitCast(@as(@Vector(L, u32), h) << @splat(16)),
    };
}

pub inline fn fromF32V(comptime fmt: Format, comptime L: usize, x: @Vector(L, f32)) @Vector(L, u16) {
    switch (fmt) {
        .f16 => return @bitCast(@as(@Vector(L, f16), @floatCast(x))),
        .bf16 => {
            const bits: @Vector(L, u32) = @bitCast(x);
            const hi = bits >> @splat(16);
            const rounded = (bits +% (@as(@Vector(L, u32), @splat(0x7FFF)) + (hi & @as(@Vector(L, u32), @splat(1))))) >> @splat(16);
            const nan = hi | @as(@Vector(L, u32), @splat(0x40));
            return @truncate(@select(u32, x != x, nan, rounded));
        },
    }
}

pub inline fn toF32(comptime fmt: Format, h: u16) f32 {
    return toF32V(fmt, 1, .{h})[0];
}

pub inline fn fromF32(comptime fmt: Format, x: f32) u16 {
    return fromF32V(fmt, 1, .{x})[0];
}

/// `dst[i] = f32(src[i])`; lengths must match.
pub fn sliceToF32(comptime fmt: Format, dst: []f32, src: []const u16) void {
    std.debug.assert(dst.len == src.len);
    var i: usize = 0;
    while (i + vlen <= src.len) : (i += vlen) dst[i..][0..vlen].* = toF32V(fmt, vlen, src[i..][0..vlen].*);
    while (i < src.len) : (i += 1) dst[i] = toF32(fmt, src[i]);
}

/// `dst[i] = half(src[i])` (round to nearest even); lengths must match.
pub fn sliceFromF32(comptime fmt: Format, dst: []u16, src: []const f32) void {
    std.debug.assert(dst.len == src.len);
    var i: usize = 0;
    while (i + vlen <= src.len) : (i += vlen) dst[i..][0..vlen].* = fromF32V(fmt, vlen, src[i..][0..vlen].*);
    while (i < src.len) : (i += 1) dst[i] = fromF32(fmt, src[i]);
}

// ---------------------------------------------------------------------------------------------
// Exhaustive tests over all 65,536 patterns of both formats, through the SIMD and scalar paths.

const testing = std.testing;

/// Independent decoder: the value of a half pattern from its fields, in f64 (exact), then f32.
fn refDecode(comptime fmt: Format, h: u16) f32 {
    const ebits: u4 = if (fmt == .f16) 5 else 8;
    const mbits: u5 = if (fmt == .f16) 10 else 7;
    const bias: i32 = if (fmt == .f16) 15 else 127;
    const sign = h >> 15;
    const e: i32 = @intCast((h >> mbits) & ((@as(u16, 1) << ebits) - 1));
    const m: u16 = h & ((@as(u16, 1) << mbits) - 1);
    const emax: i32 = (@as(i32, 1) << ebits) - 1;
    var v: f64 = undefined;
    if (e == emax) {
        v = if (m == 0) std.math.inf(f64) else std.math.nan(f64);
    } else if (e == 0) {
        v = std.math.ldexp(@as(f64, @floatFromInt(m)), 1 - bias - @as(i32, mbits));
    } else {
        v = std.math.ldexp(@as(f64, @floatFromInt(m + (@as(u32, 1) << mbits))), e - bias - @as(i32, mbits));
    }
    return @floatCast(if (sign == 1) -v else v);
}

fn isNanPattern(comptime fmt: Format, h: u16) bool {
    return switch (fmt) {
        .f16 => (h & 0x7C00) == 0x7C00 and (h & 0x3FF) != 0,
        .bf16 => (h & 0x7F80) == 0x7F80 and (h & 0x7F) != 0,
    };
}

/// Largest finite positive pattern.
fn maxFinite(comptime fmt: Format) u16 {
    return if (fmt == .f16) 0x7BFF else 0x7F7F;
}

fn sameF32(want: f32, got: f32) bool {
    if (want != want) return got != got and (@as(u32, @bitCast(want)) >> 31) == (@as(u32, @bitCast(got)) >> 31);
    return @as(u32, @bitCast(want)) == @as(u32, @bitCast(got));
}

/// Converts with the SIMD slice loop (all full vectors: 65,536 is a multiple of 16) or one by one.
fn toF32All(comptime fmt: Format, simd: bool, dst: []f32, src: []const u16) void {
    if (simd) sliceToF32(fmt, dst, src) else for (dst, src) |*d, s| d.* = toF32(fmt, s);
}

fn fromF32All(comptime fmt: Format, simd: bool, dst: []u16, src: []const f32) void {
    if (simd) sliceFromF32(fmt, dst, src) else for (dst, src) |*d, s| d.* = fromF32(fmt, s);
}

fn exhaustive(comptime fmt: Format, simd: bool) !void {
    const alloc = testing.allocator;
    const n = 65536;
    const pats = try alloc.alloc(u16, n);
    defer alloc.free(pats);
    const wide = try alloc.alloc(f32, n);
    defer alloc.free(wide);
    const back = try alloc.alloc(u16, n);
    defer alloc.free(back);
    for (pats, 0..) |*p, i| p.* = @intCast(i);

    // half → f32 is exact; → half returns the same bits (a NaN for NaN patterns, sign kept).
    toF32All(fmt, simd, wide, pats);
    fromF32All(fmt, simd, back, wide);
    for (pats, wide, back) |h, w, b| {
        if (!sameF32(refDecode(fmt, h), w)) {
            std.debug.print("{s} {x:0>4}: decoded {e}, want {e}\n", .{ @tagName(fmt), h, w, refDecode(fmt, h) });
            return error.TestExpectedEqual;
        }
        if (isNanPattern(fmt, h)) {
            try testing.expect(isNanPattern(fmt, b));
            try testing.expectEqual(h >> 15, b >> 15);
        } else try testing.expectEqual(h, b);
    }

    // Between adjacent finite values a < b (positive patterns h, h + 1, and the pair
    // (max finite, +Inf) whose midpoint is the overflow threshold): the exact midpoint rounds to
    // the even pattern, one f32 ulp below it to a, one above to b. Negative values mirror this.
    const pairs: usize = @as(usize, maxFinite(fmt)) + 1;
    const probes = try alloc.alloc(f32, pairs * 3 * 2);
    defer alloc.free(probes);
    const got = try alloc.alloc(u16, probes.len);
    defer alloc.free(got);
    for (0..pairs) |h| {
        const a = refDecode(fmt, @intCast(h));
        const b = refDecode(fmt, @intCast(h + 1));
        // The midpoint is exact in f32 (one more significand bit than the half format); for the
        // last pair b is +Inf, and the midpoint is a + half an ulp of a.
        const mid: f32 = if (h + 1 == pairs) @floatCast(@as(f64, a) + (@as(f64, a) - @as(f64, refDecode(fmt, @intCast(h - 1)))) / 2) else @floatCast((@as(f64, a) + @as(f64, b)) / 2);
        const mb: u32 = @bitCast(mid);
        const vals = [3]f32{ mid, @bitCast(mb - 1), @bitCast(mb + 1) };
        for (vals, 0..) |v, j| {
            probes[h * 6 + j] = v;
            probes[h * 6 + 3 + j] = -v;
        }
    }
    fromF32All(fmt, simd, got, probes);
    for (0..pairs) |h| {
        const lo: u16 = @intCast(h);
        const even: u16 = if (lo & 1 == 0) lo else lo + 1;
        const want = [3]u16{ even, lo, lo + 1 };
        for (0..3) |j| {
            if (got[h * 6 + j] != want[j] or got[h * 6 + 3 + j] != want[j] | 0x8000) {
                std.debug.print("{s} pair {x:0>4} probe {d} ({e}): got {x:0>4} / {x:0>4}, want {x:0>4}\n", .{ @tagName(fmt), lo, j, probes[h * 6 + j], got[h * 6 + j], got[h * 6 + 3 + j], want[j] });
                return error.TestExpectedEqual;
            }
        }
    }
}

test "f16 conversions, exhaustive, SIMD and scalar" {
    try exhaustive(.f16, true);
    try exhaustive(.f16, false);
    try testing.expectEqual(@as(u16, 0x7C00), fromF32(.f16, 65520.0));
    try testing.expectEqual(@as(u16, 0x7BFF), fromF32(.f16, 65519.99));
    try testing.expectEqual(@as(u16, 0xFC00), fromF32(.f16, -65520.0));
    try testing.expectEqual(@as(u16, 0x7C00), fromF32(.f16, std.math.inf(f32)));
    // f32 values far below the smallest f16 subnormal (2^-24) round to ±0; 2^-25 is a tie → 0.
    try testing.expectEqual(@as(u16, 0x0000), fromF32(.f16, 0x1p-25));
    try testing.expectEqual(@as(u16, 0x0001), fromF32(.f16, 0x1.000002p-25));
    try testing.expectEqual(@as(u16, 0x8000), fromF32(.f16, -1e-30));
}

test "bf16 conversions, exhaustive, SIMD and scalar" {
    try exhaustive(.bf16, true);
    try exhaustive(.bf16, false);
    try testing.expectEqual(@as(u16, 0x7F80), fromF32(.bf16, std.math.floatMax(f32)));
    try testing.expectEqual(@as(u16, 0xFF80), fromF32(.bf16, -std.math.inf(f32)));
    // f32 subnormals round correctly: the smallest bf16 subnormal is 2^-133.
    try testing.expectEqual(@as(u16, 0x0000), fromF32(.bf16, 0x1p-134));
    try testing.expectEqual(@as(u16, 0x0001), fromF32(.bf16, @bitCast(@as(u32, 0x00008001))));
    try testing.expectEqual(@as(u16, 0x0001), fromF32(.bf16, std.math.floatTrueMin(f32) * 65535));
    try testing.expectEqual(@as(u16, 0x0000), fromF32(.bf16, std.math.floatTrueMin(f32)));
    // Signalling NaN comes back quiet with its sign.
    try testing.expectEqual(@as(u16, 0xFFC0), fromF32(.bf16, @bitCast(@as(u32, 0xFF800001))));
}

test "slice conversions with a ragged tail" {
    var src: [37]f32 = undefined;
    for (&src, 0..) |*v, i| v.* = @as(f32, @floatFromInt(i)) * 0.37 - 5;
    var h: [37]u16 = undefined;
    var back: [37]f32 = undefined;
    inline for (.{ Format.f16, Format.bf16 }) |fmt| {
        sliceFromF32(fmt, &h, &src);
        sliceToF32(fmt, &back, &h);
        for (src, h, back) |s, hv, b| {
            try testing.expectEqual(fromF32(fmt, s), hv);
            try testing.expectEqual(toF32(fmt, hv), b);
        }
    }
}
