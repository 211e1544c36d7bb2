//! Exports of the convolution / pooling family (signatures and meta layouts in zig/ABI.md,
//! "Version 2 additions"): axon_im2col, axon_col2im, axon_pool2d, axon_pool2d_backward,
//! axon_adaptive_avg_pool2d. Kernels: zig/cpu/im2col.zig, zig/cpu/pool2d.zig.
//!
//! Everything is validated before memory is touched: meta length, dtype (f32 only), non-negative
//! sizes, kernel/stride/dilation ≥ 1, PyTorch's padding rule for pooling (padding ≤ kernel / 2,
//! as max_pool2d_with_indices and avg_pool2d check it), output sizes ≥ 1, geometry small enough that every index computation fits
//! (|values| < 2^62), the overflow-checked span of every operand inside its buffer, and, for the
//! max-pool backward, every index inside its plane.
//!
//! Offsets: im2col/col2im apply `x_off` to x and `cols_off` to cols in both directions. The pool
//! exports apply `x_off` to the x-shaped operand: x in the forward, dx in the backward; y, idx and
//! dy are taken from element 0 of their buffers.
const std = @import("std");
const status = @import("../status.zig");
const check = @import("check.zig");
const kim2col = @import("../cpu/im2col.zig");
const kpool = @import("../cpu/pool2d.zig");
const kconv = @import("../cpu/conv2d.zig");
const Error = status.Error;

const view = check.view;

/// Bound on `in + 2·pad + dilation·(kernel − 1) + 1 + stride` along each axis, so that every index
/// computed by the kernels fits in `isize` with room to spare.
const max_extent: u128 = 1 << 62;

const Window = struct {
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

    /// The kernels' geometry (`G` is im2col's or pooling's) for this window and output size;
    /// fields beyond the window keep `G`'s defaults.
    fn geom(s: Window, comptime G: type, oh: usize, ow: usize) G {
        return .{ .n = s.n, .c = s.c, .h = s.h, .w = s.w, .kh = s.kh, .kw = s.kw, .sh = s.sh, .sw = s.sw, .ph = s.ph, .pw = s.pw, .dh = s.dh, .dw = s.dw, .oh = oh, .ow = ow };
    }

    fn effH(s: Window) usize {
        return s.dh * (s.kh - 1) + 1;
    }
    fn effW(s: Window) usize {
        return s.dw * (s.kw - 1) + 1;
    }
};

/// The meta layouts of this family, declared once: src/native/abi_generated.ts is generated from
/// them and the parsers below read by them. Every conv/pool layout but the adaptive one starts
/// with the window `[n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw]` (readWindow).
pub const Im2colMeta = enum { n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, x_off, cols_off };
/// `axon_conv2d` meta layout.
pub const Conv2dMeta = enum { n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oc, x_off, w_off, bias_off };
/// `axon_conv2d_backward` meta layout.
pub const Conv2dBackwardMeta = enum { n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oc, x_off, w_off, dy_off };
/// `axon_pool2d` / `axon_pool2d_backward` meta layout (ceil_mode and count_include_pad are 0 or 1;
/// divisor_override 0 means none).
pub const Pool2dMeta = enum { n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, ceil_mode, count_include_pad, divisor_override, x_off };
/// `axon_adaptive_avg_pool2d` meta layout.
pub const AdaptivePool2dMeta = enum { n, c, h, w, oh, ow };
/// `axon_pool2d` kinds.
pub const PoolKind = enum(u32) { max = 0, avg = 1 };

const window_fields = [_][]const u8{ "n", "c", "h", "w", "kh", "kw", "sh", "sw", "ph", "pw", "dh", "dw" };

comptime {
    for (.{ Im2colMeta, Conv2dMeta, Conv2dBackwardMeta, Pool2dMeta }) |Layout| {
        for (window_fields, 0..) |name, i| std.debug.assert(std.mem.eql(u8, @tagName(@as(Layout, @enumFromInt(i))), name));
    }
}

/// Position of `field` in its layout.
fn slot(field: anytype) usize {
    return @intFromEnum(field);
}

/// The meta array of a call, checked to have exactly the entries of `Layout`.
fn metaOf(comptime Layout: type, ptr: ?[*]const i64, len: i64, name: []const u8) Error![]const i64 {
    const fields = comptime std.meta.fieldNames(Layout);
    const layout = comptime blk: {
        var text: []const u8 = "[";
        for (fields, 0..) |f, i| text = text ++ (if (i == 0) "" else ", ") ++ f;
        break :blk text ++ "]";
    };
    const meta = try check.metaSlice(ptr, len);
    if (meta.len != fields.len)
        return status.err(error.InvalidArgument, "{s}: meta must have {d} entries {s}, got {d}", .{ name, fields.len, layout, meta.len });
    return meta;
}

fn atLeastOne(v: usize, name: []const u8, what: []const u8) Error!void {
    if (v < 1) return status.err(error.InvalidArgument, "{s}: {s} must be >= 1, got 0", .{ name, what });
}

/// Reads `[N, C, H, W, KH, KW, SH, SW, PH, PW, DH, DW]` from the start of meta.
fn readWindow(meta: []const i64, name: []const u8) Error!Window {
    var pos: usize = 0;
    var v: [12]usize = undefined;
    const names = [_][]const u8{ "N", "C", "H", "W", "kernel height", "kernel width", "stride height", "stride width", "padding height", "padding width", "dilation height", "dilation width" };
    for (&v, names) |*o, what| o.* = try check.readOne(meta, &pos, what);
    const s = Window{ .n = v[0], .c = v[1], .h = v[2], .w = v[3], .kh = v[4], .kw = v[5], .sh = v[6], .sw = v[7], .ph = v[8], .pw = v[9], .dh = v[10], .dw = v[11] };
    for (4..8) |i| try atLeastOne(v[i], name, names[i]);
    for (10..12) |i| try atLeastOne(v[i], name, names[i]);
    for ([_][5]usize{ .{ s.h, s.kh, s.sh, s.ph, s.dh }, .{ s.w, s.kw, s.sw, s.pw, s.dw } }) |a| {
        const extent = @as(u128, a[0]) + 2 * @as(u128, a[3]) + @as(u128, a[4]) * (a[1] - 1) + 1 + a[2];
        if (extent >= max_extent)
            return status.err(error.InvalidArgument, "{s}: geometry too large (input {d}, kernel {d}, stride {d}, padding {d}, dilation {d})", .{ name, a[0], a[1], a[2], a[3], a[4] });
    }
    return s;
}

// ---------------------------------------------------------------------------------------------
// im2col / col2im

const Im2col = struct { g: kim2col.Geom, x_off: usize, cols_off: usize, dt: check.DType };

/// The im2col geometry from meta's first 12 entries, with the output size and element counts checked.
fn readGeometry(meta: []const i64, name: []const u8) Error!kim2col.Geom {
    const s = try readWindow(meta, name);
    const eh = s.effH();
    const ew = s.effW();
    if (s.h + 2 * s.ph < eh or s.w + 2 * s.pw < ew)
        return status.err(error.InvalidArgument, "{s}: output size would be < 1: padded input {d}x{d} (input {d}x{d}, padding {d}x{d}) is smaller than the effective kernel {d}x{d} (kernel {d}x{d}, dilation {d}x{d})", .{ name, s.h + 2 * s.ph, s.w + 2 * s.pw, s.h, s.w, s.ph, s.pw, eh, ew, s.kh, s.kw, s.dh, s.dw });
    const g = s.geom(kim2col.Geom, (s.h + 2 * s.ph - eh) / s.sh + 1, (s.w + 2 * s.pw - ew) / s.sw + 1);
    // both element counts overflow-checked (the kernels then use plain arithmetic)
    _ = try check.numel(&.{ g.n, g.c, g.h, g.w });
    _ = try check.numel(&.{ g.n, g.c, g.kh, g.kw, g.oh, g.ow });
    return g;
}

/// `halves`: f16 and bf16 accepted too (im2col only moves data; col2im sums, in f32 only).
fn parseIm2col(dtype_code: u32, meta_ptr: ?[*]const i64, meta_len: i64, name: []const u8, halves: bool) Error!Im2col {
    const dt = try check.dtype(dtype_code);
    const ok = dt == .f32 or (halves and (dt == .f16 or dt == .bf16));
    if (!ok) return status.err(error.UnsupportedDtype, "{s}: dtype {s} is not supported ({s})", .{ name, dt.name(), if (halves) "f32, f16 or bf16" else "f32 only" });
    const meta = try metaOf(Im2colMeta, meta_ptr, meta_len, name);
    const g = try readGeometry(meta, name);
    var i = slot(Im2colMeta.x_off);
    const x_off = try check.readOne(meta, &i, "x offset");
    i = slot(Im2colMeta.cols_off);
    const cols_off = try check.readOne(meta, &i, "cols offset");
    return .{ .g = g, .x_off = x_off, .cols_off = cols_off, .dt = dt };
}

fn im2colImpl(dtype: u32, meta: ?[*]const i64, meta_len: i64, x: ?[*]u8, x_bytes: i64, cols: ?[*]u8, cols_bytes: i64) Error!void {
    const p = try parseIm2col(dtype, meta, meta_len, "axon_im2col", true);
    if (p.dt == .f32) {
        const xs = try view(f32, x, x_bytes, p.x_off, p.g.xLen(), "x");
        const cs = try view(f32, cols, cols_bytes, p.cols_off, p.g.colsLen(), "cols");
        kim2col.im2col(f32, p.g, xs, cs);
    } else {
        // f16 / bf16 as raw 16-bit patterns.
        const xs = try view(u16, x, x_bytes, p.x_off, p.g.xLen(), "x");
        const cs = try view(u16, cols, cols_bytes, p.cols_off, p.g.colsLen(), "cols");
        kim2col.im2col(u16, p.g, xs, cs);
    }
}

fn col2imImpl(dtype: u32, meta: ?[*]const i64, meta_len: i64, cols: ?[*]u8, cols_bytes: i64, x: ?[*]u8, x_bytes: i64) Error!void {
    const p = try parseIm2col(dtype, meta, meta_len, "axon_col2im", false);
    const cs = try view(f32, cols, cols_bytes, p.cols_off, p.g.colsLen(), "cols");
    const xs = try view(f32, x, x_bytes, p.x_off, p.g.xLen(), "x");
    kim2col.col2im(p.g, cs, xs);
}

/// x contiguous `[N, C, H, W]` → cols contiguous `[N, C·KH·KW, OH·OW]` (F.unfold).
pub export fn axon_im2col(dtype: u32, meta: ?[*]const i64, meta_len: i64, x: ?[*]u8, x_bytes: i64, cols: ?[*]u8, cols_bytes: i64) i32 {
    return status.wrap(im2colImpl(dtype, meta, meta_len, x, x_bytes, cols, cols_bytes));
}

/// cols → x (overwritten with the sum of every column entry mapping to it; F.fold).
pub export fn axon_col2im(dtype: u32, meta: ?[*]const i64, meta_len: i64, cols: ?[*]u8, cols_bytes: i64, x: ?[*]u8, x_bytes: i64) i32 {
    return status.wrap(col2imImpl(dtype, meta, meta_len, cols, cols_bytes, x, x_bytes));
}

// ---------------------------------------------------------------------------------------------
// conv2d (f32, groups = 1, fused per image)

const ConvCall = struct { s: kconv.Conv, x_off: usize, w_off: usize, other_off: usize };

/// meta: `[N, C, H, W, KH, KW, SH, SW, PH, PW, DH, DW, OC, x_off, w_off, third_off]`; the third
/// offset is the bias's (forward) or dy's (backward).
fn parseConv(meta_ptr: ?[*]const i64, meta_len: i64, name: []const u8, third: []const u8) Error!ConvCall {
    // The forward and backward layouts differ only in the name of their last entry.
    comptime std.debug.assert(slot(Conv2dMeta.bias_off) == slot(Conv2dBackwardMeta.dy_off));
    const meta = try metaOf(Conv2dMeta, meta_ptr, meta_len, name);
    const g = try readGeometry(meta, name);
    var i = slot(Conv2dMeta.oc);
    const oc = try check.readOne(meta, &i, "output channels");
    try atLeastOne(oc, name, "output channels");
    i = slot(Conv2dMeta.x_off);
    const x_off = try check.readOne(meta, &i, "x offset");
    i = slot(Conv2dMeta.w_off);
    const w_off = try check.readOne(meta, &i, "weight offset");
    i = slot(Conv2dMeta.bias_off);
    const other_off = try check.readOne(meta, &i, third);
    const s = kconv.Conv{ .g = g, .oc = oc };
    _ = try check.numel(&.{ oc, s.k() });
    _ = try check.numel(&.{ s.g.n, oc, s.l() });
    return .{ .s = s, .x_off = x_off, .w_off = w_off, .other_off = other_off };
}

fn conv2dImpl(meta: ?[*]const i64, meta_len: i64, x: ?[*]u8, x_bytes: i64, w: ?[*]u8, w_bytes: i64, bias: ?[*]u8, bias_bytes: i64, y: ?[*]u8, y_bytes: i64) Error!void {
    const name = "axon_conv2d";
    const p = try parseConv(meta, meta_len, name, "bias offset");
    const s = p.s;
    const xs = try view(f32, x, x_bytes, p.x_off, s.g.xLen(), "x");
    const ws = try view(f32, w, w_bytes, p.w_off, s.oc * s.k(), "weight");
    const bs: ?[]f32 = if (bias == null) null else try view(f32, bias, bias_bytes, p.other_off, s.oc, "bias");
    const ys = try view(f32, y, y_bytes, 0, s.g.n * s.oc * s.l(), "y");
    try check.noOverlap(ys, "y", xs, "x");
    try check.noOverlap(ys, "y", ws, "weight");
    if (bs) |b| try check.noOverlap(ys, "y", b, "bias");
    try kconv.forward(s, xs, ws, bs, ys);
}

fn conv2dBackwardImpl(meta: ?[*]const i64, meta_len: i64, x: ?[*]u8, x_bytes: i64, w: ?[*]u8, w_bytes: i64, dy: ?[*]u8, dy_bytes: i64, dx: ?[*]u8, dx_bytes: i64, dw: ?[*]u8, dw_bytes: i64, db: ?[*]u8, db_bytes: i64) Error!void {
    const name = "axon_conv2d_backward";
    const p = try parseConv(meta, meta_len, name, "dy offset");
    const s = p.s;
    const xs = try view(f32, x, x_bytes, p.x_off, s.g.xLen(), "x");
    const ws = try view(f32, w, w_bytes, p.w_off, s.oc * s.k(), "weight");
    const dys = try view(f32, dy, dy_bytes, p.other_off, s.g.n * s.oc * s.l(), "dy");
    const dxs: ?[]f32 = if (dx == null) null else try view(f32, dx, dx_bytes, 0, s.g.xLen(), "dx");
    const dws: ?[]f32 = if (dw == null) null else try view(f32, dw, dw_bytes, 0, s.oc * s.k(), "dw");
    const dbs: ?[]f32 = if (db == null) null else try view(f32, db, db_bytes, 0, s.oc, "db");
    const outs = [_]?[]f32{ dxs, dws, dbs };
    const out_names = [_][]const u8{ "dx", "dw", "db" };
    for (outs, out_names, 0..) |maybe, out_name, i| {
        const o = maybe orelse continue;
        try check.noOverlap(o, out_name, xs, "x");
        try check.noOverlap(o, out_name, ws, "weight");
        try check.noOverlap(o, out_name, dys, "dy");
        for (outs[i + 1 ..], out_names[i + 1 ..]) |other, other_name| {
            if (other) |q| try check.noOverlap(o, out_name, q, other_name);
        }
    }
    if (dxs) |d| try kconv.backwardInput(s, dys, ws, d);
    try kconv.backwardWeight(s, xs, dys, dws, dbs);
}

/// y `[N, OC, OH, OW]` (from element 0) = conv2d(x, weight `[OC, C, KH, KW]`, bias `[OC]` or null).
pub export fn axon_conv2d(meta: ?[*]const i64, meta_len: i64, x: ?[*]u8, x_bytes: i64, w: ?[*]u8, w_bytes: i64, bias: ?[*]u8, bias_bytes: i64, y: ?[*]u8, y_bytes: i64) i32 {
    return status.wrap(conv2dImpl(meta, meta_len, x, x_bytes, w, w_bytes, bias, bias_bytes, y, y_bytes));
}

/// Gradients of axon_conv2d: dx, dw, db (each from element 0; null: not computed).
pub export fn axon_conv2d_backward(meta: ?[*]const i64, meta_len: i64, x: ?[*]u8, x_bytes: i64, w: ?[*]u8, w_bytes: i64, dy: ?[*]u8, dy_bytes: i64, dx: ?[*]u8, dx_bytes: i64, dw: ?[*]u8, dw_bytes: i64, db: ?[*]u8, db_bytes: i64) i32 {
    return status.wrap(conv2dBackwardImpl(meta, meta_len, x, x_bytes, w, w_bytes, dy, dy_bytes, dx, dx_bytes, dw, dw_bytes, db, db_bytes));
}

// ---------------------------------------------------------------------------------------------
// pool2d

const Kind = PoolKind;

const Pool = struct { kind: Kind, g: kpool.Geom, x_off: usize };

fn parsePool(kind_code: u32, meta_ptr: ?[*]const i64, meta_len: i64, name: []const u8) Error!Pool {
    const kind = std.meta.intToEnum(Kind, kind_code) catch
        return status.err(error.InvalidArgument, "{s}: unknown kind {d} (0 max, 1 avg)", .{ name, kind_code });
    const meta = try metaOf(Pool2dMeta, meta_ptr, meta_len, name);
    const s = try readWindow(meta, name);
    inline for (.{ Pool2dMeta.ceil_mode, Pool2dMeta.count_include_pad }) |flag| {
        if (meta[slot(flag)] != 0 and meta[slot(flag)] != 1)
            return status.err(error.InvalidArgument, "{s}: {s} must be 0 or 1, got {d}", .{ name, @tagName(flag), meta[slot(flag)] });
    }
    const ceil_mode = meta[slot(Pool2dMeta.ceil_mode)] == 1;
    const divisor_override = meta[slot(Pool2dMeta.divisor_override)];
    var i = slot(Pool2dMeta.x_off);
    const x_off = try check.readOne(meta, &i, "x offset");
    if (s.h < 1 or s.w < 1)
        return status.err(error.InvalidArgument, "{s}: input planes must be non-empty, got {d}x{d}", .{ name, s.h, s.w });
    if (kind == .avg and (s.dh != 1 or s.dw != 1))
        return status.err(error.InvalidArgument, "{s}: avg pooling has no dilation (must be 1x1), got {d}x{d}", .{ name, s.dh, s.dw });
    // PyTorch (max_pool2d_with_indices, avg_pool2d): half the kernel size, whatever the dilation
    if (s.ph > s.kh / 2 or s.pw > s.kw / 2)
        return status.err(error.InvalidArgument, "{s}: pad should be smaller than or equal to half of kernel size, but got padding {d}x{d} for kernel {d}x{d}", .{ name, s.ph, s.pw, s.kh, s.kw });
    const oh = kpool.outputSize(s.h, s.kh, s.sh, s.ph, s.dh, ceil_mode);
    const ow = kpool.outputSize(s.w, s.kw, s.sw, s.pw, s.dw, ceil_mode);
    if (oh == null or ow == null)
        return status.err(error.InvalidArgument, "{s}: output size is too small: input {d}x{d}, kernel {d}x{d}, stride {d}x{d}, padding {d}x{d}, dilation {d}x{d}, ceil_mode {d} give an output < 1", .{ name, s.h, s.w, s.kh, s.kw, s.sh, s.sw, s.ph, s.pw, s.dh, s.dw, meta[slot(Pool2dMeta.ceil_mode)] });
    var g = s.geom(kpool.Geom, oh.?, ow.?);
    g.count_include_pad = meta[slot(Pool2dMeta.count_include_pad)] == 1;
    g.divisor_override = divisor_override;
    _ = try check.numel(&.{ g.n, g.c, g.h, g.w });
    _ = try check.numel(&.{ g.n, g.c, g.oh, g.ow });
    if (kind == .max and try check.mul(g.h, g.w) > std.math.maxInt(i32))
        return status.err(error.InvalidArgument, "{s}: a {d}x{d} plane does not fit i32 max-pool indices", .{ name, g.h, g.w });
    return .{ .kind = kind, .g = g, .x_off = x_off };
}

fn pool2dImpl(kind: u32, meta: ?[*]const i64, meta_len: i64, x: ?[*]u8, x_bytes: i64, y: ?[*]u8, y_bytes: i64, idx: ?[*]u8, idx_bytes: i64) Error!void {
    const p = try parsePool(kind, meta, meta_len, "axon_pool2d");
    const xs = try view(f32, x, x_bytes, p.x_off, p.g.xLen(), "x");
    const ys = try view(f32, y, y_bytes, 0, p.g.yLen(), "y");
    switch (p.kind) {
        .max => {
            const is: ?[]i32 = if (idx == null) null else try view(i32, idx, idx_bytes, 0, p.g.yLen(), "idx");
            kpool.maxForward(p.g, xs, ys, is);
        },
        .avg => kpool.avgForward(p.g, xs, ys),
    }
}

fn pool2dBackwardImpl(kind: u32, meta: ?[*]const i64, meta_len: i64, dy: ?[*]u8, dy_bytes: i64, idx: ?[*]u8, idx_bytes: i64, dx: ?[*]u8, dx_bytes: i64) Error!void {
    const name = "axon_pool2d_backward";
    const p = try parsePool(kind, meta, meta_len, name);
    const dys = try view(f32, dy, dy_bytes, 0, p.g.yLen(), "dy");
    const dxs = try view(f32, dx, dx_bytes, p.x_off, p.g.xLen(), "dx");
    switch (p.kind) {
        .max => {
            const is = try view(i32, idx, idx_bytes, 0, p.g.yLen(), "idx");
            const plane = p.g.h * p.g.w;
            if (kpool.firstBadIndex(is, plane)) |at|
                return status.err(error.InvalidArgument, "{s}: index {d} at position {d} is outside the {d}-element plane [0, {d})", .{ name, is[at], at, plane, plane });
            kpool.maxBackward(p.g, dys, is, dxs);
        },
        .avg => kpool.avgBackward(p.g, dys, dxs),
    }
}

/// kind 0 max, 1 avg: x `[N, C, H, W]` → y `[N, C, OH, OW]` (+ i32 argmax indices, optional).
pub export fn axon_pool2d(kind: u32, meta: ?[*]const i64, meta_len: i64, x: ?[*]u8, x_bytes: i64, y: ?[*]u8, y_bytes: i64, idx: ?[*]u8, idx_bytes: i64) i32 {
    return status.wrap(pool2dImpl(kind, meta, meta_len, x, x_bytes, y, y_bytes, idx, idx_bytes));
}

/// dy `[N, C, OH, OW]` → dx `[N, C, H, W]` (overwritten); max uses the forward's indices.
pub export fn axon_pool2d_backward(kind: u32, meta: ?[*]const i64, meta_len: i64, dy: ?[*]u8, dy_bytes: i64, idx: ?[*]u8, idx_bytes: i64, dx: ?[*]u8, dx_bytes: i64) i32 {
    return status.wrap(pool2dBackwardImpl(kind, meta, meta_len, dy, dy_bytes, idx, idx_bytes, dx, dx_bytes));
}

// ---------------------------------------------------------------------------------------------
// adaptive average pooling

fn adaptiveImpl(direction: u32, meta_ptr: ?[*]const i64, meta_len: i64, src: ?[*]u8, src_bytes: i64, dst: ?[*]u8, dst_bytes: i64) Error!void {
    const name = "axon_adaptive_avg_pool2d";
    if (direction > 1) return status.err(error.InvalidArgument, "{s}: direction must be 0 (forward) or 1 (backward), got {d}", .{ name, direction });
    const meta = try metaOf(AdaptivePool2dMeta, meta_ptr, meta_len, name);
    var pos: usize = 0;
    var v: [6]usize = undefined;
    const names = [_][]const u8{ "N", "C", "H", "W", "output height", "output width" };
    for (&v, names) |*o, what| o.* = try check.readOne(meta, &pos, what);
    for (2..6) |i| try atLeastOne(v[i], name, names[i]);
    const a = kpool.Adaptive{ .planes = try check.mul(v[0], v[1]), .h = v[2], .w = v[3], .oh = v[4], .ow = v[5] };
    // window bounds compute (o + 1)·in + out
    _ = try check.add(try check.mul(a.oh + 1, a.h), a.oh);
    _ = try check.add(try check.mul(a.ow + 1, a.w), a.ow);
    const nx = try check.numel(&.{ a.planes, a.h, a.w });
    const ny = try check.numel(&.{ a.planes, a.oh, a.ow });
    if (direction == 0) {
        const xs = try view(f32, src, src_bytes, 0, nx, "x");
        const ys = try view(f32, dst, dst_bytes, 0, ny, "y");
        kpool.adaptiveForward(a, xs, ys);
    } else {
        const dys = try view(f32, src, src_bytes, 0, ny, "dy");
        const dxs = try view(f32, dst, dst_bytes, 0, nx, "dx");
        kpool.adaptiveBackward(a, dys, dxs);
    }
}

/// direction 0: x `[N, C, H, W]` → y `[N, C, OH, OW]`; 1: dy → dx (overwritten).
pub export fn axon_adaptive_avg_pool2d(direction: u32, meta: ?[*]const i64, meta_len: i64, src: ?[*]u8, src_bytes: i64, dst: ?[*]u8, dst_bytes: i64) i32 {
    return status.wrap(adaptiveImpl(direction, meta, meta_len, src, src_bytes, dst, dst_bytes));
}

// ---------------------------------------------------------------------------------------------
// tests (the kernels are checked against references in their own files; these cover the exports)

const testing = std.testing;

fn bytes(s: anytype) [*]u8 {
    return @ptrCast(s.ptr);
}

fn nbytes(s: anytype) i64 {
    return @intCast(s.len * @sizeOf(@TypeOf(s[0])));
}

fn expectMessage(needle: []const u8) !void {
    if (std.mem.indexOf(u8, status.lastMessage(), needle) == null) {
        std.debug.print("message \"{s}\" lacks \"{s}\"\n", .{ status.lastMessage(), needle });
        return error.TestExpectedMessage;
    }
}

test "axon_im2col / axon_col2im run through the exports with offsets" {
    // x = 1×1×3×3 at offset 2, 2×2 kernel, stride 1, no padding → cols 4×4 at offset 1
    var x = [_]f32{ -1, -1, 1, 2, 3, 4, 5, 6, 7, 8, 9 };
    var cols = [_]f32{-7} ** 18;
    const meta = [_]i64{ 1, 1, 3, 3, 2, 2, 1, 1, 0, 0, 1, 1, 2, 1 };
    try testing.expectEqual(@as(i32, 0), axon_im2col(0, &meta, meta.len, bytes(&x), nbytes(&x), bytes(&cols), nbytes(&cols)));
    try testing.expectEqualSlices(f32, &.{ -7, 1, 2, 4, 5, 2, 3, 5, 6, 4, 5, 7, 8, 5, 6, 8, 9, -7 }, &cols);
    try testing.expectEqual(@as(i32, 0), axon_col2im(0, &meta, meta.len, bytes(&cols), nbytes(&cols), bytes(&x), nbytes(&x)));
    try testing.expectEqualSlices(f32, &.{ -1, -1, 1, 4, 3, 8, 20, 12, 7, 16, 9 }, &x);
    // padding 1: corners of the window hit padding
    var x1 = [_]f32{5};
    var c1 = [_]f32{-7} ** 9;
    const meta1 = [_]i64{ 1, 1, 1, 1, 3, 3, 1, 1, 1, 1, 1, 1, 0, 0 };
    try testing.expectEqual(@as(i32, 0), axon_im2col(0, &meta1, meta1.len, bytes(&x1), 4, bytes(&c1), nbytes(&c1)));
    try testing.expectEqualSlices(f32, &.{ 0, 0, 0, 0, 5, 0, 0, 0, 0 }, &c1);
    // empty batch: nothing touched, null pointers fine
    const meta0 = [_]i64{ 0, 3, 5, 5, 3, 3, 1, 1, 0, 0, 1, 1, 0, 0 };
    try testing.expectEqual(@as(i32, 0), axon_im2col(0, &meta0, meta0.len, null, 0, null, 0));
    try testing.expectEqual(@as(i32, 0), axon_col2im(0, &meta0, meta0.len, null, 0, null, 0));
}

test "axon_im2col moves f16 and bf16 bits, padding as +0, bounds in 2-byte elements" {
    // x = 1×1×2×2 at offset 1 (bits: NaN, -0, a subnormal, -Inf), 2×2 kernel, padding 1, stride 2.
    var x = [_]u16{ 0xAAAA, 0x7E01, 0x8000, 0x0001, 0xFC00 };
    var cols = [_]u16{0x5555} ** 18;
    const meta = [_]i64{ 1, 1, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1 };
    for ([_]u32{ 2, 3 }) |code| {
        @memset(&cols, 0x5555);
        try testing.expectEqual(@as(i32, 0), axon_im2col(code, &meta, meta.len, @ptrCast(&x), 10, @ptrCast(&cols), 36));
        // OH = OW = 2: row (ki, kj) column (oh, ow) reads x[2·oh − 1 + ki, 2·ow − 1 + kj].
        try testing.expectEqualSlices(u16, &.{
            0x5555, 0, 0, 0, 0xFC00, // row (0,0): only (oh, ow) = (1, 1) → x[1, 1]
            0, 0, 0x0001, 0, // row (0,1): (1, 0) → x[1, 0]
            0, 0x8000, 0, 0, // row (1,0): (0, 1) → x[0, 1]
            0x7E01, 0, 0, 0, 0x5555, // row (1,1): (0, 0) → x[0, 0]
        }, &cols);
        // 2-byte bounds: cols needs elements [1, 17) = 34 bytes, x [1, 5) = 10 bytes.
        try testing.expectEqual(@as(i32, 0), axon_im2col(code, &meta, meta.len, @ptrCast(&x), 10, @ptrCast(&cols), 34));
        try testing.expectEqual(@as(i32, -2), axon_im2col(code, &meta, meta.len, @ptrCast(&x), 10, @ptrCast(&cols), 33));
        try testing.expectEqual(@as(i32, -2), axon_im2col(code, &meta, meta.len, @ptrCast(&x), 9, @ptrCast(&cols), 36));
    }
}

test "axon_im2col rejects bad arguments" {
    var x = [_]f32{0} ** 9;
    var cols = [_]f32{0} ** 16;
    const px = bytes(&x);
    const pc = bytes(&cols);
    const good = [_]i64{ 1, 1, 3, 3, 2, 2, 1, 1, 0, 0, 1, 1, 0, 0 };
    try testing.expectEqual(@as(i32, 0), axon_im2col(0, &good, good.len, px, 36, pc, 64));
    try testing.expectEqual(@as(i32, -1), axon_im2col(0, &good, 13, px, 36, pc, 64));
    try expectMessage("meta must have 14 entries");
    try testing.expectEqual(@as(i32, -1), axon_im2col(0, null, 14, px, 36, pc, 64));
    try testing.expectEqual(@as(i32, -1), axon_im2col(0, &good, -1, px, 36, pc, 64));
    try testing.expectEqual(@as(i32, -4), axon_im2col(1, &good, good.len, px, 36, pc, 64));
    try expectMessage("f32, f16 or bf16");
    try testing.expectEqual(@as(i32, -4), axon_col2im(2, &good, good.len, pc, 64, px, 36));
    try expectMessage("f32 only");
    try testing.expectEqual(@as(i32, -4), axon_col2im(99, &good, good.len, pc, 64, px, 36));
    try testing.expectEqual(@as(i32, -2), axon_im2col(0, &good, good.len, px, 32, pc, 64));
    try testing.expectEqual(@as(i32, -2), axon_im2col(0, &good, good.len, px, 36, pc, 60));
    try testing.expectEqual(@as(i32, -2), axon_col2im(0, &good, good.len, pc, 64, px, 35));
    try testing.expectEqual(@as(i32, -1), axon_im2col(0, &good, good.len, null, 36, pc, 64));
    const cases = [_]struct { at: usize, v: i64, code: i32, msg: []const u8 }{
        .{ .at = 0, .v = -1, .code = -1, .msg = "N must be >= 0" },
        .{ .at = 2, .v = -3, .code = -1, .msg = "H must be >= 0" },
        .{ .at = 4, .v = 0, .code = -1, .msg = "kernel height must be >= 1" },
        .{ .at = 7, .v = 0, .code = -1, .msg = "stride width must be >= 1" },
        .{ .at = 8, .v = -1, .code = -1, .msg = "padding height must be >= 0" },
        .{ .at = 11, .v = 0, .code = -1, .msg = "dilation width must be >= 1" },
        .{ .at = 5, .v = 4, .code = -1, .msg = "output size would be < 1" },
        .{ .at = 10, .v = 3, .code = -1, .msg = "output size would be < 1" },
        .{ .at = 12, .v = 1, .code = -2, .msg = "x: needs elements [1, 10)" },
        .{ .at = 13, .v = -1, .code = -1, .msg = "cols offset must be >= 0" },
        .{ .at = 9, .v = 1 << 61, .code = -1, .msg = "geometry too large" },
        .{ .at = 0, .v = 1 << 62, .code = -3, .msg = "overflows" },
    };
    for (cases) |c| {
        var meta = good;
        meta[c.at] = c.v;
        try testing.expectEqual(c.code, axon_im2col(0, &meta, meta.len, px, 36, pc, 64));
        try expectMessage(c.msg);
    }
}

test "axon_pool2d / axon_pool2d_backward run through the exports" {
    // 1×2×4×4 at x_off 1, max 2×2 stride 2
    var x: [33]f32 = undefined;
    for (&x, 0..) |*v, i| v.* = @floatFromInt(@as(i64, @intCast(i)) * (if (i % 3 == 0) @as(i64, -1) else 1));
    var y: [8]f32 = undefined;
    var idx: [8]i32 = undefined;
    var meta = [_]i64{ 1, 2, 4, 4, 2, 2, 2, 2, 0, 0, 1, 1, 0, 1, 0, 1 };
    try testing.expectEqual(@as(i32, 0), axon_pool2d(0, &meta, meta.len, bytes(&x), nbytes(&x), bytes(&y), nbytes(&y), bytes(&idx), nbytes(&idx)));
    try testing.expectEqualSlices(f32, &.{ 5, 8, 14, 16, 22, 23, 29, 32 }, &y);
    try testing.expectEqualSlices(i32, &.{ 4, 7, 13, 15, 5, 6, 12, 15 }, &idx);
    // idx may be null
    try testing.expectEqual(@as(i32, 0), axon_pool2d(0, &meta, meta.len, bytes(&x), nbytes(&x), bytes(&y), nbytes(&y), null, 0));
    var dy = [_]f32{ 1, 2, 3, 4, 5, 6, 7, 8 };
    var dx = [_]f32{-9} ** 33;
    try testing.expectEqual(@as(i32, 0), axon_pool2d_backward(0, &meta, meta.len, bytes(&dy), nbytes(&dy), bytes(&idx), nbytes(&idx), bytes(&dx), nbytes(&dx)));
    try testing.expectEqual(@as(f32, -9), dx[0]);
    try testing.expectEqual(@as(f32, 1), dx[1 + 4]);
    try testing.expectEqual(@as(f32, 8), dx[1 + 16 + 15]);
    var total: f32 = 0;
    for (dx[1..]) |v| total += v;
    try testing.expectEqual(@as(f32, 36), total);
    // avg 3×3 stride 1 pad 1, count_include_pad 0: corner = mean of 4
    meta = .{ 1, 1, 4, 4, 3, 3, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0 };
    var xa: [16]f32 = undefined;
    for (&xa, 0..) |*v, i| v.* = @floatFromInt(i);
    var ya: [16]f32 = undefined;
    try testing.expectEqual(@as(i32, 0), axon_pool2d(1, &meta, meta.len, bytes(&xa), 64, bytes(&ya), 64, null, 0));
    try testing.expectEqual(@as(f32, 10.0 / 4.0), ya[0]);
    meta[13] = 1; // count_include_pad
    try testing.expectEqual(@as(i32, 0), axon_pool2d(1, &meta, meta.len, bytes(&xa), 64, bytes(&ya), 64, null, 0));
    try testing.expectEqual(@as(f32, 10.0) / 9.0, ya[0]);
    meta[14] = 2; // divisor_override
    try testing.expectEqual(@as(i32, 0), axon_pool2d(1, &meta, meta.len, bytes(&xa), 64, bytes(&ya), 64, null, 0));
    try testing.expectEqual(@as(f32, 10.0 / 2.0), ya[0]);
    var dxa: [16]f32 = undefined;
    @memset(&ya, 1);
    try testing.expectEqual(@as(i32, 0), axon_pool2d_backward(1, &meta, meta.len, bytes(&ya), 64, null, 0, bytes(&dxa), 64));
    try testing.expectEqual(@as(f32, 4 * 0.5), dxa[0]);
    try testing.expectEqual(@as(f32, 9 * 0.5), dxa[5]);
}

test "axon_pool2d rejects bad arguments" {
    var x = [_]f32{0} ** 16;
    var y = [_]f32{0} ** 4;
    var idx = [_]i32{0} ** 4;
    const px = bytes(&x);
    const py = bytes(&y);
    const pi = bytes(&idx);
    const good = [_]i64{ 1, 1, 4, 4, 2, 2, 2, 2, 0, 0, 1, 1, 0, 1, 0, 0 };
    try testing.expectEqual(@as(i32, 0), axon_pool2d(0, &good, good.len, px, 64, py, 16, pi, 16));
    try testing.expectEqual(@as(i32, -1), axon_pool2d(2, &good, good.len, px, 64, py, 16, pi, 16));
    try expectMessage("unknown kind 2");
    try testing.expectEqual(@as(i32, -1), axon_pool2d(0, &good, 15, px, 64, py, 16, pi, 16));
    try expectMessage("meta must have 16 entries");
    try testing.expectEqual(@as(i32, -2), axon_pool2d(0, &good, good.len, px, 60, py, 16, pi, 16));
    try testing.expectEqual(@as(i32, -2), axon_pool2d(0, &good, good.len, px, 64, py, 12, pi, 16));
    try testing.expectEqual(@as(i32, -2), axon_pool2d(0, &good, good.len, px, 64, py, 16, pi, 12));
    try testing.expectEqual(@as(i32, -2), axon_pool2d_backward(0, &good, good.len, py, 16, pi, 12, px, 64));
    try testing.expectEqual(@as(i32, -1), axon_pool2d_backward(0, &good, good.len, py, 16, null, 0, px, 64));
    const cases = [_]struct { kind: u32 = 0, at: usize, v: i64, code: i32 = -1, msg: []const u8 }{
        .{ .at = 6, .v = 0, .msg = "stride height must be >= 1" },
        .{ .at = 4, .v = 0, .msg = "kernel height must be >= 1" },
        .{ .at = 10, .v = 0, .msg = "dilation height must be >= 1" },
        .{ .at = 8, .v = 2, .msg = "pad should be smaller than or equal to half of kernel size" },
        .{ .at = 9, .v = -1, .msg = "padding width must be >= 0" },
        .{ .at = 2, .v = 0, .msg = "input planes must be non-empty" },
        .{ .at = 4, .v = 5, .msg = "output size is too small" },
        .{ .at = 12, .v = 2, .msg = "ceil_mode must be 0 or 1" },
        .{ .at = 13, .v = -1, .msg = "count_include_pad must be 0 or 1" },
        .{ .at = 15, .v = 1, .code = -2, .msg = "x: needs elements [1, 17)" },
        .{ .kind = 1, .at = 11, .v = 2, .msg = "avg pooling has no dilation" },
        .{ .at = 7, .v = 1 << 62, .msg = "geometry too large" },
    };
    for (cases) |c| {
        var meta = good;
        meta[c.at] = c.v;
        try testing.expectEqual(c.code, axon_pool2d(c.kind, &meta, meta.len, px, 64, py, 16, pi, 16));
        try expectMessage(c.msg);
    }
    // backward: an index outside the plane is rejected before dx is touched
    idx = .{ 0, 5, 16, 3 };
    @memset(&x, 7);
    try testing.expectEqual(@as(i32, -1), axon_pool2d_backward(0, &good, good.len, py, 16, pi, 16, px, 64));
    try expectMessage("index 16 at position 2 is outside");
    idx[2] = -1;
    try testing.expectEqual(@as(i32, -1), axon_pool2d_backward(0, &good, good.len, py, 16, pi, 16, px, 64));
    try expectMessage("index -1 at position 2");
    try testing.expectEqual(@as(f32, 7), x[0]);
    // a plane too large for i32 indices (max only)
    const big = [_]i64{ 0, 1, 1 << 16, 1 << 16, 2, 2, 2, 2, 0, 0, 1, 1, 0, 1, 0, 0 };
    try testing.expectEqual(@as(i32, -1), axon_pool2d(0, &big, big.len, null, 0, null, 0, null, 0));
    try expectMessage("does not fit i32");
    try testing.expectEqual(@as(i32, 0), axon_pool2d(1, &big, big.len, null, 0, null, 0, null, 0));
}

test "axon_adaptive_avg_pool2d runs and rejects bad arguments" {
    var x: [2 * 5 * 5]f32 = undefined;
    for (&x, 0..) |*v, i| v.* = @floatFromInt(i);
    var y: [2 * 2 * 2]f32 = undefined;
    const meta = [_]i64{ 1, 2, 5, 5, 2, 2 };
    try testing.expectEqual(@as(i32, 0), axon_adaptive_avg_pool2d(0, &meta, meta.len, bytes(&x), nbytes(&x), bytes(&y), nbytes(&y)));
    // window rows/cols [0, 3) and [2, 5): plane 0 top-left = mean of rows 0..2, cols 0..2
    try testing.expectEqual(@as(f32, 6), y[0]);
    try testing.expectEqual(@as(f32, 18), y[3]);
    try testing.expectEqual(@as(f32, 31), y[4]);
    var dx: [2 * 5 * 5]f32 = undefined;
    @memset(&y, 9);
    try testing.expectEqual(@as(i32, 0), axon_adaptive_avg_pool2d(1, &meta, meta.len, bytes(&y), nbytes(&y), bytes(&dx), nbytes(&dx)));
    try testing.expectEqual(@as(f32, 1), dx[0]);
    try testing.expectEqual(@as(f32, 4), dx[12]); // center: in all four windows
    try testing.expectEqual(@as(i32, -1), axon_adaptive_avg_pool2d(2, &meta, meta.len, bytes(&x), nbytes(&x), bytes(&y), nbytes(&y)));
    try testing.expectEqual(@as(i32, -1), axon_adaptive_avg_pool2d(0, &meta, 5, bytes(&x), nbytes(&x), bytes(&y), nbytes(&y)));
    try expectMessage("meta must have 6 entries");
    try testing.expectEqual(@as(i32, -2), axon_adaptive_avg_pool2d(0, &meta, meta.len, bytes(&x), 196, bytes(&y), nbytes(&y)));
    try testing.expectEqual(@as(i32, -2), axon_adaptive_avg_pool2d(1, &meta, meta.len, bytes(&y), nbytes(&y), bytes(&dx), 196));
    var bad = meta;
    bad[4] = 0;
    try testing.expectEqual(@as(i32, -1), axon_adaptive_avg_pool2d(0, &bad, bad.len, bytes(&x), nbytes(&x), bytes(&y), nbytes(&y)));
    try expectMessage("output height must be >= 1");
    bad = meta;
    bad[1] = -2;
    try testing.expectEqual(@as(i32, -1), axon_adaptive_avg_pool2d(0, &bad, bad.len, bytes(&x), nbytes(&x), bytes(&y), nbytes(&y)));
}
