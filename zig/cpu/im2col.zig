//! im2col / col2im for 2-D convolutions on contiguous NCHW f32 tensors (PyTorch's F.unfold and
//! F.fold layouts).
//!
//! `cols` is contiguous `[N, C·KH·KW, OH·OW]`; row `c·KH·KW + ki·KW + kj` of image `n` holds, at
//! column `oh·OW + ow`, the input element `x[n, c, oh·SH − PH + ki·DH, ow·SW − PW + kj·DW]`, or 0
//! where that position falls in the padding.
//!
//! - im2col: work is split over the `N·C·KH·KW` rows of `cols`; per row, the valid column range
//!   of every kernel offset is computed once (no per-element division or bounds test), so a row
//!   is zero runs plus copies, contiguous (memcpy) when `SW == 1`.
//! - col2im: `x` is overwritten with the sum of every column entry mapping to it. Work is split
//!   over the `N·C·H` rows of `x` (each thread owns the rows it writes: no races); a row gathers
//!   its contributions in the fixed order (ki, kj, ow), so results are deterministic and do not
//!   depend on the thread count. With `SW == 1` each contribution is a contiguous SIMD add.
//!
//! The caller (zig/abi/conv.zig) has validated the geometry: every size fits comfortably in
//! `isize` (|values| < 2^62) and the slices have exactly the sizes the geometry implies.
//! Kernels never allocate.
const std = @import("std");
const pool = @import("pool.zig");

pub const Geom = struct {
    n: usize,
    c: usize,
    h: usize,
    w: usize,
    kh: usize,
    kw: usize,
    sh: usize,
    sw: usize,
    ph: usize,
    pw: usize,
    dh: usize,
    dw: usize,
    oh: usize,
    ow: usize,

    pub fn xLen(g: Geom) usize {
        return g.n * g.c * g.h * g.w;
    }
    pub fn colsLen(g: Geom) usize {
        return g.n * g.c * g.kh * g.kw * g.oh * g.ow;
    }
};

/// Elements of work a thread should get at least before the pool splits further.
const min_work = 32 * 1024;

pub const Range = struct { lo: usize, hi: usize };

/// The outputs `o ∈ [0, out)` whose input position `o·s + off` lies in `[0, in)`, as `[lo, hi)`.
pub inline fn validRange(out: usize, in: usize, s: usize, off: isize) Range {
    const o: isize = @intCast(out);
    const n: isize = @intCast(in);
    if (s == 1) {
        const lo = std.math.clamp(-off, 0, o);
        const hi = std.math.clamp(n - off, lo, o);
        return .{ .lo = @intCast(lo), .hi = @intCast(hi) };
    }
    const si: isize = @intCast(s);
    // o·s + off ≥ 0  ⇔  o ≥ ceil(−off / s)
    const lo_raw: isize = if (off >= 0) 0 else @divFloor(-off + si - 1, si);
    // o·s + off ≤ in − 1  ⇔  o ≤ floor((in − 1 − off) / s)
    const last = n - 1 - off;
    const hi_raw: isize = if (last < 0) 0 else @divFloor(last, si) + 1;
    const lo = @min(lo_raw, o);
    const hi = std.math.clamp(hi_raw, lo, o);
    return .{ .lo = @intCast(lo), .hi = @intCast(hi) };
}

const V = @Vector(8, f32);

inline fn addInto(dst: []f32, src: []const f32) void {
    var i: usize = 0;
    while (i + 32 <= dst.len) : (i += 32) {
        inline for (0..4) |u| {
            const a: V = dst[i + 8 * u ..][0..8].*;
            const b: V = src[i + 8 * u ..][0..8].*;
            dst[i + 8 * u ..][0..8].* = a + b;
        }
    }
    while (i + 8 <= dst.len) : (i += 8) {
        const a: V = dst[i..][0..8].*;
        const b: V = src[i..][0..8].*;
        dst[i..][0..8].* = a + b;
    }
    while (i < dst.len) : (i += 1) dst[i] += src[i];
}

/// Plain copy of a short run (32-byte vectors; no memcpy call per run). `T` is f32 or the raw
/// 16 bits of a half element: im2col only moves data.
inline fn copyInto(comptime T: type, dst: []T, src: []const T) void {
    const w = 32 / @sizeOf(T);
    var i: usize = 0;
    while (i + 4 * w <= dst.len) : (i += 4 * w) {
        inline for (0..4) |u| dst[i + w * u ..][0..w].* = src[i + w * u ..][0..w].*;
    }
    while (i + w <= dst.len) : (i += w) dst[i..][0..w].* = src[i..][0..w].*;
    while (i < dst.len) : (i += 1) dst[i] = src[i];
}

fn Im2colCtx(comptime T: type) type {
    return struct { g: Geom, x: []const T, cols: []T };
}

fn im2colRows(comptime T: type, ctx: Im2colCtx(T), begin: usize, end: usize) void {
    const g = ctx.g;
    const kk = g.kh * g.kw;
    const plane_in = g.h * g.w;
    const plane_out = g.oh * g.ow;
    for (begin..end) |r| {
        const plane = r / kk;
        const k = r % kk;
        const ki = k / g.kw;
        const kj = k % g.kw;
        const src = ctx.x[plane * plane_in ..][0..plane_in];
        const dst = ctx.cols[r * plane_out ..][0..plane_out];
        const off_h: isize = @as(isize, @intCast(ki * g.dh)) - @as(isize, @intCast(g.ph));
        const off_w: isize = @as(isize, @intCast(kj * g.dw)) - @as(isize, @intCast(g.pw));
        const rh = validRange(g.oh, g.h, g.sh, off_h);
        const rw = validRange(g.ow, g.w, g.sw, off_w);
        @memset(dst[0 .. rh.lo * g.ow], 0);
        @memset(dst[rh.hi * g.ow ..], 0);
        for (rh.lo..rh.hi) |oh| {
            const ih: usize = @intCast(@as(isize, @intCast(oh * g.sh)) + off_h);
            const out = dst[oh * g.ow ..][0..g.ow];
            const row = src[ih * g.w ..][0..g.w];
            for (out[0..rw.lo]) |*o| o.* = 0; // short runs: plain loops, no memset calls
            for (out[rw.hi..]) |*o| o.* = 0;
            if (rw.lo == rw.hi) continue;
            const iw0: usize = @intCast(@as(isize, @intCast(rw.lo * g.sw)) + off_w);
            if (g.sw == 1) {
                copyInto(T, out[rw.lo..rw.hi], row[iw0..][0 .. rw.hi - rw.lo]);
            } else {
                var iw = iw0;
                for (out[rw.lo..rw.hi]) |*o| {
                    o.* = row[iw];
                    iw += g.sw;
                }
            }
        }
    }
}

/// x contiguous `[N, C, H, W]` (exactly `g.xLen()` elements) → cols (exactly `g.colsLen()`).
/// `T`: f32, or u16 for f16/bf16 (padding is zero bits, i.e. +0 in every float format).
pub fn im2col(comptime T: type, g: Geom, x: []const T, cols: []T) void {
    std.debug.assert(x.len == g.xLen() and cols.len == g.colsLen());
    const rows = g.n * g.c * g.kh * g.kw;
    const per_row = @max(g.oh * g.ow, 1);
    const Body = struct {
        fn run(ctx: Im2colCtx(T), begin: usize, end: usize) void {
            im2colRows(T, ctx, begin, end);
        }
    };
    pool.parallelFor(rows, @max(1, min_work / per_row), Im2colCtx(T){ .g = g, .x = x, .cols = cols }, Body.run);
}

/// As `im2col`, on the calling thread alone: for callers that already split the work over images.
pub fn im2colSerial(comptime T: type, g: Geom, x: []const T, cols: []T) void {
    std.debug.assert(x.len == g.xLen() and cols.len == g.colsLen());
    im2colRows(T, .{ .g = g, .x = x, .cols = cols }, 0, g.n * g.c * g.kh * g.kw);
}

const Col2imCtx = struct { g: Geom, cols: []const f32, x: []f32 };

fn col2imRows(ctx: Col2imCtx, begin: usize, end: usize) void {
    const g = ctx.g;
    const kk = g.kh * g.kw;
    const plane_out = g.oh * g.ow;
    const sh: isize = @intCast(g.sh);
    for (begin..end) |u| {
        const plane = u / g.h;
        const ih = u % g.h;
        const xrow = ctx.x[u * g.w ..][0..g.w];
        @memset(xrow, 0);
        const cols_plane = ctx.cols[plane * kk * plane_out ..][0 .. kk * plane_out];
        for (0..g.kh) |ki| {
            // ih = oh·SH − PH + ki·DH  ⇔  oh·SH = ih + PH − ki·DH
            const t: isize = @as(isize, @intCast(ih + g.ph)) - @as(isize, @intCast(ki * g.dh));
            if (t < 0) break; // t only decreases with ki
            var oh: usize = undefined;
            if (g.sh == 1) {
                oh = @intCast(t);
            } else {
                if (@rem(t, sh) != 0) continue;
                oh = @intCast(@divExact(t, sh));
            }
            if (oh >= g.oh) continue;
            for (0..g.kw) |kj| {
                const off_w: isize = @as(isize, @intCast(kj * g.dw)) - @as(isize, @intCast(g.pw));
                const rw = validRange(g.ow, g.w, g.sw, off_w);
                if (rw.lo == rw.hi) continue;
                const src = cols_plane[(ki * g.kw + kj) * plane_out + oh * g.ow ..][0..g.ow];
                const iw0: usize = @intCast(@as(isize, @intCast(rw.lo * g.sw)) + off_w);
                if (g.sw == 1) {
                    addInto(xrow[iw0..][0 .. rw.hi - rw.lo], src[rw.lo..rw.hi]);
                } else {
                    var iw = iw0;
                    for (src[rw.lo..rw.hi]) |v| {
                        xrow[iw] += v;
                        iw += g.sw;
                    }
                }
            }
        }
    }
}

/// cols (exactly `g.colsLen()`) → x contiguous `[N, C, H, W]`, overwritten with the sums.
pub fn col2im(g: Geom, cols: []const f32, x: []f32) void {
    std.debug.assert(x.len == g.xLen() and cols.len == g.colsLen());
    const rows = g.n * g.c * g.h;
    const per_row = @max(g.kh * g.kw * g.ow / @max(g.sh, 1), g.w, 1);
    pool.parallelFor(rows, @max(1, min_work / per_row), Col2imCtx{ .g = g, .cols = cols, .x = x }, col2imRows);
}

/// As `col2im`, on the calling thread alone.
pub fn col2imSerial(g: Geom, cols: []const f32, x: []f32) void {
    std.debug.assert(x.len == g.xLen() and cols.len == g.colsLen());
    col2imRows(.{ .g = g, .cols = cols, .x = x }, 0, g.n * g.c * g.h);
}

// ---------------------------------------------------------------------------------------------
// tests: a direct scalar reference (one element at a time, bounds tested per element)

const testing = std.testing;

pub fn outSize(in: usize, k: usize, s: usize, p: usize, d: usize) ?usize {
    const eff = d * (k - 1) + 1;
    if (in + 2 * p < eff) return null;
    return (in + 2 * p - eff) / s + 1;
}

fn refIm2col(g: Geom, x: []const f32, cols: []f32) void {
    for (0..g.n) |n| for (0..g.c) |c| for (0..g.kh) |ki| for (0..g.kw) |kj| for (0..g.oh) |oh| for (0..g.ow) |ow| {
        const row = c * g.kh * g.kw + ki * g.kw + kj;
        const ih = @as(i64, @intCast(oh * g.sh + ki * g.dh)) - @as(i64, @intCast(g.ph));
        const iw = @as(i64, @intCast(ow * g.sw + kj * g.dw)) - @as(i64, @intCast(g.pw));
        const v: f32 = if (ih < 0 or iw < 0 or ih >= g.h or iw >= g.w)
            0
        else
            x[((n * g.c + c) * g.h + @as(usize, @intCast(ih))) * g.w + @as(usize, @intCast(iw))];
        cols[((n * g.c * g.kh * g.kw) + row) * g.oh * g.ow + oh * g.ow + ow] = v;
    };
}

fn fillRandom(rng: std.Random, xs: []f32) void {
    for (xs) |*v| v.* = rng.float(f32) * 2 - 1;
}

fn dot(a: []const f32, b: []const f32) f64 {
    var s: f64 = 0;
    for (a, b) |x, y| s += @as(f64, x) * @as(f64, y);
    return s;
}

test "im2col matches the reference and col2im is its adjoint" {
    var prng = std.Random.DefaultPrng.init(42);
    const rng = prng.random();
    const shapes = [_][4]usize{ .{ 1, 1, 1, 1 }, .{ 2, 3, 7, 5 }, .{ 1, 2, 6, 9 }, .{ 3, 1, 4, 4 }, .{ 1, 1, 12, 3 } };
    const ks = [_][2]usize{ .{ 1, 1 }, .{ 2, 2 }, .{ 3, 3 }, .{ 5, 5 }, .{ 2, 3 } };
    const ss = [_][2]usize{ .{ 1, 1 }, .{ 2, 2 }, .{ 3, 3 }, .{ 1, 2 } };
    const ps = [_][2]usize{ .{ 0, 0 }, .{ 1, 1 }, .{ 2, 2 }, .{ 0, 1 } };
    const ds = [_][2]usize{ .{ 1, 1 }, .{ 2, 2 }, .{ 1, 2 } };
    var x: [3 * 3 * 12 * 12]f32 = undefined;
    var xb: [3 * 3 * 12 * 12]f32 = undefined;
    var cols: [20000]f32 = undefined;
    var ref: [20000]f32 = undefined;
    var y: [20000]f32 = undefined;
    var tested: usize = 0;
    for (shapes) |sh| for (ks) |k| for (ss) |s| for (ps) |p| for (ds) |d| {
        const oh = outSize(sh[2], k[0], s[0], p[0], d[0]) orelse continue;
        const ow = outSize(sh[3], k[1], s[1], p[1], d[1]) orelse continue;
        const g = Geom{ .n = sh[0], .c = sh[1], .h = sh[2], .w = sh[3], .kh = k[0], .kw = k[1], .sh = s[0], .sw = s[1], .ph = p[0], .pw = p[1], .dh = d[0], .dw = d[1], .oh = oh, .ow = ow };
        const nx = g.xLen();
        const nc = g.colsLen();
        if (nc > cols.len) continue;
        fillRandom(rng, x[0..nx]);
        @memset(cols[0..nc], std.math.nan(f32));
        im2col(f32, g, x[0..nx], cols[0..nc]);
        refIm2col(g, x[0..nx], ref[0..nc]);
        try testing.expectEqualSlices(f32, ref[0..nc], cols[0..nc]);
        // adjoint: <im2col(x), y> == <x, col2im(y)>
        fillRandom(rng, y[0..nc]);
        @memset(xb[0..nx], std.math.nan(f32));
        col2im(g, y[0..nc], xb[0..nx]);
        const lhs = dot(cols[0..nc], y[0..nc]);
        const rhs = dot(x[0..nx], xb[0..nx]);
        try testing.expectApproxEqAbs(lhs, rhs, 1e-4 * (1 + @abs(lhs)));
        tested += 1;
    };
    try testing.expect(tested > 300);
}

test "col2im sums overlapping windows exactly" {
    // 1×1×3×3 input, 2×2 kernel, stride 1: the center receives 4 contributions.
    const g = Geom{ .n = 1, .c = 1, .h = 3, .w = 3, .kh = 2, .kw = 2, .sh = 1, .sw = 1, .ph = 0, .pw = 0, .dh = 1, .dw = 1, .oh = 2, .ow = 2 };
    var cols = [_]f32{1} ** 16;
    var x: [9]f32 = undefined;
    col2im(g, &cols, &x);
    try testing.expectEqual([9]f32{ 1, 2, 1, 2, 4, 2, 1, 2, 1 }, x);
}

test "im2col and col2im with several threads" {
    const prev = pool.numThreads();
    _ = pool.setNumThreads(4);
    defer _ = pool.setNumThreads(prev);
    var prng = std.Random.DefaultPrng.init(7);
    const rng = prng.random();
    const g = Geom{ .n = 4, .c = 3, .h = 20, .w = 17, .kh = 3, .kw = 3, .sh = 1, .sw = 1, .ph = 1, .pw = 1, .dh = 1, .dw = 1, .oh = 20, .ow = 17 };
    const nx = g.xLen();
    const nc = g.colsLen();
    const x = try testing.allocator.alloc(f32, nx);
    defer testing.allocator.free(x);
    const cols = try testing.allocator.alloc(f32, nc);
    defer testing.allocator.free(cols);
    const ref = try testing.allocator.alloc(f32, nc);
    defer testing.allocator.free(ref);
    const xb = try testing.allocator.alloc(f32, nx);
    defer testing.allocator.free(xb);
    fillRandom(rng, x);
    im2col(f32, g, x, cols);
    refIm2col(g, x, ref);
    try testing.expectEqualSlices(f32, ref, cols);
    fillRandom(rng, ref);
    col2im(g, ref, xb);
    const lhs = dot(cols, ref);
    const rhs = dot(x, xb);
    try testing.expectApproxEqAbs(lhs, rhs, 1e-4 * (1 + @abs(lhs)));
}

test "im2col on 16-bit elements moves the same data as on f32" {
    var prng = std.Random.DefaultPrng.init(9);
    const rng = prng.random();
    const g = Geom{ .n = 2, .c = 3, .h = 9, .w = 11, .kh = 3, .kw = 2, .sh = 2, .sw = 1, .ph = 1, .pw = 1, .dh = 1, .dw = 2, .oh = 5, .ow = 10 };
    var h: [2 * 3 * 9 * 11]u16 = undefined;
    var f: [h.len]f32 = undefined;
    for (&h, &f) |*hv, *fv| {
        hv.* = rng.int(u16);
        fv.* = @bitCast(@as(u32, hv.*) << 16); // bf16 widening: exact, any pattern
    }
    var ch: [2 * 3 * 3 * 2 * 5 * 10]u16 = undefined;
    var cf: [ch.len]f32 = undefined;
    im2col(u16, g, &h, &ch);
    im2col(f32, g, &f, &cf);
    for (ch, cf) |a, b| try testing.expectEqual(@as(u32, a) << 16, @as(u32, @bitCast(b)));
}
