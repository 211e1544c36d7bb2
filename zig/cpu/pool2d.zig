//! 2-D max / average / adaptive-average pooling on contiguous NCHW f32 tensors, forward and
//! backward, with PyTorch's semantics (nn.MaxPool2d, nn.AvgPool2d, nn.AdaptiveAvgPool2d on CPU,
//! NCHW-contiguous path, including its accumulation order, so results match bit for bit).
//!
//! - Max: the window is scanned row-major over its dilated taps inside the input (padding never
//!   wins); an element replaces the running max when `v > max or isnan(v)`, so ties keep the
//!   first index and the last NaN of the window wins. The index is flat `h·W + w` in the plane.
//!   A window with no tap inside the input (only possible with dilation) gives −inf and the
//!   index PyTorch reports (which lies outside the plane; the backward rejects it).
//! - Avg: window `[o·S − P, min(o·S − P + K, in + P))` clipped to the input; divisor =
//!   divisor_override, else the unclipped size (count_include_pad) or the clipped size; the sum is
//!   accumulated row-major in f32 and divided once.
//! - Adaptive avg: window `[floor(o·in/out), ceil((o+1)·in/out))`, `sum / kh / kw`.
//!
//! Forward kernels split the `N·C·OH` output rows over threads. Backward kernels overwrite dx and
//! split over the `N·C` planes: each thread owns whole planes of dx and scatters into them in
//! output order (PyTorch's order), so there are no races and results are deterministic and
//! independent of the thread count. Kernels never allocate. The caller (zig/abi/conv.zig) has
//! validated the geometry (|values| < 2^62, indices inside the plane for the max backward).
const std = @import("std");
const pool = @import("pool.zig");
const Atomic = std.atomic.Value;

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
    count_include_pad: bool = true,
    /// 0 = none.
    divisor_override: i64 = 0,

    pub fn planes(g: Geom) usize {
        return g.n * g.c;
    }
    pub fn xLen(g: Geom) usize {
        return g.n * g.c * g.h * g.w;
    }
    pub fn yLen(g: Geom) usize {
        return g.n * g.c * g.oh * g.ow;
    }
};

/// PyTorch's pooling output size (`pooling_output_shape`), or null when it is < 1. The caller
/// guarantees `in + 2p + d(k − 1) + s` fits comfortably in i64.
pub fn outputSize(in: usize, k: usize, s: usize, p: usize, d: usize, ceil_mode: bool) ?usize {
    const num: i64 = @as(i64, @intCast(in + 2 * p)) - @as(i64, @intCast(d * (k - 1) + 1)) + (if (ceil_mode) @as(i64, @intCast(s - 1)) else 0);
    const si: i64 = @intCast(s);
    var out = @divFloor(num, si) + 1;
    // ceil_mode: the last window must start inside the input or the left padding
    if (ceil_mode and (out - 1) * si >= @as(i64, @intCast(in + p))) out -= 1;
    if (out < 1) return null;
    return @intCast(out);
}

const min_work = 16 * 1024;

inline fn minChunk(per_unit: usize) usize {
    return @max(1, min_work / @max(per_unit, 1));
}

inline fn signed(v: usize) isize {
    return @intCast(v);
}

// ---------------------------------------------------------------------------------------------
// max pooling

fn MaxCtx(comptime with_idx: bool) type {
    return struct { g: Geom, x: []const f32, y: []f32, idx: if (with_idx) []i32 else void };
}

const V8 = @Vector(8, f32);
const I8 = @Vector(8, i32);
const lanes = 8;

/// Lanes `start, start + s, …, start + 7s` of `row` (S = comptime stride, 0 = runtime `s`).
inline fn loadStrided(comptime S: usize, row: []const f32, start: usize, s: usize) V8 {
    if (S == 1) return row[start..][0..8].*;
    if (S == 2) {
        if (start + 16 <= row.len) {
            const v: @Vector(16, f32) = row[start..][0..16].*;
            return @shuffle(f32, v, undefined, [8]i32{ 0, 2, 4, 6, 8, 10, 12, 14 });
        }
    }
    var out: V8 = undefined;
    inline for (0..lanes) |l| out[l] = row[start + l * s];
    return out;
}

/// Outputs `o ∈ [0, out)` whose whole window `[o·s − p, o·s − p + ext)` lies inside `[0, in)`.
fn interior(out: usize, in: usize, s: usize, p: usize, ext: usize) struct { lo: usize, hi: usize } {
    const lo = @min((p + s - 1) / s, out);
    if (in + p < ext) return .{ .lo = lo, .hi = lo };
    const hi = std.math.clamp((in + p - ext) / s + 1, lo, out);
    return .{ .lo = lo, .hi = hi };
}

/// The strides the vector paths specialize for (0 = any other, loaded lane by lane).
inline fn strideClass(s: usize) usize {
    return if (s == 1 or s == 2) s else 0;
}

fn maxRows(comptime with_idx: bool) fn (MaxCtx(with_idx), usize, usize) void {
    return struct {
        /// One output by the general rule (any clipping), PyTorch's scan.
        inline fn one(g: Geom, xs: []const f32, ih0_in: isize, ih1: isize, ow: usize, y: *f32, i: if (with_idx) *i32 else void) void {
            const w: isize = signed(g.w);
            const dh: isize = signed(g.dh);
            const dw: isize = signed(g.dw);
            var ih0 = ih0_in;
            while (ih0 < 0) ih0 += dh;
            var iw0: isize = signed(ow * g.sw) - signed(g.pw);
            const iw1 = @min(iw0 + signed((g.kw - 1) * g.dw + 1), w);
            while (iw0 < 0) iw0 += dw;
            var best: f32 = -std.math.inf(f32);
            // PyTorch's index of the first tap (outside the plane when the window has no tap
            // inside the input; it may then not even fit)
            var best_i: isize = blk: {
                const r = @mulWithOverflow(ih0, w);
                if (r[1] != 0) break :blk -1;
                const t = @addWithOverflow(r[0], iw0);
                break :blk if (t[1] != 0) -1 else t[0];
            };
            var ih = ih0;
            while (ih < ih1) : (ih += dh) {
                const row = xs[@intCast(ih * w)..];
                var iw = iw0;
                while (iw < iw1) : (iw += dw) {
                    const v = row[@intCast(iw)];
                    if (v > best or std.math.isNan(v)) {
                        best = v;
                        best_i = ih * w + iw;
                    }
                }
            }
            y.* = best;
            if (with_idx) i.* = std.math.cast(i32, best_i) orelse -1;
        }

        /// `lanes` consecutive outputs from `ow`, all windows inside the input (same scan per lane).
        inline fn vec(comptime S: usize, g: Geom, xs: []const f32, ih0: usize, ow: usize, ys: []f32, is: if (with_idx) []i32 else void) void {
            const start = ow * g.sw - g.pw;
            var best: V8 = undefined;
            var best_i: I8 = undefined;
            const iota = std.simd.iota(i32, lanes);
            const lane_off: I8 = iota * @as(I8, @splat(@as(i32, @intCast(g.sw))));
            const all_true: @Vector(lanes, bool) = @splat(true);
            var first = true;
            for (0..g.kh) |ki| {
                const ih = ih0 + ki * g.dh;
                const row = xs[ih * g.w ..];
                for (0..g.kw) |kj| {
                    const at = start + kj * g.dw;
                    const v = loadStrided(S, row, at, g.sw);
                    const vi: I8 = if (with_idx) lane_off + @as(I8, @splat(@as(i32, @intCast(ih * g.w + at)))) else undefined;
                    if (first) {
                        // PyTorch starts from −inf with the first tap's index: same as taking it
                        best = v;
                        if (with_idx) best_i = vi;
                        first = false;
                    } else {
                        const take = @select(bool, v != v, all_true, v > best); // v > best or isnan(v)
                        best = @select(f32, take, v, best);
                        if (with_idx) best_i = @select(i32, take, vi, best_i);
                    }
                }
            }
            ys[ow..][0..lanes].* = best;
            if (with_idx) is[ow..][0..lanes].* = best_i;
        }

        fn rowsFor(comptime S: usize, ctx: MaxCtx(with_idx), begin: usize, end: usize) void {
            const g = ctx.g;
            const plane_in = g.h * g.w;
            const ext_h = (g.kh - 1) * g.dh + 1;
            const ext_w = (g.kw - 1) * g.dw + 1;
            const in_w = interior(g.ow, g.w, g.sw, g.pw, ext_w);
            for (begin..end) |u| {
                const plane = u / g.oh;
                const oh = u % g.oh;
                const xs = ctx.x[plane * plane_in ..][0..plane_in];
                const ys = ctx.y[u * g.ow ..][0..g.ow];
                const is = if (with_idx) ctx.idx[u * g.ow ..][0..g.ow] else {};
                const ih0: isize = signed(oh * g.sh) - signed(g.ph);
                const ih1 = @min(ih0 + signed(ext_h), signed(g.h));
                var ow: usize = 0;
                if (ih0 >= 0 and ih0 + signed(ext_h) <= signed(g.h)) {
                    while (ow < in_w.lo) : (ow += 1) one(g, xs, ih0, ih1, ow, &ys[ow], if (with_idx) &is[ow] else {});
                    while (ow + lanes <= in_w.hi) : (ow += lanes) vec(S, g, xs, @intCast(ih0), ow, ys, is);
                    // a last, overlapping vector (lanes recompute identical outputs)
                    if (ow < in_w.hi and in_w.hi - in_w.lo >= lanes) {
                        vec(S, g, xs, @intCast(ih0), in_w.hi - lanes, ys, is);
                        ow = in_w.hi;
                    }
                }
                while (ow < g.ow) : (ow += 1) one(g, xs, ih0, ih1, ow, &ys[ow], if (with_idx) &is[ow] else {});
            }
        }

        fn run(ctx: MaxCtx(with_idx), begin: usize, end: usize) void {
            switch (strideClass(ctx.g.sw)) {
                inline 1, 2, 0 => |S| rowsFor(S, ctx, begin, end),
                else => unreachable,
            }
        }
    }.run;
}

/// x `[N, C, H, W]` → y `[N, C, OH, OW]`, and the flat in-plane argmax into `idx` when given.
pub fn maxForward(g: Geom, x: []const f32, y: []f32, idx: ?[]i32) void {
    std.debug.assert(x.len == g.xLen() and y.len == g.yLen());
    const rows = g.planes() * g.oh;
    const chunk = minChunk(g.ow * g.kh * g.kw);
    if (idx) |is| {
        std.debug.assert(is.len == g.yLen());
        pool.parallelFor(rows, chunk, MaxCtx(true){ .g = g, .x = x, .y = y, .idx = is }, maxRows(true));
    } else {
        pool.parallelFor(rows, chunk, MaxCtx(false){ .g = g, .x = x, .y = y, .idx = {} }, maxRows(false));
    }
}

const BadCtx = struct { idx: []const i32, plane: usize, first_bad: *Atomic(usize) };

fn findBad(ctx: BadCtx, begin: usize, end: usize) void {
    const limit: i64 = @intCast(ctx.plane);
    for (begin..end) |i| {
        const v: i64 = ctx.idx[i];
        if (v < 0 or v >= limit) {
            _ = ctx.first_bad.fetchMin(i, .monotonic);
            return;
        }
    }
}

/// Position of the first index outside `[0, plane)`, or null when all are inside.
pub fn firstBadIndex(idx: []const i32, plane: usize) ?usize {
    var first_bad = Atomic(usize).init(std.math.maxInt(usize));
    pool.parallelFor(idx.len, 64 * 1024, BadCtx{ .idx = idx, .plane = plane, .first_bad = &first_bad }, findBad);
    const v = first_bad.load(.monotonic);
    return if (v == std.math.maxInt(usize)) null else v;
}

const MaxBackCtx = struct { g: Geom, dy: []const f32, idx: []const i32, dx: []f32 };

fn maxBackPlanes(ctx: MaxBackCtx, begin: usize, end: usize) void {
    const g = ctx.g;
    const plane_in = g.h * g.w;
    const plane_out = g.oh * g.ow;
    for (begin..end) |p| {
        const dx = ctx.dx[p * plane_in ..][0..plane_in];
        const dy = ctx.dy[p * plane_out ..][0..plane_out];
        const is = ctx.idx[p * plane_out ..][0..plane_out];
        @memset(dx, 0);
        for (dy, is) |v, i| dx[@intCast(i)] += v;
    }
}

/// dx `[N, C, H, W]` (overwritten) = scatter-add of dy to idx. Every idx must be inside the plane
/// (see `firstBadIndex`).
pub fn maxBackward(g: Geom, dy: []const f32, idx: []const i32, dx: []f32) void {
    std.debug.assert(dx.len == g.xLen() and dy.len == g.yLen() and idx.len == g.yLen());
    pool.parallelFor(g.planes(), minChunk(g.h * g.w + g.oh * g.ow), MaxBackCtx{ .g = g, .dy = dy, .idx = idx, .dx = dx }, maxBackPlanes);
}

// ---------------------------------------------------------------------------------------------
// average pooling (dilation must be 1)

const Window = struct { lo: usize, hi: usize, full: usize };

/// PyTorch's avg-pool window along one axis: clipped `[lo, hi)` and the unclipped length
/// (padding included, cut at `in + p`).
inline fn avgWindow(o: usize, in: usize, k: usize, s: usize, p: usize) Window {
    const start: isize = signed(o * s) - signed(p);
    const end: isize = @min(start + signed(k), signed(in + p));
    return .{
        .lo = @intCast(@max(start, 0)),
        .hi = @intCast(@max(@min(end, signed(in)), 0)),
        .full = @intCast(end - start),
    };
}

inline fn avgDivisor(g: Geom, wh: Window, ww: Window) f32 {
    if (g.divisor_override != 0) return @floatFromInt(g.divisor_override);
    if (g.count_include_pad) return @floatFromInt(wh.full * ww.full);
    return @floatFromInt((wh.hi - wh.lo) * (ww.hi - ww.lo));
}

const AvgCtx = struct { g: Geom, x: []const f32, y: []f32 };

inline fn avgOne(g: Geom, xs: []const f32, wh: Window, ow: usize) f32 {
    const ww = avgWindow(ow, g.w, g.kw, g.sw, g.pw);
    if (wh.lo >= wh.hi or ww.lo >= ww.hi) return 0;
    var sum: f32 = 0;
    for (wh.lo..wh.hi) |ih| {
        for (xs[ih * g.w + ww.lo .. ih * g.w + ww.hi]) |v| sum += v;
    }
    return sum / avgDivisor(g, wh, ww);
}

fn avgRowsFor(comptime S: usize, ctx: AvgCtx, begin: usize, end: usize) void {
    const g = ctx.g;
    const plane_in = g.h * g.w;
    const in_w = interior(g.ow, g.w, g.sw, g.pw, g.kw);
    // inside the input the window is never clipped: divisor = override or KH·KW
    const div: V8 = @splat(if (g.divisor_override != 0) @as(f32, @floatFromInt(g.divisor_override)) else @as(f32, @floatFromInt(g.kh * g.kw)));
    for (begin..end) |u| {
        const plane = u / g.oh;
        const oh = u % g.oh;
        const xs = ctx.x[plane * plane_in ..][0..plane_in];
        const ys = ctx.y[u * g.ow ..][0..g.ow];
        const wh = avgWindow(oh, g.h, g.kh, g.sh, g.ph);
        var ow: usize = 0;
        if (wh.hi - wh.lo == g.kh and wh.full == g.kh) {
            while (ow < in_w.lo) : (ow += 1) ys[ow] = avgOne(g, xs, wh, ow);
            while (ow < in_w.hi and in_w.hi - in_w.lo >= lanes) {
                // a last, overlapping vector when fewer than `lanes` remain (lanes recompute
                // identical outputs)
                if (ow + lanes > in_w.hi) ow = in_w.hi - lanes;
                // same order as the scalar path per lane: 0 + taps row-major, then one division
                const start = ow * g.sw - g.pw;
                var sum: V8 = @splat(0);
                for (wh.lo..wh.hi) |ih| {
                    const row = xs[ih * g.w ..];
                    for (0..g.kw) |kj| sum += loadStrided(S, row, start + kj, g.sw);
                }
                ys[ow..][0..lanes].* = sum / div;
                ow += lanes;
            }
        }
        while (ow < g.ow) : (ow += 1) ys[ow] = avgOne(g, xs, wh, ow);
    }
}

fn avgRows(ctx: AvgCtx, begin: usize, end: usize) void {
    switch (strideClass(ctx.g.sw)) {
        inline 1, 2, 0 => |S| avgRowsFor(S, ctx, begin, end),
        else => unreachable,
    }
}

/// x `[N, C, H, W]` → y `[N, C, OH, OW]`.
pub fn avgForward(g: Geom, x: []const f32, y: []f32) void {
    std.debug.assert(x.len == g.xLen() and y.len == g.yLen() and g.dh == 1 and g.dw == 1);
    pool.parallelFor(g.planes() * g.oh, minChunk(g.ow * g.kh * g.kw), AvgCtx{ .g = g, .x = x, .y = y }, avgRows);
}

const AvgBackCtx = struct { g: Geom, dy: []const f32, dx: []f32 };

fn avgBackPlanes(ctx: AvgBackCtx, begin: usize, end: usize) void {
    const g = ctx.g;
    const plane_in = g.h * g.w;
    const plane_out = g.oh * g.ow;
    const in_w = interior(g.ow, g.w, g.sw, g.pw, g.kw);
    const div: f32 = if (g.divisor_override != 0) @floatFromInt(g.divisor_override) else @floatFromInt(g.kh * g.kw);
    for (begin..end) |p| {
        const dx = ctx.dx[p * plane_in ..][0..plane_in];
        const dy = ctx.dy[p * plane_out ..][0..plane_out];
        @memset(dx, 0);
        for (0..g.oh) |oh| {
            const wh = avgWindow(oh, g.h, g.kh, g.sh, g.ph);
            const dyr = dy[oh * g.ow ..][0..g.ow];
            // PyTorch's order: outputs row-major, each adding dy / divisor over its window
            var ow: usize = 0;
            const fast = wh.hi - wh.lo == g.kh and wh.full == g.kh;
            const stop = if (fast) in_w.lo else g.ow;
            while (ow < g.ow) {
                while (ow < stop) : (ow += 1) {
                    const ww = avgWindow(ow, g.w, g.kw, g.sw, g.pw);
                    if (wh.lo >= wh.hi or ww.lo >= ww.hi) continue;
                    const delta = dyr[ow] / avgDivisor(g, wh, ww);
                    for (wh.lo..wh.hi) |ih| {
                        for (dx[ih * g.w + ww.lo .. ih * g.w + ww.hi]) |*d| d.* += delta;
                    }
                }
                if (ow >= g.ow) break;
                // interior: unclipped windows, constant divisor. With KW = SW = 2 the windows of
                // `lanes` outputs tile 2·lanes contiguous elements of each row, each element
                // touched once per output row: a vector add keeps PyTorch's order exactly.
                if (g.kw == 2 and g.sw == 2) {
                    const vdiv: V8 = @splat(div);
                    while (ow + lanes <= in_w.hi) : (ow += lanes) {
                        const d: V8 = @as(V8, dyr[ow..][0..lanes].*) / vdiv;
                        const d2 = @shuffle(f32, d, undefined, [16]i32{ 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7 });
                        const iw0 = ow * 2 - g.pw;
                        for (wh.lo..wh.hi) |ih| {
                            const seg = dx[ih * g.w + iw0 ..][0..16];
                            seg.* = @as(@Vector(16, f32), seg.*) + d2;
                        }
                    }
                }
                while (ow < in_w.hi) : (ow += 1) {
                    const delta = dyr[ow] / div;
                    const iw0 = ow * g.sw - g.pw;
                    for (wh.lo..wh.hi) |ih| {
                        for (dx[ih * g.w + iw0 ..][0..g.kw]) |*d| d.* += delta;
                    }
                }
                // the right border
                while (ow < g.ow) : (ow += 1) {
                    const ww = avgWindow(ow, g.w, g.kw, g.sw, g.pw);
                    if (wh.lo >= wh.hi or ww.lo >= ww.hi) continue;
                    const delta = dyr[ow] / avgDivisor(g, wh, ww);
                    for (wh.lo..wh.hi) |ih| {
                        for (dx[ih * g.w + ww.lo .. ih * g.w + ww.hi]) |*d| d.* += delta;
                    }
                }
            }
        }
    }
}

/// dx `[N, C, H, W]` (overwritten): each dy spread as dy / divisor over its window.
pub fn avgBackward(g: Geom, dy: []const f32, dx: []f32) void {
    std.debug.assert(dx.len == g.xLen() and dy.len == g.yLen() and g.dh == 1 and g.dw == 1);
    pool.parallelFor(g.planes(), minChunk(g.h * g.w + g.oh * g.ow * g.kh * g.kw), AvgBackCtx{ .g = g, .dy = dy, .dx = dx }, avgBackPlanes);
}

// ---------------------------------------------------------------------------------------------
// adaptive average pooling

pub const Adaptive = struct {
    planes: usize,
    h: usize,
    w: usize,
    oh: usize,
    ow: usize,
};

inline fn adaptiveStart(o: usize, out: usize, in: usize) usize {
    return (o * in) / out;
}

inline fn adaptiveEnd(o: usize, out: usize, in: usize) usize {
    return ((o + 1) * in + out - 1) / out;
}

const AdaptiveCtx = struct { a: Adaptive, x: []const f32, y: []f32 };

fn adaptiveRows(ctx: AdaptiveCtx, begin: usize, end: usize) void {
    const a = ctx.a;
    const plane_in = a.h * a.w;
    for (begin..end) |u| {
        const plane = u / a.oh;
        const oh = u % a.oh;
        const xs = ctx.x[plane * plane_in ..][0..plane_in];
        const ys = ctx.y[u * a.ow ..][0..a.ow];
        const ih0 = adaptiveStart(oh, a.oh, a.h);
        const ih1 = adaptiveEnd(oh, a.oh, a.h);
        const kh: f32 = @floatFromInt(ih1 - ih0);
        for (ys, 0..) |*out, ow| {
            const iw0 = adaptiveStart(ow, a.ow, a.w);
            const iw1 = adaptiveEnd(ow, a.ow, a.w);
            var sum: f32 = 0;
            for (ih0..ih1) |ih| {
                for (xs[ih * a.w + iw0 .. ih * a.w + iw1]) |v| sum += v;
            }
            out.* = sum / kh / @as(f32, @floatFromInt(iw1 - iw0));
        }
    }
}

/// x `[planes, H, W]` → y `[planes, OH, OW]`.
pub fn adaptiveForward(a: Adaptive, x: []const f32, y: []f32) void {
    std.debug.assert(x.len == a.planes * a.h * a.w and y.len == a.planes * a.oh * a.ow);
    const kh = a.h / @max(a.oh, 1) + 1;
    const kw = a.w / @max(a.ow, 1) + 1;
    pool.parallelFor(a.planes * a.oh, minChunk(a.ow * kh * kw), AdaptiveCtx{ .a = a, .x = x, .y = y }, adaptiveRows);
}

const AdaptiveBackCtx = struct { a: Adaptive, dy: []const f32, dx: []f32 };

fn adaptiveBackPlanes(ctx: AdaptiveBackCtx, begin: usize, end: usize) void {
    const a = ctx.a;
    const plane_in = a.h * a.w;
    const plane_out = a.oh * a.ow;
    for (begin..end) |p| {
        const dx = ctx.dx[p * plane_in ..][0..plane_in];
        const dy = ctx.dy[p * plane_out ..][0..plane_out];
        @memset(dx, 0);
        for (0..a.oh) |oh| {
            const ih0 = adaptiveStart(oh, a.oh, a.h);
            const ih1 = adaptiveEnd(oh, a.oh, a.h);
            const kh: f32 = @floatFromInt(ih1 - ih0);
            for (0..a.ow) |ow| {
                const iw0 = adaptiveStart(ow, a.ow, a.w);
                const iw1 = adaptiveEnd(ow, a.ow, a.w);
                const delta = dy[oh * a.ow + ow] / kh / @as(f32, @floatFromInt(iw1 - iw0));
                for (ih0..ih1) |ih| {
                    for (dx[ih * a.w + iw0 .. ih * a.w + iw1]) |*d| d.* += delta;
                }
            }
        }
    }
}

/// dy `[planes, OH, OW]` → dx `[planes, H, W]` (overwritten).
pub fn adaptiveBackward(a: Adaptive, dy: []const f32, dx: []f32) void {
    std.debug.assert(dx.len == a.planes * a.h * a.w and dy.len == a.planes * a.oh * a.ow);
    const kh = a.h / @max(a.oh, 1) + 1;
    const kw = a.w / @max(a.ow, 1) + 1;
    pool.parallelFor(a.planes, minChunk(a.h * a.w + a.oh * a.ow * kh * kw), AdaptiveBackCtx{ .a = a, .dy = dy, .dx = dx }, adaptiveBackPlanes);
}

// ---------------------------------------------------------------------------------------------
// tests: scalar references that walk every kernel tap and test bounds per element

const testing = std.testing;

fn refMax(g: Geom, x: []const f32, y: []f32, idx: []i32) void {
    for (0..g.planes()) |p| for (0..g.oh) |oh| for (0..g.ow) |ow| {
        var best: f32 = -std.math.inf(f32);
        var best_i: i64 = -1;
        for (0..g.kh) |ki| for (0..g.kw) |kj| {
            const ih = @as(i64, @intCast(oh * g.sh + ki * g.dh)) - @as(i64, @intCast(g.ph));
            const iw = @as(i64, @intCast(ow * g.sw + kj * g.dw)) - @as(i64, @intCast(g.pw));
            if (ih < 0 or iw < 0 or ih >= g.h or iw >= g.w) continue;
            const flat = ih * @as(i64, @intCast(g.w)) + iw;
            const v = x[p * g.h * g.w + @as(usize, @intCast(flat))];
            // the first tap inside the input is taken whatever its value (−inf keeps its index)
            if (best_i < 0 or v > best or std.math.isNan(v)) {
                best = v;
                best_i = flat;
            }
        };
        y[(p * g.oh + oh) * g.ow + ow] = best;
        idx[(p * g.oh + oh) * g.ow + ow] = @intCast(best_i);
    };
}

fn refAvg(g: Geom, x: []const f32, y: []f32) void {
    for (0..g.planes()) |p| for (0..g.oh) |oh| for (0..g.ow) |ow| {
        var sum: f32 = 0;
        var inside: i64 = 0;
        var padded: i64 = 0;
        for (0..g.kh) |ki| for (0..g.kw) |kj| {
            const ih = @as(i64, @intCast(oh * g.sh + ki)) - @as(i64, @intCast(g.ph));
            const iw = @as(i64, @intCast(ow * g.sw + kj)) - @as(i64, @intCast(g.pw));
            // taps past the right/bottom padding do not count (ceil_mode overhang)
            if (ih >= g.h + g.ph or iw >= g.w + g.pw) continue;
            padded += 1;
            if (ih < 0 or iw < 0 or ih >= g.h or iw >= g.w) continue;
            inside += 1;
            sum += x[p * g.h * g.w + @as(usize, @intCast(ih)) * g.w + @as(usize, @intCast(iw))];
        };
        const div: i64 = if (g.divisor_override != 0) g.divisor_override else if (g.count_include_pad) padded else inside;
        y[(p * g.oh + oh) * g.ow + ow] = if (inside == 0) 0 else sum / @as(f32, @floatFromInt(div));
    };
}

fn fillRandom(rng: std.Random, xs: []f32) void {
    for (xs) |*v| v.* = @round(rng.float(f32) * 8 - 4) / 2; // many ties
}

fn dot(a: []const f32, b: []const f32) f64 {
    var s: f64 = 0;
    for (a, b) |x, y| s += @as(f64, x) * @as(f64, y);
    return s;
}

test "outputSize follows PyTorch" {
    try testing.expectEqual(@as(?usize, 14), outputSize(28, 2, 2, 0, 1, false));
    try testing.expectEqual(@as(?usize, 2), outputSize(5, 2, 2, 0, 1, false));
    try testing.expectEqual(@as(?usize, 3), outputSize(5, 2, 2, 0, 1, true));
    // ceil_mode: a last window starting in the right padding is dropped
    try testing.expectEqual(@as(?usize, 3), outputSize(5, 3, 2, 1, 1, false));
    try testing.expectEqual(@as(?usize, 3), outputSize(5, 3, 2, 1, 1, true));
    try testing.expectEqual(@as(?usize, 3), outputSize(6, 3, 2, 1, 1, false));
    try testing.expectEqual(@as(?usize, 4), outputSize(6, 3, 2, 1, 1, true));
    try testing.expectEqual(@as(?usize, null), outputSize(2, 3, 1, 0, 1, false));
    try testing.expectEqual(@as(?usize, 1), outputSize(1, 1, 1, 0, 1, true));
    try testing.expectEqual(@as(?usize, null), outputSize(3, 2, 1, 0, 3, false));
}

const Case = struct { g: Geom, ceil: bool };

fn forEachCase(comptime avg: bool, context: anytype, comptime body: fn (@TypeOf(context), Geom) anyerror!void) !usize {
    const shapes = [_][4]usize{ .{ 1, 1, 1, 1 }, .{ 2, 3, 7, 5 }, .{ 1, 2, 6, 9 }, .{ 3, 1, 4, 4 }, .{ 1, 1, 12, 3 }, .{ 2, 2, 8, 8 }, .{ 1, 2, 5, 37 }, .{ 2, 1, 9, 20 } };
    const ks = [_][2]usize{ .{ 1, 1 }, .{ 2, 2 }, .{ 3, 3 }, .{ 5, 5 }, .{ 2, 3 } };
    const ss = [_][2]usize{ .{ 1, 1 }, .{ 2, 2 }, .{ 3, 3 }, .{ 1, 2 } };
    const ps = [_][2]usize{ .{ 0, 0 }, .{ 1, 1 }, .{ 2, 2 }, .{ 0, 1 } };
    const ds = if (avg) [_][2]usize{.{ 1, 1 }} else [_][2]usize{ .{ 1, 1 }, .{ 2, 2 }, .{ 1, 2 } };
    const divs = if (avg) [_]i64{ 0, 3 } else [_]i64{0};
    var tested: usize = 0;
    for (shapes) |sh| for (ks) |k| for (ss) |s| for (ps) |p| for (ds) |d| for ([_]bool{ false, true }) |ceil| for ([_]bool{ false, true }) |cip| for (divs) |div| {
        if (!avg and (!cip or div != 0)) continue;
        // PyTorch: padding at most half the kernel
        if (p[0] > k[0] / 2 or p[1] > k[1] / 2) continue;
        const oh = outputSize(sh[2], k[0], s[0], p[0], d[0], ceil) orelse continue;
        const ow = outputSize(sh[3], k[1], s[1], p[1], d[1], ceil) orelse continue;
        const g = Geom{ .n = sh[0], .c = sh[1], .h = sh[2], .w = sh[3], .kh = k[0], .kw = k[1], .sh = s[0], .sw = s[1], .ph = p[0], .pw = p[1], .dh = d[0], .dw = d[1], .oh = oh, .ow = ow, .count_include_pad = cip, .divisor_override = div };
        try body(context, g);
        tested += 1;
    };
    return tested;
}

const Bufs = struct {
    rng: std.Random,
    x: []f32,
    y: []f32,
    ry: []f32,
    idx: []i32,
    ridx: []i32,
    dy: []f32,
    dx: []f32,
};

fn allocBufs(rng: std.Random) !Bufs {
    const a = testing.allocator;
    return .{
        .rng = rng,
        .x = try a.alloc(f32, 4096),
        .y = try a.alloc(f32, 4096),
        .ry = try a.alloc(f32, 4096),
        .idx = try a.alloc(i32, 4096),
        .ridx = try a.alloc(i32, 4096),
        .dy = try a.alloc(f32, 4096),
        .dx = try a.alloc(f32, 4096),
    };
}

fn freeBufs(b: Bufs) void {
    const a = testing.allocator;
    a.free(b.x);
    a.free(b.y);
    a.free(b.ry);
    a.free(b.idx);
    a.free(b.ridx);
    a.free(b.dy);
    a.free(b.dx);
}

fn hasEmptyWindow(g: Geom, idx: []const i32) bool {
    for (idx) |i| if (i < 0 or i >= g.h * g.w) return true;
    return false;
}

fn checkMax(b: Bufs, g: Geom) !void {
    const nx = g.xLen();
    const ny = g.yLen();
    fillRandom(b.rng, b.x[0..nx]);
    if (nx > 3) b.x[nx / 3] = std.math.nan(f32);
    if (nx > 40) {
        // NaNs (several in some windows) and −inf, at random places
        for (0..nx / 20) |_| b.x[b.rng.uintLessThan(usize, nx)] = std.math.nan(f32);
        for (0..nx / 20) |_| b.x[b.rng.uintLessThan(usize, nx)] = -std.math.inf(f32);
    }
    maxForward(g, b.x[0..nx], b.y[0..ny], b.idx[0..ny]);
    refMax(g, b.x[0..nx], b.ry[0..ny], b.ridx[0..ny]);
    // windows with no tap inside the input (dilation): −inf, and PyTorch's out-of-plane index
    for (b.ridx[0..ny], 0..) |ri, i| {
        if (ri < 0) {
            try testing.expectEqual(-std.math.inf(f32), b.y[i]);
            try testing.expect(b.idx[i] >= g.h * g.w);
            b.idx[i] = -1;
        }
    }
    for (b.ry[0..ny], b.y[0..ny]) |r, v| {
        if (std.math.isNan(r)) try testing.expect(std.math.isNan(v)) else try testing.expectEqual(r, v);
    }
    try testing.expectEqualSlices(i32, b.ridx[0..ny], b.idx[0..ny]);
    // without indices: same values
    @memset(b.dx[0..ny], 7);
    maxForward(g, b.x[0..nx], b.dx[0..ny], null);
    for (b.y[0..ny], b.dx[0..ny]) |r, v| {
        if (std.math.isNan(r)) try testing.expect(std.math.isNan(v)) else try testing.expectEqual(r, v);
    }
    if (firstBadIndex(b.idx[0..ny], g.h * g.w)) |_| return;
    // backward: scatter of dy to idx
    fillRandom(b.rng, b.dy[0..ny]);
    @memset(b.dx[0..nx], std.math.nan(f32));
    maxBackward(g, b.dy[0..ny], b.idx[0..ny], b.dx[0..nx]);
    @memset(b.ry[0..nx], 0);
    for (0..ny) |o| {
        const p = o / (g.oh * g.ow);
        b.ry[p * g.h * g.w + @as(usize, @intCast(b.idx[o]))] += b.dy[o];
    }
    try testing.expectEqualSlices(f32, b.ry[0..nx], b.dx[0..nx]);
}

fn checkAvg(b: Bufs, g: Geom) !void {
    const nx = g.xLen();
    const ny = g.yLen();
    fillRandom(b.rng, b.x[0..nx]);
    @memset(b.y[0..ny], std.math.nan(f32));
    avgForward(g, b.x[0..nx], b.y[0..ny]);
    refAvg(g, b.x[0..nx], b.ry[0..ny]);
    try testing.expectEqualSlices(f32, b.ry[0..ny], b.y[0..ny]);
    // adjoint: <avgpool(x), dy> == <x, avgpool_backward(dy)>
    fillRandom(b.rng, b.dy[0..ny]);
    @memset(b.dx[0..nx], std.math.nan(f32));
    avgBackward(g, b.dy[0..ny], b.dx[0..nx]);
    const lhs = dot(b.y[0..ny], b.dy[0..ny]);
    const rhs = dot(b.x[0..nx], b.dx[0..nx]);
    try testing.expectApproxEqAbs(lhs, rhs, 1e-4 * (1 + @abs(lhs)));
}

test "max pooling matches the reference (forward, indices, backward)" {
    var prng = std.Random.DefaultPrng.init(1);
    const b = try allocBufs(prng.random());
    defer freeBufs(b);
    const n = try forEachCase(false, b, checkMax);
    try testing.expect(n > 500);
}

test "avg pooling matches the reference and its backward is the adjoint" {
    var prng = std.Random.DefaultPrng.init(2);
    const b = try allocBufs(prng.random());
    defer freeBufs(b);
    const n = try forEachCase(true, b, checkAvg);
    try testing.expect(n > 500);
}

test "max pooling NaN and tie rules" {
    // one 1×4 window: the last NaN wins; ties keep the first index
    const g = Geom{ .n = 1, .c = 1, .h = 1, .w = 4, .kh = 1, .kw = 4, .sh = 1, .sw = 1, .ph = 0, .pw = 0, .dh = 1, .dw = 1, .oh = 1, .ow = 1 };
    const nan = std.math.nan(f32);
    var x = [_]f32{ nan, 1, nan, 2 };
    var y: [1]f32 = undefined;
    var idx: [1]i32 = undefined;
    maxForward(g, &x, &y, &idx);
    try testing.expect(std.math.isNan(y[0]));
    try testing.expectEqual(@as(i32, 2), idx[0]);
    x = .{ 3, 1, 3, 2 };
    maxForward(g, &x, &y, &idx);
    try testing.expectEqual(@as(i32, 0), idx[0]);
    // the 2×2 stride-2 fast path follows the same rules
    const g2 = Geom{ .n = 1, .c = 1, .h = 2, .w = 4, .kh = 2, .kw = 2, .sh = 2, .sw = 2, .ph = 0, .pw = 0, .dh = 1, .dw = 1, .oh = 1, .ow = 2 };
    var x2 = [_]f32{ nan, 5, 1, 1, 9, nan, 1, 1 };
    var y2: [2]f32 = undefined;
    var idx2: [2]i32 = undefined;
    maxForward(g2, &x2, &y2, &idx2);
    try testing.expect(std.math.isNan(y2[0]));
    try testing.expectEqual(@as(i32, 5), idx2[0]);
    try testing.expectEqual(@as(f32, 1), y2[1]);
    try testing.expectEqual(@as(i32, 2), idx2[1]);
    // a window with no tap inside the input (k=2, p=1, d=3 on H=W=2) gives −inf, index 6
    const g3 = Geom{ .n = 1, .c = 1, .h = 2, .w = 2, .kh = 2, .kw = 2, .sh = 1, .sw = 1, .ph = 1, .pw = 1, .dh = 3, .dw = 3, .oh = 1, .ow = 1 };
    var x3 = [_]f32{ 0, 1, 2, 3 };
    maxForward(g3, &x3, &y, &idx);
    try testing.expectEqual(-std.math.inf(f32), y[0]);
    try testing.expectEqual(@as(i32, 6), idx[0]);
    try testing.expectEqual(@as(?usize, 0), firstBadIndex(&idx, 4));
}

test "adaptive avg pooling matches the reference and its backward is the adjoint" {
    var prng = std.Random.DefaultPrng.init(3);
    const rng = prng.random();
    var x: [2 * 3 * 11 * 7]f32 = undefined;
    var dx: [2 * 3 * 11 * 7]f32 = undefined;
    var y: [2 * 3 * 11 * 9]f32 = undefined;
    var dy: [2 * 3 * 11 * 9]f32 = undefined;
    var ry: [2 * 3 * 11 * 9]f32 = undefined;
    for ([_]usize{ 1, 6 }) |planes| for ([_]usize{ 1, 4, 11 }) |h| for ([_]usize{ 1, 7 }) |w| for ([_]usize{ 1, 2, 3, 5, 11 }) |oh| for ([_]usize{ 1, 3, 4, 9 }) |ow| {
        const a = Adaptive{ .planes = planes, .h = h, .w = w, .oh = oh, .ow = ow };
        const nx = planes * h * w;
        const ny = planes * oh * ow;
        fillRandom(rng, x[0..nx]);
        adaptiveForward(a, x[0..nx], y[0..ny]);
        for (0..planes) |p| for (0..oh) |i| for (0..ow) |j| {
            // floor / ceil through f64
            const h0: usize = @intFromFloat(@floor(@as(f64, @floatFromInt(i * h)) / @as(f64, @floatFromInt(oh))));
            const h1: usize = @intFromFloat(@ceil(@as(f64, @floatFromInt((i + 1) * h)) / @as(f64, @floatFromInt(oh))));
            const w0: usize = @intFromFloat(@floor(@as(f64, @floatFromInt(j * w)) / @as(f64, @floatFromInt(ow))));
            const w1: usize = @intFromFloat(@ceil(@as(f64, @floatFromInt((j + 1) * w)) / @as(f64, @floatFromInt(ow))));
            var sum: f32 = 0;
            for (h0..h1) |r| for (w0..w1) |c| {
                sum += x[(p * h + r) * w + c];
            };
            ry[(p * oh + i) * ow + j] = sum / @as(f32, @floatFromInt(h1 - h0)) / @as(f32, @floatFromInt(w1 - w0));
        };
        try testing.expectEqualSlices(f32, ry[0..ny], y[0..ny]);
        fillRandom(rng, dy[0..ny]);
        @memset(dx[0..nx], std.math.nan(f32));
        adaptiveBackward(a, dy[0..ny], dx[0..nx]);
        const lhs = dot(y[0..ny], dy[0..ny]);
        const rhs = dot(x[0..nx], dx[0..nx]);
        try testing.expectApproxEqAbs(lhs, rhs, 1e-4 * (1 + @abs(lhs)));
    };
}

test "pooling with several threads is identical to one thread" {
    const prev = pool.numThreads();
    defer _ = pool.setNumThreads(prev);
    var prng = std.Random.DefaultPrng.init(9);
    const rng = prng.random();
    const g = Geom{ .n = 4, .c = 5, .h = 16, .w = 12, .kh = 3, .kw = 3, .sh = 2, .sw = 2, .ph = 1, .pw = 1, .dh = 1, .dw = 1, .oh = 8, .ow = 6, .count_include_pad = false };
    const a = testing.allocator;
    const x = try a.alloc(f32, g.xLen());
    defer a.free(x);
    const outs = try a.alloc(f32, 4 * g.yLen());
    defer a.free(outs);
    const dxs = try a.alloc(f32, 4 * g.xLen());
    defer a.free(dxs);
    const idx = try a.alloc(i32, 2 * g.yLen());
    defer a.free(idx);
    const dy = try a.alloc(f32, g.yLen());
    defer a.free(dy);
    fillRandom(rng, x);
    fillRandom(rng, dy);
    const ny = g.yLen();
    const nx = g.xLen();
    for ([_]usize{ 1, 4 }, 0..) |threads, t| {
        _ = pool.setNumThreads(threads);
        maxForward(g, x, outs[(2 * t) * ny ..][0..ny], idx[t * ny ..][0..ny]);
        avgForward(g, x, outs[(2 * t + 1) * ny ..][0..ny]);
        maxBackward(g, dy, idx[t * ny ..][0..ny], dxs[(2 * t) * nx ..][0..nx]);
        avgBackward(g, dy, dxs[(2 * t + 1) * nx ..][0..nx]);
    }
    try testing.expectEqualSlices(f32, outs[0 .. 2 * ny], outs[2 * ny ..]);
    try testing.expectEqualSlices(i32, idx[0..ny], idx[ny..]);
    try testing.expectEqualSlices(f32, dxs[0 .. 2 * nx], dxs[2 * nx ..]);
}
