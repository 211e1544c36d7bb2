//! Strided copy with dtype cast, fill and arange, plus the pieces every elementwise kernel shares:
//! the dtype → storage type map and the element casts (the one place to extend for f16/bf16 and
//! friends), strided layouts with dimension coalescing, and the N-d row iterator.
//!
//! Kernels write into caller-owned memory and never allocate. Arguments are validated by
//! zig/abi/elementwise.zig before anything here runs.
//!
//! Cast rules (as PyTorch on x86):
//! - float → signed int truncates toward zero; NaN and out-of-range values give the integer's
//!   minimum (x86 `cvttss2si` "integer indefinite"), never undefined behaviour;
//! - anything → u8 wraps modulo 256 (floats go through i64 first, as PyTorch's static_cast does on
//!   x86); int → narrower int wraps;
//! - int → float and f64 → f32/f16 round to nearest even; bf16 rounds f32 to nearest even.
const std = @import("std");
const check = @import("../abi/check.zig");
const pool = @import("pool.zig");
const half = @import("half.zig");

pub const DType = check.DType;
pub const max_dims = check.max_dims;

/// Storage type of one element. bf16 is kept as its raw 16 bits.
pub fn Storage(comptime dt: DType) type {
    return switch (dt) {
        .f32 => f32,
        .f64 => f64,
        .f16 => f16,
        .bf16 => u16,
        .i32 => i32,
        .i64 => i64,
        .u8 => u8,
    };
}

pub const all_dtypes = [_]DType{ .f32, .f64, .f16, .bf16, .i32, .i64, .u8 };

/// SIMD width used for `T` on the target (16 f32 lanes with AVX-512).
pub fn lanes(comptime T: type) comptime_int {
    return std.simd.suggestVectorLength(T) orelse 1;
}

fn isFloatKind(comptime dt: DType) bool {
    return switch (dt) {
        .f32, .f64, .f16, .bf16 => true,
        else => false,
    };
}

/// The exact widened value of a source element: f64 stays f64, other floats become f32,
/// integers become i64.
fn Wide(comptime dt: DType) type {
    return switch (dt) {
        .f64 => f64,
        .f32, .f16, .bf16 => f32,
        .i32, .i64, .u8 => i64,
    };
}

fn widen(comptime dt: DType, x: Storage(dt)) Wide(dt) {
    return switch (dt) {
        .f64, .f32, .i64 => x,
        .f16 => half.toF32(.f16, @bitCast(x)),
        .bf16 => half.toF32(.bf16, x),
        .i32, .u8 => @intCast(x),
    };
}

/// f32 → bf16 bits, round to nearest even; NaN stays a (quiet) NaN (definition in half.zig).
pub fn bf16FromF32(x: f32) u16 {
    return half.fromF32(.bf16, x);
}

/// Float → signed int, truncating; NaN / out of range → minimum of I (x86 behaviour).
pub fn floatToInt(comptime I: type, x: anytype) I {
    const F = @TypeOf(x);
    const lo: F = -@as(F, @floatFromInt(@as(i128, 1) << (@bitSizeOf(I) - 1)));
    const hi: F = -lo;
    if (x >= lo and x < hi) return @intFromFloat(x);
    return std.math.minInt(I);
}

fn fromFloat(comptime dt: DType, x: anytype) Storage(dt) {
    return switch (dt) {
        .f32, .f64 => @floatCast(x),
        // From f32 through the shared definition; from f64 directly (one rounding).
        .f16 => if (@TypeOf(x) == f32) @bitCast(half.fromF32(.f16, x)) else @floatCast(x),
        .bf16 => bf16FromF32(@floatCast(x)),
        .i32, .i64 => floatToInt(Storage(dt), x),
        .u8 => @truncate(@as(u64, @bitCast(floatToInt(i64, x)))),
    };
}

fn fromInt(comptime dt: DType, x: i64) Storage(dt) {
    return switch (dt) {
        .f32, .f64, .f16 => @floatFromInt(x),
        .bf16 => bf16FromF32(@floatFromInt(x)),
        .i32, .i64, .u8 => wrapInt(Storage(dt), x),
    };
}

/// Two's-complement wrap of an i64 into a narrower (or equal) integer type.
pub fn wrapInt(comptime T: type, x: i64) T {
    const U = std.meta.Int(.unsigned, @bitSizeOf(T));
    const low: U = @truncate(@as(u64, @bitCast(x)));
    return @bitCast(low);
}

/// Converts one element of dtype `S` to dtype `D` following the rules in the file comment.
pub inline fn cast(comptime D: DType, comptime S: DType, x: Storage(S)) Storage(D) {
    if (D == S) return x;
    const w = widen(S, x);
    return if (comptime isFloatKind(S)) fromFloat(D, w) else fromInt(D, w);
}

/// Converts an f64 (fill value, arange element) to dtype `D`.
pub fn fromF64(comptime D: DType, x: f64) Storage(D) {
    return fromFloat(D, x);
}

// ---------------------------------------------------------------------------------------------
// Strided layouts shared by copy, binary and where.

/// Shape plus the element strides of `K` operands, coalesced for iteration.
pub fn Layout(comptime K: usize) type {
    return struct {
        const Self = @This();
        ndim: usize = 0,
        shape: [max_dims]usize = undefined,
        strides: [K][max_dims]usize = undefined,

        pub fn numel(self: *const Self) usize {
            var n: usize = 1;
            for (self.shape[0..self.ndim]) |s| n *= s;
            return n;
        }

        /// Drops size-1 dims and merges neighbours that are contiguous in every operand. Leaves at
        /// least one dim (size 1 with zero strides for a scalar). Only for non-empty shapes.
        pub fn coalesce(self: *const Self) Self {
            var out: Self = .{};
            for (0..self.ndim) |d| {
                const n = self.shape[d];
                if (n == 1) continue;
                if (out.ndim > 0) {
                    const p = out.ndim - 1;
                    var mergeable = true;
                    for (0..K) |k| {
                        if (out.strides[k][p] != n * self.strides[k][d]) mergeable = false;
                    }
                    if (mergeable) {
                        out.shape[p] *= n;
                        for (0..K) |k| out.strides[k][p] = self.strides[k][d];
                        continue;
                    }
                }
                out.shape[out.ndim] = n;
                for (0..K) |k| out.strides[k][out.ndim] = self.strides[k][d];
                out.ndim += 1;
            }
            if (out.ndim == 0) {
                out.ndim = 1;
                out.shape[0] = 1;
                for (0..K) |k| out.strides[k][0] = 0;
            }
            return out;
        }

        pub fn innerStrides(self: *const Self) [K]usize {
            var s: [K]usize = undefined;
            for (0..K) |k| s[k] = self.strides[k][self.ndim - 1];
            return s;
        }

        /// Calls `row(ctx, offsets, len)` for the rows (runs along the innermost dim) covering
        /// flat row-major indices `[begin, end)`; `offsets` are element offsets from `base`.
        pub fn forRows(self: *const Self, base: [K]usize, begin: usize, end: usize, ctx: anytype, comptime row: anytype) void {
            if (begin >= end) return;
            const last = self.ndim - 1;
            var idx: [max_dims]usize = undefined;
            var offs = base;
            var rem = begin;
            var d = self.ndim;
            while (d > 0) {
                d -= 1;
                idx[d] = rem % self.shape[d];
                rem /= self.shape[d];
                for (0..K) |k| offs[k] += idx[d] * self.strides[k][d];
            }
            var pos = begin;
            const inner = self.shape[last];
            while (true) {
                const len = @min(end - pos, inner - idx[last]);
                row(ctx, offs, len);
                pos += len;
                if (pos >= end) return;
                // Move to the start of the next row.
                for (0..K) |k| offs[k] -= idx[last] * self.strides[k][last];
                idx[last] = 0;
                var c = last;
                while (c > 0) {
                    c -= 1;
                    idx[c] += 1;
                    for (0..K) |k| offs[k] += self.strides[k][c];
                    if (idx[c] < self.shape[c]) break;
                    for (0..K) |k| offs[k] -= idx[c] * self.strides[k][c];
                    idx[c] = 0;
                }
            }
        }
    };
}

/// Byte range `[lo, hi)` of a view, for overlap tests.
pub const Range = struct {
    lo: usize,
    hi: usize,

    pub fn of(ptr: ?[*]u8, elem: usize, offset: usize, span: usize) Range {
        const base = if (ptr) |p| @intFromPtr(p) else 0;
        return .{ .lo = base + offset * elem, .hi = base + (offset + span) * elem };
    }

    pub fn overlaps(a: Range, b: Range) bool {
        return a.lo < b.hi and b.lo < a.hi and a.lo < a.hi and b.lo < b.hi;
    }
};

/// Work items per thread below which kernels stay on the calling thread.
pub const min_chunk_cheap: usize = 32768;
pub const min_chunk_costly: usize = 8192;

// ---------------------------------------------------------------------------------------------
// copy

pub fn CopyArgs(comptime D: DType, comptime S: DType) type {
    return struct {
        layout: Layout(2),
        dst: [*]Storage(D),
        src: [*]const Storage(S),
        dst_off: usize,
        src_off: usize,
    };
}

fn copyRow(comptime D: DType, comptime S: DType) fn (*const CopyArgs(D, S), [2]usize, usize) void {
    return struct {
        fn row(a: *const CopyArgs(D, S), offs: [2]usize, len: usize) void {
            const st = a.layout.innerStrides();
            const dst = a.dst + offs[0];
            const src = a.src + offs[1];
            if (st[0] == 1 and st[1] == 1) {
                if (D == S) {
                    // memmove semantics: views may overlap when the caller forced one thread.
                    const d: [*]u8 = @ptrCast(dst);
                    const s: [*]const u8 = @ptrCast(src);
                    const bytes = len * @sizeOf(Storage(D));
                    if (@intFromPtr(d) != @intFromPtr(s)) std.mem.copyForwards(u8, d[0..bytes], s[0..bytes]);
                    return;
                }
                if (comptime halfPair(D, S)) |hp| {
                    // SIMD conversion; the same definition as `cast` (half.zig), so the same bits.
                    if (hp.to_half)
                        half.sliceFromF32(hp.fmt, @as([*]u16, @ptrCast(dst))[0..len], @as([*]const f32, @ptrCast(src))[0..len])
                    else
                        half.sliceToF32(hp.fmt, @as([*]f32, @ptrCast(dst))[0..len], @as([*]const u16, @ptrCast(src))[0..len]);
                    return;
                }
                for (0..len) |i| dst[i] = cast(D, S, src[i]);
            } else if (st[1] == 0) {
                const v = cast(D, S, src[0]);
                for (0..len) |i| dst[i * st[0]] = v;
            } else {
                for (0..len) |i| dst[i * st[0]] = cast(D, S, src[i * st[1]]);
            }
        }
    }.row;
}

/// f32 ⇄ f16/bf16 pairs, which contiguous rows convert with SIMD.
fn halfPair(comptime D: DType, comptime S: DType) ?struct { fmt: half.Format, to_half: bool } {
    if (D == .f32 and S == .f16) return .{ .fmt = .f16, .to_half = false };
    if (D == .f32 and S == .bf16) return .{ .fmt = .bf16, .to_half = false };
    if (D == .f16 and S == .f32) return .{ .fmt = .f16, .to_half = true };
    if (D == .bf16 and S == .f32) return .{ .fmt = .bf16, .to_half = true };
    return null;
}

/// Strided copy `dst = cast(src)` over `layout` (strides[0] = dst, strides[1] = src).
pub fn copy(comptime D: DType, comptime S: DType, layout: Layout(2), dst: [*]Storage(D), dst_off: usize, src: [*]const Storage(S), src_off: usize, threaded: bool) void {
    const args = CopyArgs(D, S){ .layout = layout.coalesce(), .dst = dst, .src = src, .dst_off = dst_off, .src_off = src_off };
    const n = args.layout.numel();
    const Body = struct {
        fn run(a: *const CopyArgs(D, S), begin: usize, end: usize) void {
            a.layout.forRows(.{ a.dst_off, a.src_off }, begin, end, a, copyRow(D, S));
        }
    };
    if (threaded) pool.parallelFor(n, min_chunk_cheap, &args, Body.run) else Body.run(&args, 0, n);
}

/// Copies between the runtime dtypes `dst_dt` and `src_dt` (see `copy`).
pub fn copyDyn(dst_dt: DType, src_dt: DType, layout: Layout(2), dst: [*]u8, dst_off: usize, src: [*]const u8, src_off: usize, threaded: bool) void {
    switch (dst_dt) {
        inline else => |D| switch (src_dt) {
            inline else => |S| copy(D, S, layout, @ptrCast(@alignCast(dst)), dst_off, @ptrCast(@alignCast(src)), src_off, threaded),
        },
    }
}

// ---------------------------------------------------------------------------------------------
// fill / arange

fn FillArgs(comptime T: type) type {
    return struct { y: [*]T, value: T };
}

pub fn fill(comptime D: DType, y: []Storage(D), value: f64) void {
    const T = Storage(D);
    const args = FillArgs(T){ .y = y.ptr, .value = fromF64(D, value) };
    const Body = struct {
        fn run(a: FillArgs(T), begin: usize, end: usize) void {
            @memset(a.y[begin..end], a.value);
        }
    };
    pool.parallelFor(y.len, min_chunk_cheap * 4, args, Body.run);
}

fn ArangeArgs(comptime T: type) type {
    return struct { y: [*]T, start: f64, step: f64 };
}

pub fn arange(comptime D: DType, y: []Storage(D), start: f64, step: f64) void {
    const T = Storage(D);
    const args = ArangeArgs(T){ .y = y.ptr, .start = start, .step = step };
    const Body = struct {
        fn run(a: ArangeArgs(T), begin: usize, end: usize) void {
            for (begin..end) |i| a.y[i] = fromF64(D, a.start + @as(f64, @floatFromInt(i)) * a.step);
        }
    };
    pool.parallelFor(y.len, min_chunk_cheap, args, Body.run);
}

// ---------------------------------------------------------------------------------------------
// tests

const testing = std.testing;

test "casts follow the PyTorch / x86 rules" {
    try testing.expectEqual(@as(i32, 2), cast(.i32, .f32, 2.9));
    try testing.expectEqual(@as(i32, -2), cast(.i32, .f32, -2.9));
    try testing.expectEqual(@as(i32, std.math.minInt(i32)), cast(.i32, .f32, std.math.nan(f32)));
    try testing.expectEqual(@as(i32, std.math.minInt(i32)), cast(.i32, .f32, 3e9));
    try testing.expectEqual(@as(i32, std.math.minInt(i32)), cast(.i32, .f32, -std.math.inf(f32)));
    try testing.expectEqual(@as(i32, std.math.minInt(i32)), cast(.i32, .f32, -2147483648.0));
    try testing.expectEqual(@as(i32, 2147483520), cast(.i32, .f32, 2147483520.0));
    try testing.expectEqual(@as(i32, std.math.minInt(i32)), cast(.i32, .f64, -2147483649.0));
    try testing.expectEqual(@as(i32, -2147483648), cast(.i32, .f64, -2147483648.9));
    try testing.expectEqual(@as(f32, 16777216.0), cast(.f32, .i32, 16777217));
    try testing.expectEqual(@as(f32, 16777220.0), cast(.f32, .i32, 16777219));
    try testing.expectEqual(@as(u8, 255), cast(.u8, .i32, -1));
    try testing.expectEqual(@as(u8, 44), cast(.u8, .i32, 300));
    try testing.expectEqual(@as(u8, 44), cast(.u8, .f32, 300.7));
    try testing.expectEqual(@as(u8, 254), cast(.u8, .f32, -2.5));
    try testing.expectEqual(@as(u8, 0), cast(.u8, .f32, std.math.nan(f32)));
    try testing.expectEqual(@as(f32, 255), cast(.f32, .u8, 255));
    try testing.expectEqual(@as(i32, 200), cast(.i32, .u8, 200));
    try testing.expectEqual(@as(f32, std.math.inf(f32)), cast(.f32, .f64, 1e300));
    try testing.expectEqual(@as(f32, 0.1), cast(.f32, .f64, 0.1));
    try testing.expectEqual(@as(f64, @as(f32, 0.1)), cast(.f64, .f32, 0.1));
    try testing.expectEqual(@as(i64, -3), cast(.i64, .f64, -3.99));
    try testing.expectEqual(@as(i32, -1), cast(.i32, .i64, 0xFFFF_FFFF));
    try testing.expectEqual(@as(u16, 0x3F80), cast(.bf16, .f32, 1.0));
    try testing.expectEqual(@as(f32, 1.0), cast(.f32, .bf16, 0x3F80));
    try testing.expectEqual(@as(u16, 0x3F80), cast(.bf16, .f32, 1.00390625)); // tie → even
    try testing.expectEqual(@as(u16, 0x3F82), cast(.bf16, .f32, 1.01171875)); // tie → even (up)
    try testing.expect(std.math.isNan(cast(.f32, .bf16, cast(.bf16, .f32, std.math.nan(f32)))));
    try testing.expectEqual(@as(f16, 1.0), cast(.f16, .i32, 1));
    try testing.expectEqual(@as(i32, 65504), cast(.i32, .f16, 65504.0));
}

fn layout2(shape: []const usize, ds: []const usize, ss: []const usize) Layout(2) {
    var l: Layout(2) = .{ .ndim = shape.len };
    for (shape, 0..) |n, d| {
        l.shape[d] = n;
        l.strides[0][d] = ds[d];
        l.strides[1][d] = ss[d];
    }
    return l;
}

test "coalesce merges contiguous dims and drops ones" {
    const l = layout2(&.{ 2, 1, 3, 4 }, &.{ 12, 12, 4, 1 }, &.{ 0, 5, 0, 1 }).coalesce();
    try testing.expectEqual(@as(usize, 2), l.ndim);
    try testing.expectEqual(@as(usize, 6), l.shape[0]);
    try testing.expectEqual(@as(usize, 4), l.shape[1]);
    const s = layout2(&.{ 1, 1 }, &.{ 7, 3 }, &.{ 2, 9 }).coalesce();
    try testing.expectEqual(@as(usize, 1), s.ndim);
    try testing.expectEqual(@as(usize, 0), s.strides[0][0]);
}

test "strided transpose copy with cast, and offsets" {
    // src: 3x4 f32 at offset 2; dst: i32 4x3 written as the transpose, at offset 1.
    var src: [14]f32 = undefined;
    for (&src, 0..) |*v, i| v.* = @as(f32, @floatFromInt(i)) - 5.5;
    var dst = [_]i32{-7} ** 14;
    const l = layout2(&.{ 3, 4 }, &.{ 1, 3 }, &.{ 4, 1 });
    copy(.i32, .f32, l, &dst, 1, &src, 2, true);
    try testing.expectEqual(@as(i32, -7), dst[0]);
    try testing.expectEqual(@as(i32, -7), dst[13]);
    for (0..3) |i| for (0..4) |j| {
        try testing.expectEqual(cast(.i32, .f32, src[2 + i * 4 + j]), dst[1 + j * 3 + i]);
    };
}

test "broadcast copy, same-dtype copy and a large threaded cast" {
    var src = [_]u8{ 1, 2, 3 };
    var dst: [6]f64 = undefined;
    copy(.f64, .u8, layout2(&.{ 2, 3 }, &.{ 3, 1 }, &.{ 0, 1 }), &dst, 0, &src, 0, true);
    try testing.expectEqualSlices(f64, &.{ 1, 2, 3, 1, 2, 3 }, &dst);
    var col = [_]f32{ 4, 5 };
    var dst2: [6]f32 = undefined;
    copy(.f32, .f32, layout2(&.{ 2, 3 }, &.{ 3, 1 }, &.{ 1, 0 }), &dst2, 0, &col, 0, true);
    try testing.expectEqualSlices(f32, &.{ 4, 4, 4, 5, 5, 5 }, &dst2);

    const n = 200_003;
    const big_src = try testing.allocator.alloc(i32, n);
    defer testing.allocator.free(big_src);
    const big_dst = try testing.allocator.alloc(f32, n);
    defer testing.allocator.free(big_dst);
    for (big_src, 0..) |*v, i| v.* = @as(i32, @intCast(i)) * 37 - 1000;
    copy(.f32, .i32, layout2(&.{n}, &.{1}, &.{1}), big_dst.ptr, 0, big_src.ptr, 0, true);
    for (big_src, big_dst) |s, d| try testing.expectEqual(@as(f32, @floatFromInt(s)), d);
}

test "fill and arange" {
    var y: [5]i32 = undefined;
    fill(.i32, &y, -2.7);
    try testing.expectEqualSlices(i32, &.{ -2, -2, -2, -2, -2 }, &y);
    var b: [3]u8 = undefined;
    fill(.u8, &b, 257);
    try testing.expectEqualSlices(u8, &.{ 1, 1, 1 }, &b);
    var f: [4]f32 = undefined;
    arange(.f32, &f, 0.5, 0.1);
    for (f, 0..) |v, i| try testing.expectEqual(@as(f32, @floatCast(0.5 + @as(f64, @floatFromInt(i)) * 0.1)), v);
    var g: [4]i32 = undefined;
    arange(.i32, &g, 10, -3);
    try testing.expectEqualSlices(i32, &.{ 10, 7, 4, 1 }, &g);
    var empty: [0]f32 = .{};
    fill(.f32, &empty, 1);
}

test "contiguous f32 ⇄ f16/bf16 copies (SIMD) match the scalar cast bit for bit" {
    const alloc = testing.allocator;
    const n = 100_003; // several threads' worth, and a ragged SIMD tail
    const src = try alloc.alloc(f32, n);
    defer alloc.free(src);
    var prng = std.Random.DefaultPrng.init(42);
    const rng = prng.random();
    // Raw bit patterns: every class (NaN, ±Inf, subnormals, overflow) appears.
    for (src) |*v| v.* = @bitCast(rng.int(u32));
    const h = try alloc.alloc(u16, n);
    defer alloc.free(h);
    const back = try alloc.alloc(f32, n);
    defer alloc.free(back);
    const strided = try alloc.alloc(u16, 2 * n);
    defer alloc.free(strided);
    inline for (.{ DType.f16, DType.bf16 }) |H| {
        copy(H, .f32, layout2(&.{n}, &.{1}, &.{1}), @ptrCast(h.ptr), 0, src.ptr, 0, true);
        // Strided destination: the scalar `cast` path.
        copy(H, .f32, layout2(&.{n}, &.{2}, &.{1}), @ptrCast(strided.ptr), 0, src.ptr, 0, true);
        for (0..n) |i| {
            try testing.expectEqual(strided[2 * i], h[i]);
            try testing.expectEqual(@as(u16, @bitCast(cast(H, .f32, src[i]))), h[i]);
        }
        copy(.f32, H, layout2(&.{n}, &.{1}, &.{1}), back.ptr, 0, @ptrCast(h.ptr), 0, true);
        for (0..n) |i| {
            const want: u32 = @bitCast(cast(.f32, H, @bitCast(h[i])));
            try testing.expectEqual(want, @as(u32, @bitCast(back[i])));
        }
    }
}
