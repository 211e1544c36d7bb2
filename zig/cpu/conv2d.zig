//! 2-d convolution in f32 (groups = 1), one image at a time: im2col of the image into a
//! thread-local column buffer, then one GEMM with the weights — PyTorch's slow_conv2d scheme.
//!
//! Why per image: the columns of a whole batch are large (64 images of a 32→64-channel 3×3 layer
//! on 14×14: 14 MB), so building them for the batch means allocating, zeroing and streaming that
//! much through DRAM twice per pass; one image's columns (225 kB there) stay in L2 between the
//! im2col that writes them and the GEMM that reads them, and the buffer is reused.
//!
//! Work split: with several images and threads, the images are cut into one contiguous range per
//! thread (pool.parallelFor's static split) and each range runs serial kernels; otherwise images
//! run one after another on multi-threaded kernels. The weight gradient sums over images: every
//! range accumulates its own partial sum and the partials are added in range order, so results
//! are deterministic for a fixed thread count.
//!
//! The caller (zig/abi/conv.zig) has validated every size and buffer.
const std = @import("std");
const pool = @import("pool.zig");
const gemm = @import("gemm.zig");
const im2col = @import("im2col.zig");
const Scratch = @import("scratch.zig").Scratch;
const status = @import("../status.zig");
const Error = status.Error;

const Columns = Scratch(f32, "convolution column buffer");
const Partials = Scratch(f32, "convolution weight-gradient partial sums");
const TransposedWeight = Scratch(f32, "transposed convolution weight");

/// Shapes of one convolution: `g` is the im2col geometry of the whole batch (g.n images).
pub const Conv = struct {
    g: im2col.Geom,
    oc: usize,

    /// Rows of the columns: C·KH·KW.
    pub fn k(s: Conv) usize {
        return s.g.c * s.g.kh * s.g.kw;
    }
    /// Output positions per image: OH·OW.
    pub fn l(s: Conv) usize {
        return s.g.oh * s.g.ow;
    }
    fn image(s: Conv) im2col.Geom {
        var one = s.g;
        one.n = 1;
        return one;
    }
    fn xImage(s: Conv) usize {
        return s.g.c * s.g.h * s.g.w;
    }
    fn yImage(s: Conv) usize {
        return s.oc * s.l();
    }
};

/// Images are split over threads only when each thread gets at least this many multiply-adds.
const min_work_per_range: u64 = 1 << 19;

/// How many contiguous ranges the images are cut into (1: serial over images, parallel kernels).
fn rangeCount(s: Conv) usize {
    const threads = pool.numThreads();
    if (threads <= 1 or s.g.n < 2) return 1;
    const per_image = std.math.mulWide(u64, s.yImage(), s.k());
    const by_work: usize = @intCast(@max(1, @min(s.g.n, (per_image * s.g.n) / min_work_per_range)));
    return @min(threads, s.g.n, by_work);
}

fn rangeBegin(n: usize, parts: usize, index: usize) usize {
    return @intCast((@as(u128, n) * index) / parts);
}

/// Runs `body(ctx, first_image, end_image, threads_for_kernels, part_index)` over `parts` ranges.
fn forRanges(s: Conv, parts: usize, ctx: anytype, comptime body: fn (@TypeOf(ctx), usize, usize, usize, usize) Error!void) Error!void {
    if (parts == 1) return body(ctx, 0, s.g.n, pool.numThreads(), 0);
    const Ctx = struct { inner: @TypeOf(ctx), n: usize, parts: usize, failed: *std.atomic.Value(bool) };
    var failed = std.atomic.Value(bool).init(false);
    pool.parallelFor(parts, 1, Ctx{ .inner = ctx, .n = s.g.n, .parts = parts, .failed = &failed }, struct {
        fn run(c: Ctx, begin: usize, end: usize) void {
            for (begin..end) |part| {
                body(c.inner, rangeBegin(c.n, c.parts, part), rangeBegin(c.n, c.parts, part + 1), 1, part) catch {
                    c.failed.store(true, .release);
                    return;
                };
            }
        }
    }.run);
    if (failed.load(.acquire)) return status.err(error.OutOfMemory, "conv2d: cannot allocate a column buffer", .{});
}

/// Column buffers carry this many spare elements past the columns, for whole-vector stores.
const slack = 16;
const Lanes = @Vector(slack, f32);
const Padded = Scratch(f32, "zero-padded convolution input");

/// Image `i`'s columns into `cols` (at least `k·l + slack` elements).
fn buildColumns(s: Conv, x: []const f32, i: usize, cols: []f32, threads: usize) Error!void {
    const xi = x[i * s.xImage() ..][0..s.xImage()];
    const exact = cols[0 .. s.k() * s.l()];
    if (threads != 1) return im2col.im2col(f32, s.image(), xi, exact);
    if (s.g.sw != 1) return im2col.im2colSerial(f32, s.image(), xi, exact);
    try columnsFromPadded(s, xi, cols);
}

/// A zeroed, padded copy of one image `[C, H + 2·PH, W + 2·PW]` (plus `slack`), the buffer of the
/// stride-1-in-width paths: in it, every output row of every kernel offset is one contiguous run.
const PaddedImage = struct {
    buf: []f32,
    plane: usize,
    row_len: usize,

    fn zeroed(g: im2col.Geom) Error!PaddedImage {
        const row_len = g.w + 2 * g.pw;
        const plane = (g.h + 2 * g.ph) * row_len;
        const buf = try Padded.get(g.c * plane + slack);
        @memset(buf, 0);
        return .{ .buf = buf, .plane = plane, .row_len = row_len };
    }

    /// Offset of the interior row `r` of channel `c`.
    fn interior(p: PaddedImage, g: im2col.Geom, c: usize, r: usize) usize {
        return c * p.plane + (r + g.ph) * p.row_len + g.pw;
    }

    /// Calls `run(ctx, padded_offset, cols_offset)` for every run, in the columns' row order
    /// (c, ki, kj) and then output row oh: the run of `g.ow` elements.
    fn forEachRun(p: PaddedImage, g: im2col.Geom, ctx: anytype, comptime run: fn (@TypeOf(ctx), usize, usize) void) void {
        const l = g.oh * g.ow;
        var row: usize = 0;
        for (0..g.c) |c| for (0..g.kh) |ki| for (0..g.kw) |kj| {
            for (0..g.oh) |oh| run(ctx, c * p.plane + (oh * g.sh + ki * g.dh) * p.row_len + kj * g.dw, row * l + oh * g.ow);
            row += 1;
        };
    }
};

/// Stride-1-in-width im2col: each run is copied in whole 16-lane vectors, the last one spilling
/// into the next run (written next) or into the slack. Through the general im2col, these rows of
/// 14 elements were a quarter of the CNN example's convolution time.
fn columnsFromPadded(s: Conv, xi: []const f32, cols: []f32) Error!void {
    const g = s.g;
    std.debug.assert(cols.len >= s.k() * s.l() + slack);
    const p = try PaddedImage.zeroed(g);
    for (0..g.c) |c| for (0..g.h) |r| {
        @memcpy(p.buf[p.interior(g, c, r)..][0..g.w], xi[(c * g.h + r) * g.w ..][0..g.w]);
    };
    const Ctx = struct { src: []const f32, dst: []f32, n: usize };
    p.forEachRun(g, Ctx{ .src = p.buf, .dst = cols, .n = g.ow }, struct {
        fn run(c: Ctx, from: usize, to: usize) void {
            var j: usize = 0;
            while (j < c.n) : (j += slack) {
                const v: Lanes = c.src[from + j ..][0..slack].*;
                c.dst[to + j ..][0..slack].* = v;
            }
        }
    }.run);
}

/// y `[N, OC, OH·OW]` = w `[OC, C·KH·KW]` · columns of each image (+ bias `[OC]`, added first and
/// accumulated onto, as addmm does).
pub fn forward(s: Conv, x: []const f32, w: []const f32, bias: ?[]const f32, y: []f32) Error!void {
    const Ctx = struct { s: Conv, x: []const f32, w: []const f32, bias: ?[]const f32, y: []f32 };
    try forRanges(s, rangeCount(s), Ctx{ .s = s, .x = x, .w = w, .bias = bias, .y = y }, struct {
        fn run(c: Ctx, first: usize, end: usize, threads: usize, _: usize) Error!void {
            const cv = c.s;
            const kk = cv.k();
            const l = cv.l();
            const cols = try Columns.get(kk * l + slack);
            for (first..end) |i| {
                try buildColumns(cv, c.x, i, cols, threads);
                const yi = c.y[i * cv.yImage() ..][0..cv.yImage()];
                if (c.bias) |b| {
                    for (0..cv.oc) |o| @memset(yi[o * l ..][0..l], b[o]);
                }
                try gemm.gemmOne(&.{
                    .trans_a = false,
                    .trans_b = false,
                    .m = cv.oc,
                    .n = l,
                    .k = kk,
                    .alpha = 1,
                    .a = c.w.ptr,
                    .lda = kk,
                    .b = cols.ptr,
                    .ldb = l,
                    .beta = if (c.bias == null) 0 else 1,
                    .c = yi.ptr,
                    .ldc = l,
                }, threads);
            }
        }
    }.run);
}

/// col2im of one image's column gradients `cols` (at least `k·l + slack` elements) into `dxi`.
fn sumColumns(s: Conv, cols: []const f32, dxi: []f32, threads: usize) Error!void {
    const exact = cols[0 .. s.k() * s.l()];
    if (threads != 1) return im2col.col2im(s.image(), exact, dxi);
    if (s.g.sw != 1) return im2col.col2imSerial(s.image(), exact, dxi);
    try sumIntoPadded(s, cols, dxi);
}

/// Stride-1-in-width col2im, the mirror of `columnsFromPadded`: each run is added into the padded
/// image in whole vectors whose lanes past the run add zero, then the interior is copied out.
/// Every element sums its contributions in the fixed order (c, ki, kj, oh).
fn sumIntoPadded(s: Conv, cols: []const f32, dxi: []f32) Error!void {
    const g = s.g;
    std.debug.assert(cols.len >= s.k() * s.l() + slack);
    const p = try PaddedImage.zeroed(g);
    const Ctx = struct { src: []const f32, dst: []f32, n: usize };
    p.forEachRun(g, Ctx{ .src = cols, .dst = p.buf, .n = g.ow }, struct {
        fn run(c: Ctx, to: usize, from: usize) void {
            const iota = std.simd.iota(u32, slack);
            var j: usize = 0;
            while (j < c.n) : (j += slack) {
                const live = iota < @as(@Vector(slack, u32), @splat(@intCast(@min(c.n - j, slack))));
                const v: Lanes = c.src[from + j ..][0..slack].*;
                const acc: Lanes = c.dst[to + j ..][0..slack].*;
                c.dst[to + j ..][0..slack].* = acc + @select(f32, live, v, @as(Lanes, @splat(0)));
            }
        }
    }.run);
    for (0..g.c) |c| for (0..g.h) |r| {
        @memcpy(dxi[(c * g.h + r) * g.w ..][0..g.w], p.buf[p.interior(g, c, r)..][0..g.w]);
    };
}

/// dx `[N, C, H, W]` = col2im(wᵀ · dy) of each image (overwritten).
pub fn backwardInput(s: Conv, dy: []const f32, w: []const f32, dx: []f32) Error!void {
    // wᵀ once, so that every image's GEMM reads a plain row-major A (the GEMM's assembly kernels;
    // a transposed A takes the generic path, measured 2× slower here).
    const rows = s.k();
    const wt = try TransposedWeight.get(rows * s.oc);
    for (0..s.oc) |o| for (0..rows) |r| {
        wt[r * s.oc + o] = w[o * rows + r];
    };
    const Ctx = struct { s: Conv, dy: []const f32, w: []const f32, dx: []f32 };
    try forRanges(s, rangeCount(s), Ctx{ .s = s, .dy = dy, .w = wt, .dx = dx }, struct {
        fn run(c: Ctx, first: usize, end: usize, threads: usize, _: usize) Error!void {
            const cv = c.s;
            const kk = cv.k();
            const l = cv.l();
            const cols = try Columns.get(kk * l + slack);
            for (first..end) |i| {
                try gemm.gemmOne(&.{
                    .trans_a = false,
                    .trans_b = false,
                    .m = kk,
                    .n = l,
                    .k = cv.oc,
                    .alpha = 1,
                    .a = c.w.ptr,
                    .lda = cv.oc,
                    .b = c.dy.ptr + i * cv.yImage(),
                    .ldb = l,
                    .beta = 0,
                    .c = cols.ptr,
                    .ldc = l,
                }, threads);
                const dxi = c.dx[i * cv.xImage() ..][0..cv.xImage()];
                try sumColumns(cv, cols, dxi, threads);
            }
        }
    }.run);
}

/// dw `[OC, C·KH·KW]` = Σ over images of dy · columnsᵀ, and db `[OC]` = Σ of dy over images and
/// positions (either may be null: not computed).
pub fn backwardWeight(s: Conv, x: []const f32, dy: []const f32, dw: ?[]f32, db: ?[]f32) Error!void {
    if (dw == null and db == null) return;
    const parts = rangeCount(s); // ≥ 1 even for an empty batch, whose gradients are zeros
    const wlen = s.oc * s.k();
    // One partial dw and db per range (the caller's thread owns this buffer; ranges write apart).
    const stride = wlen + s.oc;
    const partials = try Partials.get(parts * stride);
    const Ctx = struct { s: Conv, x: []const f32, dy: []const f32, partials: []f32, stride: usize, want_dw: bool, want_db: bool };
    const ctx = Ctx{ .s = s, .x = x, .dy = dy, .partials = partials, .stride = stride, .want_dw = dw != null, .want_db = db != null };
    try forRanges(s, parts, ctx, struct {
        fn run(c: Ctx, first: usize, end: usize, threads: usize, part: usize) Error!void {
            const cv = c.s;
            const kk = cv.k();
            const l = cv.l();
            const pw = c.partials[part * c.stride ..][0 .. cv.oc * kk];
            const pb = c.partials[part * c.stride + cv.oc * kk ..][0..cv.oc];
            @memset(pb, 0);
            if (first == end) @memset(pw, 0); // no image: the GEMMs below would never write it
            var cols: []f32 = &.{};
            if (c.want_dw) cols = try Columns.get(kk * l + slack);
            for (first..end) |i| {
                const dyi = c.dy[i * cv.yImage() ..][0..cv.yImage()];
                if (c.want_dw) {
                    try buildColumns(cv, c.x, i, cols, threads);
                    try gemm.gemmOne(&.{
                        .trans_a = false,
                        .trans_b = true,
                        .m = cv.oc,
                        .n = kk,
                        .k = l,
                        .alpha = 1,
                        .a = dyi.ptr,
                        .lda = l,
                        .b = cols.ptr,
                        .ldb = l,
                        .beta = if (i == first) 0 else 1,
                        .c = pw.ptr,
                        .ldc = kk,
                    }, threads);
                }
                if (c.want_db) {
                    for (0..cv.oc) |o| pb[o] += rowSum(dyi[o * l ..][0..l]);
                }
            }
        }
    }.run);
    if (dw) |out| {
        @memcpy(out, partials[0..wlen]);
        for (1..parts) |part| addInto(out, partials[part * stride ..][0..wlen]);
    }
    if (db) |out| {
        @memcpy(out, partials[wlen..][0..s.oc]);
        for (1..parts) |part| addInto(out, partials[part * stride + wlen ..][0..s.oc]);
    }
}

const V = @Vector(gemm.vlen, f32);

/// Sum of a row in vector lanes, then the lanes in order: a fixed order, independent of threads.
fn rowSum(row: []const f32) f32 {
    var acc: V = @splat(0);
    var j: usize = 0;
    while (j + gemm.vlen <= row.len) : (j += gemm.vlen) acc += row[j..][0..gemm.vlen].*;
    var total = @reduce(.Add, acc);
    while (j < row.len) : (j += 1) total += row[j];
    return total;
}

fn addInto(dst: []f32, src: []const f32) void {
    for (dst, src) |*d, v| d.* += v;
}

// ---------------------------------------------------------------------------------------------
// tests: against a direct 7-loop convolution in f64

const testing = std.testing;

fn directForward(s: Conv, x: []const f32, w: []const f32, bias: ?[]const f32, y: []f64) void {
    const g = s.g;
    for (0..g.n) |n| for (0..s.oc) |o| for (0..g.oh) |oh| for (0..g.ow) |ow| {
        var acc: f64 = if (bias) |b| b[o] else 0;
        for (0..g.c) |ci| for (0..g.kh) |ki| for (0..g.kw) |kj| {
            const ih = @as(isize, @intCast(oh * g.sh + ki * g.dh)) - @as(isize, @intCast(g.ph));
            const iw = @as(isize, @intCast(ow * g.sw + kj * g.dw)) - @as(isize, @intCast(g.pw));
            if (ih < 0 or iw < 0 or ih >= g.h or iw >= g.w) continue;
            const xv = x[((n * g.c + ci) * g.h + @as(usize, @intCast(ih))) * g.w + @as(usize, @intCast(iw))];
            acc += @as(f64, xv) * w[((o * g.c + ci) * g.kh + ki) * g.kw + kj];
        };
        y[((n * s.oc + o) * g.oh + oh) * g.ow + ow] = acc;
    };
}

fn testConv(n: usize, c: usize, h: usize, w: usize, oc: usize, k: usize, stride: usize, pad: usize, dil: usize) !void {
    const alloc = testing.allocator;
    const eff = dil * (k - 1) + 1;
    const oh = (h + 2 * pad - eff) / stride + 1;
    const ow = (w + 2 * pad - eff) / stride + 1;
    const s = Conv{ .g = .{ .n = n, .c = c, .h = h, .w = w, .kh = k, .kw = k, .sh = stride, .sw = stride, .ph = pad, .pw = pad, .dh = dil, .dw = dil, .oh = oh, .ow = ow }, .oc = oc };
    var prng = std.Random.DefaultPrng.init(n * 1000 + c * 100 + oc);
    const rng = prng.random();
    const x = try alloc.alloc(f32, n * c * h * w);
    defer alloc.free(x);
    const wt = try alloc.alloc(f32, oc * s.k());
    defer alloc.free(wt);
    const b = try alloc.alloc(f32, oc);
    defer alloc.free(b);
    const dy = try alloc.alloc(f32, n * oc * s.l());
    defer alloc.free(dy);
    for ([_][]f32{ x, wt, b, dy }) |a| for (a) |*v| {
        v.* = rng.float(f32) * 2 - 1;
    };
    // forward
    const y = try alloc.alloc(f32, dy.len);
    defer alloc.free(y);
    const ref = try alloc.alloc(f64, dy.len);
    defer alloc.free(ref);
    try forward(s, x, wt, b, y);
    directForward(s, x, wt, b, ref);
    for (y, ref) |a, e| try testing.expectApproxEqAbs(e, @as(f64, a), 1e-4 * (1 + @abs(e)));
    // backward by the adjoint identities: <dy, conv(x)> = <dx, x> = <dw, w> (+ <db, b>)
    const dx = try alloc.alloc(f32, x.len);
    defer alloc.free(dx);
    const dw = try alloc.alloc(f32, wt.len);
    defer alloc.free(dw);
    const db = try alloc.alloc(f32, oc);
    defer alloc.free(db);
    try backwardInput(s, dy, wt, dx);
    try backwardWeight(s, x, dy, dw, db);
    directForward(s, x, wt, null, ref);
    var lhs: f64 = 0;
    for (dy, ref) |d, v| lhs += @as(f64, d) * v;
    var via_x: f64 = 0;
    for (dx, x) |d, v| via_x += @as(f64, d) * v;
    var via_w: f64 = 0;
    for (dw, wt) |d, v| via_w += @as(f64, d) * v;
    try testing.expectApproxEqAbs(lhs, via_x, 1e-3 * (1 + @abs(lhs)));
    try testing.expectApproxEqAbs(lhs, via_w, 1e-3 * (1 + @abs(lhs)));
    for (0..oc) |o| {
        var sum: f64 = 0;
        for (0..n) |i| for (0..s.l()) |p| {
            sum += dy[(i * oc + o) * s.l() + p];
        };
        try testing.expectApproxEqAbs(sum, @as(f64, db[o]), 1e-3 * (1 + @abs(sum)));
    }
    // the same gradients again: deterministic
    const dw2 = try alloc.dupe(f32, dw);
    defer alloc.free(dw2);
    try backwardWeight(s, x, dy, dw, null);
    try testing.expectEqualSlices(f32, dw2, dw);
}

test "conv2d forward equals a direct convolution; backward satisfies the adjoint identities" {
    const saved = pool.numThreads();
    defer _ = pool.setNumThreads(saved);
    for ([_]usize{ 1, 2, 3 }) |threads| {
        _ = pool.setNumThreads(threads);
        try testConv(5, 3, 9, 7, 4, 3, 1, 1, 1);
        try testConv(1, 2, 8, 8, 3, 3, 2, 0, 1);
        try testConv(4, 8, 14, 14, 16, 3, 1, 1, 1);
        try testConv(3, 2, 10, 9, 5, 2, 2, 1, 2);
        try testConv(7, 1, 5, 5, 2, 1, 1, 0, 1);
        try testConv(4, 3, 9, 11, 4, 3, 1, 2, 2); // stride 1, dilation 2: the padded-copy im2col
        try testConv(2, 2, 30, 37, 3, 3, 1, 1, 1); // rows longer than one vector
        try testConv(0, 2, 6, 6, 3, 3, 1, 1, 1); // empty batch: zero gradients
        // large enough to split the images over threads (rangeCount > 1 with 2 and 3 threads)
        const big = Conv{ .g = .{ .n = 8, .c = 16, .h = 14, .w = 14, .kh = 3, .kw = 3, .sh = 1, .sw = 1, .ph = 1, .pw = 1, .dh = 1, .dw = 1, .oh = 14, .ow = 14 }, .oc = 32 };
        try testing.expectEqual(@min(threads, 8), rangeCount(big));
        try testConv(8, 16, 14, 14, 32, 3, 1, 1, 1);
    }
}
