//! Exports of the elementwise kernel family: axon_unary, axon_binary, axon_where, axon_copy,
//! axon_fill, axon_arange (signatures and meta layouts in zig/ABI.md).
//!
//! Every export validates all of its arguments (op and dtype codes, meta length against ndim,
//! non-negative sizes/offsets/strides, the overflow-checked span of every strided operand inside
//! its buffer, alignment) before any memory is touched, then returns 0 or a negative status.
//!
//! Aliasing: an output may be the exact same view as an input (in place). When the output's bytes
//! overlap an input's in any other way: if both views are dense (no holes) the call is rejected
//! like PyTorch's partial-overlap check; otherwise (e.g. interleaved strided views) the kernel runs
//! on the calling thread only, element chunks in row-major order (correct when no element is both
//! read and written at different positions; unspecified, but memory-safe, otherwise).
const std = @import("std");
const status = @import("../status.zig");
const check = @import("check.zig");
const copy = @import("../cpu/copy.zig");
const unary = @import("../cpu/unary.zig");
const binary = @import("../cpu/binary.zig");

/// `axon_unary` op codes (declared with the kernels; TypeScript's are generated from this).
pub const UnaryOp = unary.Op;
/// `axon_binary` op codes.
pub const BinaryOp = binary.Op;
const Error = status.Error;
const DType = check.DType;

/// Checks that `[off, off + span)` elements of `dt` lie in the buffer; returns the base pointer.
fn view(dt: DType, ptr: ?[*]u8, bytes: i64, off: usize, span: usize, what: []const u8) Error![*]u8 {
    const base: [*]u8 = switch (dt.size()) {
        inline 1, 2, 4, 8 => |size| @ptrCast((try check.buffer(std.meta.Int(.unsigned, size * 8), ptr, bytes, off, span, what)).ptr),
        else => unreachable,
    };
    return base;
}

/// A parsed meta array: shape plus K operands' offsets and strides.
fn Parsed(comptime K: usize) type {
    return struct {
        layout: copy.Layout(K),
        offs: [K]usize,
        numel: usize,
        spans: [K]usize,
    };
}

fn parseMeta(comptime K: usize, meta_ptr: ?[*]const i64, meta_len: i64, names: [K][]const u8) Error!Parsed(K) {
    const meta = try check.metaSlice(meta_ptr, meta_len);
    if (meta.len < 1) return status.err(error.InvalidArgument, "meta array is empty (needs ndim first)", .{});
    if (meta[0] < 0 or meta[0] > check.max_dims)
        return status.err(error.InvalidArgument, "ndim must be in [0, {d}], got {d}", .{ check.max_dims, meta[0] });
    const ndim: usize = @intCast(meta[0]);
    const want = 1 + ndim + K * (1 + ndim);
    if (meta.len != want)
        return status.err(error.InvalidArgument, "meta array has {d} entries but ndim {d} needs {d}", .{ meta.len, ndim, want });
    var p: Parsed(K) = .{ .layout = .{ .ndim = ndim }, .offs = undefined, .numel = 0, .spans = undefined };
    var at: usize = 1;
    try check.readDims(meta, &at, p.layout.shape[0..ndim], "shape");
    p.numel = try check.numel(p.layout.shape[0..ndim]);
    for (0..K) |k| {
        p.offs[k] = try check.readOne(meta, &at, names[k]);
        try check.readDims(meta, &at, p.layout.strides[k][0..ndim], names[k]);
        p.spans[k] = try check.viewSpan(p.layout.shape[0..ndim], p.layout.strides[k][0..ndim]);
    }
    return p;
}

fn sameView(comptime K: usize, p: *const Parsed(K), i: usize, j: usize, ri: copy.Range, rj: copy.Range, size_i: usize, size_j: usize) bool {
    if (ri.lo != rj.lo or size_i != size_j) return false;
    for (0..p.layout.ndim) |d| {
        if (p.layout.shape[d] > 1 and p.layout.strides[i][d] != p.layout.strides[j][d]) return false;
    }
    return true;
}

/// Applies the aliasing rule of the file comment between operand 0 (the output) and the inputs;
/// returns whether the kernel may use several threads.
fn aliasPolicy(comptime K: usize, p: *const Parsed(K), ptrs: [K]?[*]u8, sizes: [K]usize, names: [K][]const u8) Error!bool {
    var threaded = true;
    const r0 = copy.Range.of(ptrs[0], sizes[0], p.offs[0], p.spans[0]);
    for (1..K) |k| {
        const rk = copy.Range.of(ptrs[k], sizes[k], p.offs[k], p.spans[k]);
        if (!r0.overlaps(rk)) continue;
        if (sameView(K, p, 0, k, r0, rk, sizes[0], sizes[k])) continue;
        if (p.spans[0] == p.numel and p.spans[k] == p.numel)
            return status.err(error.InvalidArgument, "{s} partially overlaps {s} (only the exact same view may alias)", .{ names[0], names[k] });
        threaded = false;
    }
    return threaded;
}

fn unaryImpl(op_code: u32, dtype_code: u32, n_in: i64, x: ?[*]u8, x_bytes: i64, x_off_in: i64, y: ?[*]u8, y_bytes: i64, y_off_in: i64, p0: f64, p1: f64) Error!void {
    const op = try unary.opFromCode(op_code);
    const dt = try check.dtype(dtype_code);
    if (!unary.supports(op, dt))
        return status.err(error.UnsupportedDtype, "unary op {s} does not support {s}", .{ @tagName(op), dt.name() });
    const n = try check.count(n_in, "n");
    const x_off = try check.count(x_off_in, "x offset");
    const y_off = try check.count(y_off_in, "y offset");
    const xb = try view(dt, x, x_bytes, x_off, n, "x");
    const yb = try view(dt, y, y_bytes, y_off, n, "y");
    if (n == 0) return;
    const rx = copy.Range.of(x, dt.size(), x_off, n);
    const ry = copy.Range.of(y, dt.size(), y_off, n);
    if (rx.overlaps(ry) and rx.lo != ry.lo)
        return status.err(error.InvalidArgument, "y partially overlaps x (only the exact same view may alias)", .{});
    try unary.run(op, dt, xb + x_off * dt.size(), yb + y_off * dt.size(), n, p0, p1);
}

pub export fn axon_unary(op: u32, dtype: u32, n: i64, x: ?[*]u8, x_bytes: i64, x_off: i64, y: ?[*]u8, y_bytes: i64, y_off: i64, p0: f64, p1: f64) i32 {
    return status.wrap(unaryImpl(op, dtype, n, x, x_bytes, x_off, y, y_bytes, y_off, p0, p1));
}

fn binaryImpl(op_code: u32, dtype_code: u32, meta: ?[*]const i64, meta_len: i64, out: ?[*]u8, out_bytes: i64, a: ?[*]u8, a_bytes: i64, b: ?[*]u8, b_bytes: i64) Error!void {
    const op = try binary.opFromCode(op_code);
    const dt = try check.dtype(dtype_code);
    if (!binary.supports(op, dt))
        return status.err(error.UnsupportedDtype, "binary op {s} does not support {s}", .{ @tagName(op), dt.name() });
    const out_dt = binary.outDtype(op, dt);
    const names = [3][]const u8{ "out", "a", "b" };
    const p = try parseMeta(3, meta, meta_len, names);
    const ob = try view(out_dt, out, out_bytes, p.offs[0], p.spans[0], "out");
    const ab = try view(dt, a, a_bytes, p.offs[1], p.spans[1], "a");
    const bb = try view(dt, b, b_bytes, p.offs[2], p.spans[2], "b");
    if (p.numel == 0) return;
    const threaded = try aliasPolicy(3, &p, .{ out, a, b }, .{ out_dt.size(), dt.size(), dt.size() }, names);
    try binary.binary(op, dt, p.layout, ob, ab, bb, p.offs, threaded);
}

pub export fn axon_binary(op: u32, dtype: u32, meta: ?[*]const i64, meta_len: i64, out: ?[*]u8, out_bytes: i64, a: ?[*]u8, a_bytes: i64, b: ?[*]u8, b_bytes: i64) i32 {
    return status.wrap(binaryImpl(op, dtype, meta, meta_len, out, out_bytes, a, a_bytes, b, b_bytes));
}

fn whereImpl(dtype_code: u32, meta: ?[*]const i64, meta_len: i64, out: ?[*]u8, out_bytes: i64, cond: ?[*]u8, cond_bytes: i64, a: ?[*]u8, a_bytes: i64, b: ?[*]u8, b_bytes: i64) Error!void {
    const dt = try check.dtype(dtype_code);
    const names = [4][]const u8{ "out", "cond", "a", "b" };
    const p = try parseMeta(4, meta, meta_len, names);
    const ob = try view(dt, out, out_bytes, p.offs[0], p.spans[0], "out");
    const cb = try view(.u8, cond, cond_bytes, p.offs[1], p.spans[1], "cond");
    const ab = try view(dt, a, a_bytes, p.offs[2], p.spans[2], "a");
    const bb = try view(dt, b, b_bytes, p.offs[3], p.spans[3], "b");
    if (p.numel == 0) return;
    const threaded = try aliasPolicy(4, &p, .{ out, cond, a, b }, .{ dt.size(), 1, dt.size(), dt.size() }, names);
    binary.where(dt, p.layout, ob, cb, ab, bb, p.offs, threaded);
}

pub export fn axon_where(dtype: u32, meta: ?[*]const i64, meta_len: i64, out: ?[*]u8, out_bytes: i64, cond: ?[*]u8, cond_bytes: i64, a: ?[*]u8, a_bytes: i64, b: ?[*]u8, b_bytes: i64) i32 {
    return status.wrap(whereImpl(dtype, meta, meta_len, out, out_bytes, cond, cond_bytes, a, a_bytes, b, b_bytes));
}

fn copyImpl(dst_code: u32, src_code: u32, meta: ?[*]const i64, meta_len: i64, dst: ?[*]u8, dst_bytes: i64, src: ?[*]u8, src_bytes: i64) Error!void {
    const ddt = try check.dtype(dst_code);
    const sdt = try check.dtype(src_code);
    const names = [2][]const u8{ "dst", "src" };
    const p = try parseMeta(2, meta, meta_len, names);
    const db = try view(ddt, dst, dst_bytes, p.offs[0], p.spans[0], "dst");
    const sb = try view(sdt, src, src_bytes, p.offs[1], p.spans[1], "src");
    if (p.numel == 0) return;
    const threaded = try aliasPolicy(2, &p, .{ dst, src }, .{ ddt.size(), sdt.size() }, names);
    copy.copyDyn(ddt, sdt, p.layout, db, p.offs[0], sb, p.offs[1], threaded);
}

pub export fn axon_copy(dst_dtype: u32, src_dtype: u32, meta: ?[*]const i64, meta_len: i64, dst: ?[*]u8, dst_bytes: i64, src: ?[*]u8, src_bytes: i64) i32 {
    return status.wrap(copyImpl(dst_dtype, src_dtype, meta, meta_len, dst, dst_bytes, src, src_bytes));
}

fn fillImpl(dtype_code: u32, n_in: i64, y: ?[*]u8, y_bytes: i64, y_off_in: i64, value: f64, step: f64, comptime is_arange: bool) Error!void {
    const dt = try check.dtype(dtype_code);
    const n = try check.count(n_in, "n");
    const off = try check.count(y_off_in, "y offset");
    switch (dt) {
        inline else => |D| {
            const T = copy.Storage(D);
            const buf = try check.buffer(T, y, y_bytes, off, n, "y");
            if (n == 0) return;
            const slice = buf[off .. off + n];
            if (is_arange) copy.arange(D, slice, value, step) else copy.fill(D, slice, value);
        },
    }
}

pub export fn axon_fill(dtype: u32, n: i64, y: ?[*]u8, y_bytes: i64, y_off: i64, value: f64) i32 {
    return status.wrap(fillImpl(dtype, n, y, y_bytes, y_off, value, 0, false));
}

pub export fn axon_arange(dtype: u32, n: i64, y: ?[*]u8, y_bytes: i64, y_off: i64, start: f64, step: f64) i32 {
    return status.wrap(fillImpl(dtype, n, y, y_bytes, y_off, start, step, true));
}

// ---------------------------------------------------------------------------------------------
// tests (through the C ABI)

const testing = std.testing;

fn bytesOf(s: anytype) i64 {
    return @intCast(std.mem.sliceAsBytes(s).len);
}

fn raw(s: anytype) ?[*]u8 {
    return @ptrCast(s.ptr);
}

test "axon_unary validates codes, sizes, bounds and overlap" {
    var x = [_]f32{ 1, 4, 9, 16 };
    var y: [4]f32 = undefined;
    try testing.expectEqual(@as(i32, 0), axon_unary(3, 0, 4, raw(&x), 16, 0, raw(&y), 16, 0, 0, 0));
    try testing.expectEqualSlices(f32, &.{ 1, 2, 3, 4 }, &y);
    try testing.expectEqual(@as(i32, -1), axon_unary(99, 0, 4, raw(&x), 16, 0, raw(&y), 16, 0, 0, 0));
    try testing.expectEqual(@as(i32, -4), axon_unary(3, 77, 4, raw(&x), 16, 0, raw(&y), 16, 0, 0, 0));
    var xi = [_]i32{ 1, 4 };
    try testing.expectEqual(@as(i32, -4), axon_unary(3, 4, 2, raw(&xi), 8, 0, raw(&xi), 8, 0, 0, 0));
    try testing.expectEqualStrings("unary op sqrt does not support i32", status.lastMessage());
    try testing.expectEqual(@as(i32, -2), axon_unary(3, 0, 4, raw(&x), 16, 1, raw(&y), 16, 0, 0, 0));
    try testing.expectEqual(@as(i32, -2), axon_unary(3, 0, 4, raw(&x), 12, 0, raw(&y), 16, 0, 0, 0));
    try testing.expectEqual(@as(i32, -1), axon_unary(3, 0, -1, raw(&x), 16, 0, raw(&y), 16, 0, 0, 0));
    try testing.expectEqual(@as(i32, -1), axon_unary(3, 0, 2, raw(&x), 16, -1, raw(&y), 16, 0, 0, 0));
    try testing.expectEqual(@as(i32, -1), axon_unary(3, 0, 2, null, 16, 0, raw(&y), 16, 0, 0, 0));
    try testing.expectEqual(@as(i32, -2), axon_unary(3, 0, std.math.maxInt(i64), raw(&x), 16, 1, raw(&y), 16, 0, 0, 0));
    // partial overlap rejected, exact alias fine, empty fine
    try testing.expectEqual(@as(i32, -1), axon_unary(0, 0, 3, raw(&x), 16, 0, raw(&x), 16, 1, 0, 0));
    try testing.expectEqual(@as(i32, 0), axon_unary(0, 0, 3, raw(&x), 16, 1, raw(&x), 16, 1, 0, 0));
    try testing.expectEqualSlices(f32, &.{ 1, -4, -9, -16 }, &x);
    try testing.expectEqual(@as(i32, 0), axon_unary(0, 0, 0, null, 0, 0, null, 0, 0, 0, 0));
}

test "axon_binary: broadcasting through meta, comparisons to u8, rejections" {
    var a = [_]f32{ 1, 2, 3, 4, 5, 6 };
    var b = [_]f32{ 10, 20, 30 };
    var out: [6]f32 = undefined;
    // [2,3] + row [3]
    var meta = [_]i64{ 2, 2, 3, 0, 3, 1, 0, 3, 1, 0, 0, 1 };
    try testing.expectEqual(@as(i32, 0), axon_binary(0, 0, &meta, meta.len, raw(&out), bytesOf(&out), raw(&a), bytesOf(&a), raw(&b), bytesOf(&b)));
    try testing.expectEqualSlices(f32, &.{ 11, 22, 33, 14, 25, 36 }, &out);
    var cmp: [6]u8 = undefined;
    try testing.expectEqual(@as(i32, 0), axon_binary(11, 0, &meta, meta.len, raw(&cmp), 6, raw(&a), bytesOf(&a), raw(&a), bytesOf(&a)));
    try testing.expectEqualSlices(u8, &.{ 0, 0, 0, 1, 1, 1 }, &cmp); // a > row 0 of a
    // comparison output must be sized as u8: 6 bytes is enough, 5 is not
    try testing.expectEqual(@as(i32, -2), axon_binary(11, 0, &meta, meta.len, raw(&cmp), 5, raw(&a), bytesOf(&a), raw(&a), bytesOf(&a)));
    // b stride 1 on the outer dim reads past b
    var bad_meta = [_]i64{ 2, 2, 3, 0, 3, 1, 0, 3, 1, 0, 1, 1 };
    try testing.expectEqual(@as(i32, -2), axon_binary(0, 0, &bad_meta, bad_meta.len, raw(&out), bytesOf(&out), raw(&a), bytesOf(&a), raw(&b), bytesOf(&b)));
    var neg_meta = [_]i64{ 2, 2, 3, 0, 3, 1, 0, 3, 1, 0, -1, 1 };
    try testing.expectEqual(@as(i32, -1), axon_binary(0, 0, &neg_meta, neg_meta.len, raw(&out), bytesOf(&out), raw(&a), bytesOf(&a), raw(&b), bytesOf(&b)));
    try testing.expectEqual(@as(i32, -1), axon_binary(0, 0, &meta, meta.len - 1, raw(&out), bytesOf(&out), raw(&a), bytesOf(&a), raw(&b), bytesOf(&b)));
    var big_ndim = [_]i64{17};
    try testing.expectEqual(@as(i32, -1), axon_binary(0, 0, &big_ndim, 1, raw(&out), bytesOf(&out), raw(&a), bytesOf(&a), raw(&b), bytesOf(&b)));
    try testing.expectEqual(@as(i32, -1), axon_binary(18, 0, &meta, meta.len, raw(&out), bytesOf(&out), raw(&a), bytesOf(&a), raw(&b), bytesOf(&b)));
    // activation gradients (13-17): float only; relu_backward(grad = a, x = b) = b > 0 ? a : 0
    try testing.expectEqual(@as(i32, 0), axon_binary(13, 0, &meta, meta.len, raw(&out), bytesOf(&out), raw(&a), bytesOf(&a), raw(&b), bytesOf(&b)));
    try testing.expectEqualSlices(f32, &.{ 1, 2, 3, 4, 5, 6 }, &out);
    var ai32 = [_]i32{ 1, 2, 3, 4, 5, 6 };
    try testing.expectEqual(@as(i32, -4), axon_binary(17, 4, &meta, meta.len, raw(&ai32), 24, raw(&ai32), 24, raw(&ai32), 24));
    try testing.expectEqualStrings("binary op tanh_backward does not support i32", status.lastMessage());
    try testing.expectEqual(@as(i32, -4), axon_binary(0, 5, &meta, meta.len, raw(&out), bytesOf(&out), raw(&a), bytesOf(&a), raw(&b), bytesOf(&b)));
    var ovf = [_]i64{ 2, 1 << 40, 1 << 40, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
    try testing.expectEqual(@as(i32, -3), axon_binary(0, 0, &ovf, ovf.len, raw(&out), bytesOf(&out), raw(&a), bytesOf(&a), raw(&b), bytesOf(&b)));
    // ndim 0: one element, offsets only
    var scalar_meta = [_]i64{ 0, 5, 2, 1 };
    try testing.expectEqual(@as(i32, 0), axon_binary(2, 0, &scalar_meta, 4, raw(&out), bytesOf(&out), raw(&a), bytesOf(&a), raw(&b), bytesOf(&b)));
    try testing.expectEqual(@as(f32, 60), out[5]);
    // in place a += b (row), exact same view
    try testing.expectEqual(@as(i32, 0), axon_binary(0, 0, &meta, meta.len, raw(&a), bytesOf(&a), raw(&a), bytesOf(&a), raw(&b), bytesOf(&b)));
    try testing.expectEqualSlices(f32, &.{ 11, 22, 33, 14, 25, 36 }, &a);
    // dense partial overlap rejected: out = a shifted by one element
    var m1 = [_]i64{ 1, 3, 1, 1, 0, 1, 0, 0 };
    try testing.expectEqual(@as(i32, -1), axon_binary(0, 0, &m1, m1.len, raw(&a), bytesOf(&a), raw(&a), bytesOf(&a), raw(&b), bytesOf(&b)));
    // interleaved strided views of one buffer: allowed (single thread)
    var m2 = [_]i64{ 1, 3, 0, 2, 1, 2, 0, 0 };
    try testing.expectEqual(@as(i32, 0), axon_binary(0, 0, &m2, m2.len, raw(&a), bytesOf(&a), raw(&a), bytesOf(&a), raw(&b), bytesOf(&b)));
    try testing.expectEqualSlices(f32, &.{ 32, 22, 24, 14, 46, 36 }, &a);
    // integer division by zero
    var ia = [_]i32{ 1, 2, 3 };
    var ib = [_]i32{ 1, 0, 3 };
    var io: [3]i32 = undefined;
    var m3 = [_]i64{ 1, 3, 0, 1, 0, 1, 0, 1 };
    try testing.expectEqual(@as(i32, -1), axon_binary(3, 4, &m3, m3.len, raw(&io), 12, raw(&ia), 12, raw(&ib), 12));
    try testing.expectEqualStrings("integer division by zero", status.lastMessage());
}

test "axon_where, axon_copy, axon_fill, axon_arange" {
    var cond = [_]u8{ 0, 1 };
    var a = [_]i32{ 1, 2, 3, 4 };
    var b = [_]i32{ -1, -2 };
    var out: [4]i32 = undefined;
    // shape [2,2]; cond broadcast over rows (stride [0,1]); b broadcast over columns (stride [1,0])
    var meta = [_]i64{ 2, 2, 2, 0, 2, 1, 0, 0, 1, 0, 2, 1, 0, 1, 0 };
    try testing.expectEqual(@as(i32, 0), axon_where(4, &meta, meta.len, raw(&out), 16, raw(&cond), 2, raw(&a), 16, raw(&b), 8));
    try testing.expectEqualSlices(i32, &.{ -1, 2, -2, 4 }, &out);
    try testing.expectEqual(@as(i32, -2), axon_where(4, &meta, meta.len, raw(&out), 16, raw(&cond), 1, raw(&a), 16, raw(&b), 8));

    // transpose-copy f32 [2,3] -> f64 [3,2]
    var src = [_]f32{ 1, 2, 3, 4, 5, 6 };
    var dst: [6]f64 = undefined;
    var cm = [_]i64{ 2, 3, 2, 0, 2, 1, 0, 1, 3 };
    try testing.expectEqual(@as(i32, 0), axon_copy(1, 0, &cm, cm.len, raw(&dst), 48, raw(&src), 24));
    try testing.expectEqualSlices(f64, &.{ 1, 4, 2, 5, 3, 6 }, &dst);
    try testing.expectEqual(@as(i32, -2), axon_copy(1, 0, &cm, cm.len, raw(&dst), 47, raw(&src), 24));
    try testing.expectEqual(@as(i32, -4), axon_copy(9, 0, &cm, cm.len, raw(&dst), 48, raw(&src), 24));
    var u: [6]u8 = undefined;
    var neg = [_]f32{ -1, 256.5, 300, std.math.nan(f32), -129, 1e10 };
    var cm2 = [_]i64{ 1, 6, 0, 1, 0, 1 };
    try testing.expectEqual(@as(i32, 0), axon_copy(6, 0, &cm2, cm2.len, raw(&u), 6, raw(&neg), 24));
    try testing.expectEqualSlices(u8, &.{ 255, 0, 44, 0, 127, 0 }, &u);
    // misaligned pointer rejected
    const mis: ?[*]u8 = @ptrCast(@as([*]u8, @ptrCast(&dst)) + 1);
    try testing.expectEqual(@as(i32, -1), axon_copy(1, 0, &cm2, cm2.len, mis, 40, raw(&neg), 24));

    var f: [5]f32 = undefined;
    try testing.expectEqual(@as(i32, 0), axon_fill(0, 3, raw(&f), 20, 2, 1.5));
    try testing.expectEqualSlices(f32, &.{ 1.5, 1.5, 1.5 }, f[2..]);
    try testing.expectEqual(@as(i32, -2), axon_fill(0, 4, raw(&f), 20, 2, 1.5));
    try testing.expectEqual(@as(i32, 0), axon_arange(4, 3, raw(&out), 16, 1, 5, -2));
    try testing.expectEqualSlices(i32, &.{ 5, 3, 1 }, out[1..]);
    try testing.expectEqual(@as(i32, -4), axon_arange(42, 3, raw(&out), 16, 1, 5, -2));
}
