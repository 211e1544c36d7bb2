//! Broadcasting binary kernels and `where` over strided views (see zig/ABI.md).
//!
//! Layout: a shape plus per-operand element strides (0 = broadcast), coalesced, then walked row by
//! row along the innermost dim in SIMD chunks: contiguous operands are loaded directly, broadcast
//! ones splatted, others gathered; the tail goes through a padded vector so body and tail share
//! one definition of every op.
//!
//! Semantics: floats follow IEEE (maximum/minimum propagate NaN as torch.maximum); pow is std pow
//! computed in f64 and rounded. Integers wrap (add/sub/mul/neg), `div` truncates toward zero
//! (i32 minimum / -1 wraps to the minimum), and division by zero or a negative integer exponent
//! makes the kernel return InvalidArgument after finishing (the output is then unspecified).
//! Comparisons write u8 0/1. The output may be the exact same view as an input (in place).
const std = @import("std");
const status = @import("../status.zig");
const pool = @import("pool.zig");
const copy = @import("copy.zig");
const unary = @import("unary.zig");
const half16 = @import("half.zig");
const Error = status.Error;
const DType = copy.DType;

pub const Op = enum(u32) {
    add = 0,
    sub = 1,
    mul = 2,
    div = 3,
    pow = 4,
    maximum = 5,
    minimum = 6,
    eq = 7,
    ne = 8,
    lt = 9,
    le = 10,
    gt = 11,
    ge = 12,
    // Activation gradients (float only): a = upstream gradient, b = the forward input x
    // (relu, gelu, gelu_tanh) or the forward output y (sigmoid, tanh).
    relu_backward = 13,
    gelu_backward = 14,
    gelu_tanh_backward = 15,
    sigmoid_backward = 16,
    tanh_backward = 17,
};

pub fn opFromCode(code: u32) Error!Op {
    return std.meta.intToEnum(Op, code) catch
        status.err(error.InvalidArgument, "unknown binary op code {d}", .{code});
}

pub fn isComparison(op: Op) bool {
    return @intFromEnum(op) >= @intFromEnum(Op.eq) and @intFromEnum(op) <= @intFromEnum(Op.ge);
}

/// The activation-gradient ops (13–17), defined for floats only.
pub fn isActivationGrad(op: Op) bool {
    return @intFromEnum(op) >= @intFromEnum(Op.relu_backward);
}

pub fn supports(op: Op, dt: DType) bool {
    return switch (dt) {
        .f32, .f64, .f16, .bf16 => true,
        .i32, .u8 => !isActivationGrad(op),
        else => false,
    };
}

/// dtype of the output of `op` on inputs of `dt`.
pub fn outDtype(op: Op, dt: DType) DType {
    return if (isComparison(op)) .u8 else dt;
}

fn Out(comptime op: Op, comptime T: type) type {
    return if (isComparison(op)) u8 else T;
}

fn powInt(comptime T: type, base: T, e: T) T {
    var result: T = 1;
    var b = base;
    var k = e;
    while (k > 0) : (k >>= 1) {
        if (k & 1 != 0) result *%= b;
        b *%= b;
    }
    return result;
}

const sqrt_2_over_pi: f64 = 0.7978845608028654;
const inv_sqrt_2pi: f64 = 0.3989422804014327;
const gelu_kappa: f64 = 0.044715;

/// d/dx gelu(x) = Φ(x) + x·φ(x) (erf form), in f64 lanes. Φ comes from erfc(|x|/√2) (no
/// cancellation in the negative tail); x² is exact for f32 inputs, so φ keeps full accuracy.
/// ±inf give NaN (inf·0), as PyTorch.
fn geluGrad(x: anytype) @TypeOf(x) {
    const W = @TypeOf(x);
    const e = unary.verfcHalf(@abs(x));
    const half: W = @splat(0.5);
    const cdf = @select(f64, x >= @as(W, @splat(0)), @as(W, @splat(1)) - half * e, half * e);
    const pdf = unary.vexp(-half * x * x) * @as(W, @splat(inv_sqrt_2pi));
    return @select(f64, x != x, x, @mulAdd(W, x, pdf, cdf));
}

/// Derivative of PyTorch's approximate="tanh" gelu 0.5·x·(1 + tanh u), u = √(2/π)(x + κx³):
/// 0.5(1 + tanh u) + 0.5·x·(1 − tanh²u)·√(2/π)(1 + 3κx²), with 0.5(1 + tanh u) = σ(2u) and
/// 1 − tanh²u = 4σ(2u)σ(−2u) formed from e^(−2|u|) (no cancellation in either tail).
fn geluTanhGrad(x: anytype) @TypeOf(x) {
    const W = @TypeOf(x);
    const one: W = @splat(1);
    const x2 = x * x;
    const u = @as(W, @splat(sqrt_2_over_pi)) * x * @mulAdd(W, @as(W, @splat(gelu_kappa)), x2, one);
    const a = unary.vexp(@as(W, @splat(-2)) * @abs(u));
    const s_big = one / (one + a); // σ(2|u|)
    const s_small = a * s_big; //     σ(−2|u|)
    const left = @select(f64, u >= @as(W, @splat(0)), s_big, s_small);
    const sech2 = @as(W, @splat(4)) * s_big * s_small;
    const du = @as(W, @splat(sqrt_2_over_pi)) * @mulAdd(W, @as(W, @splat(3 * gelu_kappa)), x2, one);
    return @mulAdd(W, @as(W, @splat(0.5)) * x, sech2 * du, left);
}

/// One SIMD chunk of `op`; sets `bad.*` for integer division by zero / negative exponents.
inline fn vecOp(comptime op: Op, comptime T: type, comptime N: usize, a: @Vector(N, T), b: @Vector(N, T), bad: *bool) @Vector(N, Out(op, T)) {
    const V = @Vector(N, T);
    const is_float = @typeInfo(T) == .float;
    if (comptime isComparison(op)) {
        const m = switch (op) {
            .eq => a == b,
            .ne => a != b,
            .lt => a < b,
            .le => a <= b,
            .gt => a > b,
            .ge => a >= b,
            else => unreachable,
        };
        return @select(u8, m, @as(@Vector(N, u8), @splat(1)), @as(@Vector(N, u8), @splat(0)));
    }
    if (is_float) {
        const zero: V = @splat(0);
        const one: V = @splat(1);
        const Wv = @Vector(N, f64);
        return switch (op) {
            // PyTorch's threshold_backward(grad, x, 0) except that a NaN x gives 0 (ABI: b > 0 ? a : 0)
            .relu_backward => @select(T, b <= zero, zero, a), // PyTorch threshold_backward: NaN passes the gradient
            .sigmoid_backward => a * (one - b) * b,
            // 1 − y² without cancellation near |y| = 1: exact in f64 for f32 inputs, an FMA for f64
            .tanh_backward => blk: {
                if (T == f64) break :blk a * @mulAdd(V, -b, b, one);
                const wb: Wv = @floatCast(b);
                const wa: Wv = @floatCast(a);
                break :blk @floatCast(wa * (@as(Wv, @splat(1)) - wb * wb));
            },
            .gelu_backward, .gelu_tanh_backward => blk: {
                const wb: Wv = if (T == f64) b else @floatCast(b);
                const wa: Wv = if (T == f64) a else @floatCast(a);
                const d = if (op == .gelu_backward) geluGrad(wb) else geluTanhGrad(wb);
                const r = wa * d;
                break :blk if (T == f64) r else @floatCast(r);
            },
            .add => a + b,
            .sub => a - b,
            .mul => a * b,
            .div => a / b,
            .maximum => @select(T, a != a, a, @select(T, b != b, b, @max(a, b))),
            .minimum => @select(T, a != a, a, @select(T, b != b, b, @min(a, b))),
            .pow => blk: {
                var r: [N]T = undefined;
                const aa: [N]T = a;
                const ba: [N]T = b;
                for (0..N) |i| r[i] = @floatCast(std.math.pow(f64, aa[i], ba[i]));
                break :blk r;
            },
            else => unreachable,
        };
    }
    const zero: V = @splat(0);
    const one: V = @splat(1);
    return switch (op) {
        .add => a +% b,
        .sub => a -% b,
        .mul => a *% b,
        .maximum => @max(a, b),
        .minimum => @min(a, b),
        .div => blk: {
            const z = b == zero;
            if (@reduce(.Or, z)) bad.* = true;
            if (@typeInfo(T).int.signedness == .signed) {
                const m1 = b == zero -% one;
                const safe = @select(T, z, one, @select(T, m1, one, b));
                break :blk @select(T, m1, zero -% a, @divTrunc(a, safe));
            }
            break :blk @divTrunc(a, @select(T, z, one, b));
        },
        .pow => blk: {
            if (@typeInfo(T).int.signedness == .signed and @reduce(.Or, b < zero)) bad.* = true;
            var r: [N]T = undefined;
            const aa: [N]T = a;
            const ba: [N]T = b;
            for (0..N) |i| r[i] = powInt(T, aa[i], ba[i]);
            break :blk r;
        },
        else => unreachable,
    };
}

inline fn load(comptime T: type, comptime N: usize, p: [*]const T, stride: usize) @Vector(N, T) {
    if (stride == 1) return p[0..N].*;
    if (stride == 0) return @splat(p[0]);
    var r: [N]T = undefined;
    for (0..N) |i| r[i] = p[i * stride];
    return r;
}

inline fn store(comptime T: type, comptime N: usize, p: [*]T, stride: usize, v: @Vector(N, T)) void {
    if (stride == 1) {
        p[0..N].* = v;
        return;
    }
    const arr: [N]T = v;
    for (0..N) |i| p[i * stride] = arr[i];
}

/// The ragged end of a row (the `len - i < N` elements from `i`): gathered into one vector padded
/// with `one`, a value no op rejects, computed by `compute` like a full vector, scattered back.
inline fn raggedTail(comptime T: type, comptime O: type, comptime N: usize, out: [*]O, a: [*]const T, b: [*]const T, st: [3]usize, i: usize, len: usize, one: T, bad: *bool, comptime compute: anytype) void {
    if (i >= len) return;
    const rest = len - i;
    var ta: [N]T = @splat(one);
    var tb: [N]T = @splat(one);
    for (0..rest) |j| {
        ta[j] = a[(i + j) * st[1]];
        tb[j] = b[(i + j) * st[2]];
    }
    const r: [N]O = compute(ta, tb, bad);
    for (0..rest) |j| out[(i + j) * st[0]] = r[j];
}

fn BinArgs(comptime op: Op, comptime T: type) type {
    return struct {
        layout: copy.Layout(3),
        out: [*]Out(op, T),
        a: [*]const T,
        b: [*]const T,
        offs: [3]usize,
        bad: *std.atomic.Value(bool),
    };
}

fn binaryRow(comptime op: Op, comptime T: type) fn (*const BinArgs(op, T), [3]usize, usize) void {
    return struct {
        const N = copy.lanes(T);
        const O = Out(op, T);
        inline fn compute(x: @Vector(N, T), y: @Vector(N, T), bad: *bool) @Vector(N, O) {
            return vecOp(op, T, N, x, y, bad);
        }
        fn row(args: *const BinArgs(op, T), offs: [3]usize, len: usize) void {
            const st = args.layout.innerStrides();
            const out = args.out + offs[0];
            const a = args.a + offs[1];
            const b = args.b + offs[2];
            var bad = false;
            var i: usize = 0;
            if (st[0] == 1 and st[1] == 1 and st[2] == 1) {
                while (i + N <= len) : (i += N) out[i..][0..N].* = vecOp(op, T, N, a[i..][0..N].*, b[i..][0..N].*, &bad);
            } else if (st[0] == 1 and st[1] == 1 and st[2] == 0) {
                const vb: @Vector(N, T) = @splat(b[0]);
                while (i + N <= len) : (i += N) out[i..][0..N].* = vecOp(op, T, N, a[i..][0..N].*, vb, &bad);
            } else if (st[0] == 1 and st[1] == 0 and st[2] == 1) {
                const va: @Vector(N, T) = @splat(a[0]);
                while (i + N <= len) : (i += N) out[i..][0..N].* = vecOp(op, T, N, va, b[i..][0..N].*, &bad);
            } else {
                while (i + N <= len) : (i += N) {
                    const r = vecOp(op, T, N, load(T, N, a + i * st[1], st[1]), load(T, N, b + i * st[2], st[2]), &bad);
                    store(O, N, out + i * st[0], st[0], r);
                }
            }
            raggedTail(T, O, N, out, a, b, st, i, len, 1, &bad, compute);
            if (bad) args.bad.store(true, .monotonic);
        }
    }.row;
}

/// 16-bit floats: vectors widened to f32, the f32 definition of the op, one rounding
/// (zig/cpu/half.zig) — the bits of the f32 op on the widened inputs followed by a cast.
fn halfRow(comptime op: Op, comptime fmt: half16.Format) fn (*const BinArgs(op, u16), [3]usize, usize) void {
    return struct {
        const N = copy.lanes(f32);
        const O = Out(op, u16);
        inline fn compute(a: @Vector(N, u16), b: @Vector(N, u16), bad: *bool) @Vector(N, O) {
            const r = vecOp(op, f32, N, half16.toF32V(fmt, N, a), half16.toF32V(fmt, N, b), bad);
            return if (comptime isComparison(op)) r else half16.fromF32V(fmt, N, r);
        }
        fn row(args: *const BinArgs(op, u16), offs: [3]usize, len: usize) void {
            const st = args.layout.innerStrides();
            const out = args.out + offs[0];
            const a = args.a + offs[1];
            const b = args.b + offs[2];
            var bad = false;
            var i: usize = 0;
            while (i + N <= len) : (i += N) {
                store(O, N, out + i * st[0], st[0], compute(load(u16, N, a + i * st[1], st[1]), load(u16, N, b + i * st[2], st[2]), &bad));
            }
            raggedTail(u16, O, N, out, a, b, st, i, len, comptime half16.fromF32(fmt, 1), &bad, compute);
        }
    }.row;
}

/// `out = op(a, b)` over `layout` (strides[0] = out, [1] = a, [2] = b) with element offsets `offs`.
/// `threaded = false` keeps everything on the calling thread (used for partially overlapping views).
pub fn binary(op: Op, dt: DType, layout: copy.Layout(3), out: [*]u8, a: [*]const u8, b: [*]const u8, offs: [3]usize, threaded: bool) Error!void {
    if (!supports(op, dt))
        return status.err(error.UnsupportedDtype, "binary op {s} does not support {s}", .{ @tagName(op), dt.name() });
    var bad = std.atomic.Value(bool).init(false);
    switch (dt) {
        inline .f32, .f64, .i32, .u8, .f16, .bf16 => |D| {
            // 16-bit floats travel as their bits (u16) and take the widening row.
            const T = if (D == .f16 or D == .bf16) u16 else copy.Storage(D);
            switch (op) {
                inline else => |o| {
                    if (comptime isActivationGrad(o) and !(D == .f32 or D == .f64 or D == .f16 or D == .bf16)) unreachable;
                    const row = comptime switch (D) {
                        .f16 => halfRow(o, .f16),
                        .bf16 => halfRow(o, .bf16),
                        else => binaryRow(o, T),
                    };
                    const Args = BinArgs(o, T);
                    const args = Args{
                        .layout = layout.coalesce(),
                        .out = @ptrCast(@alignCast(out)),
                        .a = @ptrCast(@alignCast(a)),
                        .b = @ptrCast(@alignCast(b)),
                        .offs = offs,
                        .bad = &bad,
                    };
                    const Body = struct {
                        fn run(p: *const Args, begin: usize, end: usize) void {
                            p.layout.forRows(p.offs, begin, end, p, row);
                        }
                    };
                    const n = args.layout.numel();
                    const chunk = if (o == .pow or o == .div or o == .gelu_backward or o == .gelu_tanh_backward) copy.min_chunk_costly else copy.min_chunk_cheap;
                    if (threaded) pool.parallelFor(n, chunk, &args, Body.run) else Body.run(&args, 0, n);
                },
            }
        },
        else => unreachable,
    }
    if (bad.load(.monotonic)) {
        return if (op == .div)
            status.err(error.InvalidArgument, "integer division by zero", .{})
        else
            status.err(error.InvalidArgument, "integer pow with a negative exponent", .{});
    }
}

// ---------------------------------------------------------------------------------------------
// where

fn WhereArgs(comptime T: type) type {
    return struct {
        layout: copy.Layout(4),
        out: [*]T,
        cond: [*]const u8,
        a: [*]const T,
        b: [*]const T,
        offs: [4]usize,
    };
}

fn whereRow(comptime T: type) fn (*const WhereArgs(T), [4]usize, usize) void {
    return struct {
        const N = copy.lanes(T);
        fn row(args: *const WhereArgs(T), offs: [4]usize, len: usize) void {
            const st = args.layout.innerStrides();
            const out = args.out + offs[0];
            const c = args.cond + offs[1];
            const a = args.a + offs[2];
            const b = args.b + offs[3];
            var i: usize = 0;
            const zero: @Vector(N, u8) = @splat(0);
            while (i + N <= len) : (i += N) {
                const m = load(u8, N, c + i * st[1], st[1]) != zero;
                const r = @select(T, m, load(T, N, a + i * st[2], st[2]), load(T, N, b + i * st[3], st[3]));
                store(T, N, out + i * st[0], st[0], r);
            }
            while (i < len) : (i += 1) {
                out[i * st[0]] = if (c[i * st[1]] != 0) a[i * st[2]] else b[i * st[3]];
            }
        }
    }.row;
}

/// `out = cond ? a : b` for any dtype (a bit-level selection by element size).
pub fn where(dt: DType, layout: copy.Layout(4), out: [*]u8, cond: [*]const u8, a: [*]const u8, b: [*]const u8, offs: [4]usize, threaded: bool) void {
    switch (dt.size()) {
        inline 1, 2, 4, 8 => |size| {
            const T = std.meta.Int(.unsigned, size * 8);
            const Args = WhereArgs(T);
            const args = Args{
                .layout = layout.coalesce(),
                .out = @ptrCast(@alignCast(out)),
                .cond = cond,
                .a = @ptrCast(@alignCast(a)),
                .b = @ptrCast(@alignCast(b)),
                .offs = offs,
            };
            const Body = struct {
                fn run(p: *const Args, begin: usize, end: usize) void {
                    p.layout.forRows(p.offs, begin, end, p, whereRow(T));
                }
            };
            const n = args.layout.numel();
            if (threaded) pool.parallelFor(n, copy.min_chunk_cheap, &args, Body.run) else Body.run(&args, 0, n);
        },
        else => unreachable,
    }
}

// ---------------------------------------------------------------------------------------------
// tests

const testing = std.testing;

fn refOp(comptime T: type, op: Op, a: T, b: T) f64 {
    const is_float = @typeInfo(T) == .float;
    const t = struct {
        fn f(v: bool) f64 {
            return if (v) 1 else 0;
        }
    }.f;
    if (is_float) {
        const r: T = switch (op) {
            .add => a + b,
            .sub => a - b,
            .mul => a * b,
            .div => a / b,
            .pow => @floatCast(std.math.pow(f64, a, b)),
            .maximum => if (std.math.isNan(a) or std.math.isNan(b)) std.math.nan(T) else @max(a, b),
            .minimum => if (std.math.isNan(a) or std.math.isNan(b)) std.math.nan(T) else @min(a, b),
            .eq => return t(a == b),
            .ne => return t(a != b),
            .lt => return t(a < b),
            .le => return t(a <= b),
            .gt => return t(a > b),
            .ge => return t(a >= b),
            .relu_backward, .gelu_backward, .gelu_tanh_backward, .sigmoid_backward, .tanh_backward => unreachable,
        };
        return r;
    }
    const r: T = switch (op) {
        .add => a +% b,
        .sub => a -% b,
        .mul => a *% b,
        .div => if (b == 0) 0 else if (@typeInfo(T).int.signedness == .signed and b == -1) 0 -% a else @divTrunc(a, b),
        .pow => powInt(T, a, b),
        .maximum => @max(a, b),
        .minimum => @min(a, b),
        .eq => return t(a == b),
        .ne => return t(a != b),
        .lt => return t(a < b),
        .le => return t(a <= b),
        .gt => return t(a > b),
        .ge => return t(a >= b),
        .relu_backward, .gelu_backward, .gelu_tanh_backward, .sigmoid_backward, .tanh_backward => unreachable,
    };
    return @floatFromInt(r);
}

fn layoutN(comptime K: usize, shape: []const usize, strides: [K][]const usize) copy.Layout(K) {
    var l: copy.Layout(K) = .{ .ndim = shape.len };
    for (shape, 0..) |n, d| {
        l.shape[d] = n;
        for (0..K) |k| l.strides[k][d] = strides[k][d];
    }
    return l;
}

/// Runs `op` over the layout and compares each element with a scalar reference at its N-d index.
fn checkBinary(comptime T: type, op: Op, l: copy.Layout(3), offs: [3]usize, a: []const T, b: []const T, threaded: bool) !void {
    var out: [4096 * @sizeOf(T)]u8 align(8) = undefined;
    const typed: [*]T = @ptrCast(&out);
    const dt: DType = switch (T) {
        f32 => .f32,
        f64 => .f64,
        i32 => .i32,
        u8 => .u8,
        else => unreachable,
    };
    try binary(op, dt, l, @ptrCast(&out), @ptrCast(a.ptr), @ptrCast(b.ptr), offs, threaded);
    const n = l.numel();
    var idx: [copy.max_dims]usize = .{0} ** copy.max_dims;
    for (0..n) |_| {
        var o: [3]usize = offs;
        for (0..l.ndim) |d| for (0..3) |k| {
            o[k] += idx[d] * l.strides[k][d];
        };
        const want = refOp(T, op, a[o[1]], b[o[2]]);
        const got: f64 = if (isComparison(op)) @floatFromInt(out[o[0]]) else if (@typeInfo(T) == .float) typed[o[0]] else @floatFromInt(typed[o[0]]);
        if (!(got == want or (std.math.isNan(got) and std.math.isNan(want)))) {
            std.debug.print("{s} {s}: got {d} want {d}\n", .{ @tagName(op), @typeName(T), got, want });
            return error.TestUnexpectedResult;
        }
        var d = l.ndim;
        while (d > 0) {
            d -= 1;
            idx[d] += 1;
            if (idx[d] < l.shape[d]) break;
            idx[d] = 0;
        }
    }
}

test "binary broadcasting: same shape, scalar, row, column, 4-D mixed, permuted" {
    var a: [512]f32 = undefined;
    var b: [512]f32 = undefined;
    for (&a, &b, 0..) |*x, *y, i| {
        x.* = @as(f32, @floatFromInt(i % 23)) * 0.75 - 7;
        y.* = @as(f32, @floatFromInt(i % 17)) * -0.5 + 3;
    }
    a[5] = std.math.nan(f32);
    b[9] = std.math.nan(f32);
    a[11] = std.math.inf(f32);
    b[1] = -0.0;
    const cases = [_]struct { shape: []const usize, so: []const usize, sa: []const usize, sb: []const usize }{
        .{ .shape = &.{37}, .so = &.{1}, .sa = &.{1}, .sb = &.{1} },
        .{ .shape = &.{37}, .so = &.{1}, .sa = &.{1}, .sb = &.{0} },
        .{ .shape = &.{37}, .so = &.{1}, .sa = &.{0}, .sb = &.{1} },
        .{ .shape = &.{ 5, 19 }, .so = &.{ 19, 1 }, .sa = &.{ 19, 1 }, .sb = &.{ 0, 1 } }, // row
        .{ .shape = &.{ 5, 19 }, .so = &.{ 19, 1 }, .sa = &.{ 19, 1 }, .sb = &.{ 1, 0 } }, // column
        .{ .shape = &.{ 2, 3, 4, 5 }, .so = &.{ 60, 20, 5, 1 }, .sa = &.{ 0, 20, 0, 1 }, .sb = &.{ 4, 0, 1, 0 } },
        .{ .shape = &.{ 6, 7 }, .so = &.{ 7, 1 }, .sa = &.{ 1, 6 }, .sb = &.{ 14, 2 } }, // transposed a, strided b
        .{ .shape = &.{ 6, 7 }, .so = &.{ 1, 6 }, .sa = &.{ 7, 1 }, .sb = &.{ 7, 1 } }, // transposed out
        .{ .shape = &.{ 1, 1 }, .so = &.{ 1, 1 }, .sa = &.{ 0, 0 }, .sb = &.{ 5, 5 } }, // scalar
        .{ .shape = &.{ 3, 0 }, .so = &.{ 1, 1 }, .sa = &.{ 1, 1 }, .sb = &.{ 1, 1 } }, // empty
    };
    for (cases) |c| {
        const l = layoutN(3, c.shape, .{ c.so, c.sa, c.sb });
        for (0..13) |code| {
            try checkBinary(f32, @enumFromInt(code), l, .{ 3, 2, 1 }, &a, &b, true);
        }
    }
    var ai: [512]i32 = undefined;
    var bi: [512]i32 = undefined;
    for (&ai, &bi, 0..) |*x, *y, i| {
        x.* = @as(i32, @intCast(i % 29)) * 123457 - 1700000;
        y.* = @as(i32, @intCast(i % 13)) - 5;
        if (y.* == 0) y.* = 3;
    }
    ai[0] = std.math.minInt(i32);
    bi[0] = -1;
    ai[1] = std.math.maxInt(i32);
    var au: [512]u8 = undefined;
    var bu: [512]u8 = undefined;
    for (&au, &bu, 0..) |*x, *y, i| {
        x.* = @truncate(i * 7);
        y.* = @truncate(i % 9 + 1);
    }
    for (cases) |c| {
        const l = layoutN(3, c.shape, .{ c.so, c.sa, c.sb });
        for (0..13) |code| {
            const op: Op = @enumFromInt(code);
            if (op == .pow) continue;
            try checkBinary(i32, op, l, .{ 0, 0, 0 }, &ai, &bi, true);
            try checkBinary(u8, op, l, .{ 0, 1, 2 }, &au, &bu, true);
        }
    }
}

test "integer division by zero and negative exponents are errors; pow wraps" {
    var a = [_]i32{ 7, -7, 3, 2 };
    var b = [_]i32{ 2, 2, 0, 31 };
    var out: [4]i32 = undefined;
    const l = layoutN(3, &.{4}, .{ &.{1}, &.{1}, &.{1} });
    try testing.expectError(error.InvalidArgument, binary(.div, .i32, l, @ptrCast(&out), @ptrCast(&a), @ptrCast(&b), .{ 0, 0, 0 }, true));
    try testing.expectEqualStrings("integer division by zero", status.lastMessage());
    b[2] = -1;
    try testing.expectError(error.InvalidArgument, binary(.pow, .i32, l, @ptrCast(&out), @ptrCast(&a), @ptrCast(&b), .{ 0, 0, 0 }, true));
    b[2] = 3;
    try binary(.pow, .i32, l, @ptrCast(&out), @ptrCast(&a), @ptrCast(&b), .{ 0, 0, 0 }, true);
    try testing.expectEqualSlices(i32, &.{ 49, 49, 27, std.math.minInt(i32) }, &out);
    try binary(.div, .i32, l, @ptrCast(&out), @ptrCast(&a), @ptrCast(&b), .{ 0, 0, 0 }, true);
    try testing.expectEqualSlices(i32, &.{ 3, -3, 1, 0 }, &out);
    var bz = [_]u8{ 1, 0 };
    var az = [_]u8{ 1, 1 };
    var oz: [2]u8 = undefined;
    try testing.expectError(error.InvalidArgument, binary(.div, .u8, layoutN(3, &.{2}, .{ &.{1}, &.{1}, &.{1} }), &oz, &az, &bz, .{ 0, 0, 0 }, true));
    try testing.expectError(error.UnsupportedDtype, binary(.add, .i64, l, @ptrCast(&out), @ptrCast(&a), @ptrCast(&b), .{ 0, 0, 0 }, true));
}

test "in-place, f64 and large threaded broadcast" {
    const rows = 300;
    const cols = 1001;
    const x = try testing.allocator.alloc(f32, rows * cols);
    defer testing.allocator.free(x);
    var bias: [cols]f32 = undefined;
    for (x, 0..) |*v, i| v.* = @floatFromInt(i % 1000);
    for (&bias, 0..) |*v, i| v.* = @floatFromInt(i);
    // x += bias (out is the exact same view as a)
    const l = layoutN(3, &.{ rows, cols }, .{ &.{ cols, 1 }, &.{ cols, 1 }, &.{ 0, 1 } });
    try binary(.add, .f32, l, @ptrCast(x.ptr), @ptrCast(x.ptr), @ptrCast(&bias), .{ 0, 0, 0 }, true);
    for (x, 0..) |v, i| try testing.expectEqual(@as(f32, @floatFromInt(i % 1000 + i % cols)), v);

    var a = [_]f64{ 1, 2, std.math.nan(f64), 4 };
    var b = [_]f64{ 0.5, 3, 1, std.math.inf(f64) };
    var o: [4]f64 = undefined;
    try binary(.maximum, .f64, layoutN(3, &.{4}, .{ &.{1}, &.{1}, &.{1} }), @ptrCast(&o), @ptrCast(&a), @ptrCast(&b), .{ 0, 0, 0 }, false);
    try testing.expectEqual(@as(f64, 1), o[0]);
    try testing.expect(std.math.isNan(o[2]));
    try testing.expectEqual(std.math.inf(f64), o[3]);
}

test "where: broadcast cond, every element size" {
    var cond = [_]u8{ 1, 0, 2 };
    var a = [_]f32{ 1, 2, 3, 4, 5, 6 };
    var b = [_]f32{ -1, -2 };
    var out: [6]f32 = undefined;
    // shape [2, 3]; cond row-broadcast, a contiguous, b column-broadcast
    const l = layoutN(4, &.{ 2, 3 }, .{ &.{ 3, 1 }, &.{ 0, 1 }, &.{ 3, 1 }, &.{ 1, 0 } });
    where(.f32, l, @ptrCast(&out), &cond, @ptrCast(&a), @ptrCast(&b), .{ 0, 0, 0, 0 }, true);
    try testing.expectEqualSlices(f32, &.{ 1, -1, 3, 4, -2, 6 }, &out);
    var ca: [40]u8 = undefined;
    var aa: [40]i64 = undefined;
    var ba: [40]i64 = undefined;
    var oa: [40]i64 = undefined;
    for (0..40) |i| {
        ca[i] = @intCast(i % 3);
        aa[i] = @intCast(i);
        ba[i] = -@as(i64, @intCast(i));
    }
    where(.i64, layoutN(4, &.{40}, .{ &.{1}, &.{1}, &.{1}, &.{1} }), @ptrCast(&oa), &ca, @ptrCast(&aa), @ptrCast(&ba), .{ 0, 0, 0, 0 }, true);
    for (0..40) |i| try testing.expectEqual(if (i % 3 != 0) aa[i] else ba[i], oa[i]);
    var h = [_]u16{ 1, 2, 3 };
    var hb = [_]u16{9};
    var ho: [3]u16 = undefined;
    where(.bf16, layoutN(4, &.{3}, .{ &.{1}, &.{1}, &.{1}, &.{0} }), @ptrCast(&ho), &cond, @ptrCast(&h), @ptrCast(&hb), .{ 0, 0, 0, 0 }, true);
    try testing.expectEqualSlices(u16, &.{ 1, 9, 3 }, &ho);
}

/// erf by the all-positive series erf(z) = 2/√π·e^(−z²)·Σ 2ⁿz^(2n+1)/(1·3···(2n+1)) (test reference).
fn refErf(z: f64) f64 {
    const az = @abs(z);
    if (az > 6) return std.math.copysign(@as(f64, 1), z);
    var term = az;
    var sum = az;
    var k: f64 = 1;
    while (term > 1e-18 * sum) : (k += 1) {
        term *= 2 * az * az / (2 * k + 1);
        sum += term;
    }
    return std.math.copysign(2.0 / @sqrt(std.math.pi) * @exp(-az * az) * sum, z);
}

fn refActGrad(op: Op, a: f64, b: f64) f64 {
    return switch (op) {
        .relu_backward => if (b <= 0) 0 else a,
        .sigmoid_backward => a * (1 - b) * b,
        .tanh_backward => a * (1 - b * b),
        .gelu_backward => blk: {
            const cdf = 0.5 * (1 + refErf(b / @sqrt(2.0)));
            const pdf = @exp(-0.5 * b * b) / @sqrt(2 * std.math.pi);
            break :blk a * (cdf + b * pdf);
        },
        .gelu_tanh_backward => blk: {
            // PyTorch's GeluBackward (approximate="tanh") formula, in f64
            const k_beta = @sqrt(2.0) * (2.0 / @sqrt(std.math.pi)) * 0.5;
            const k_kappa = 0.044715;
            const inner = k_beta * (b + k_kappa * b * b * b);
            // 0.5(1 + tanh) and 1 − tanh² written without cancellation: 1/(1 + e^(−2u)), 1/cosh²
            const left_d = 1 / (1 + @exp(-2 * inner));
            const ch = std.math.cosh(inner);
            const right_d = 0.5 * b * (1 / (ch * ch)) * k_beta * (1 + 3 * k_kappa * b * b);
            break :blk a * (left_d + right_d);
        },
        else => unreachable,
    };
}

fn actInputs(comptime T: type, xs: []T, gs: []T) void {
    const specials = [_]f64{ 0, -0.0, 1e-30, -1e-30, 0.5, -0.5, -0.7518, 1, -1, 2.5, -2.5, 3, -3, 5.5, -5.5, 9, -9, 12, -12, 30, -30, 1e4, -1e4 };
    var rng = std.Random.DefaultPrng.init(42);
    const r = rng.random();
    for (xs, gs, 0..) |*x, *g, i| {
        x.* = if (i < specials.len) @floatCast(specials[i]) else @floatCast((r.float(f64) * 2 - 1) * @as(f64, if (i % 3 == 0) 12.0 else 4.0));
        g.* = @floatCast(r.float(f64) * 4 - 2);
    }
}

test "activation-gradient ops (13-17) match f64 formulas; gelu_backward matches finite differences of gelu" {
    inline for (.{ f32, f64 }) |T| {
        const n = 1000;
        var xs: [n]T = undefined;
        var gs: [n]T = undefined;
        var ys: [n]T = undefined;
        var out: [n]T = undefined;
        actInputs(T, &xs, &gs);
        for (&ys, xs) |*y, x| y.* = @floatCast(std.math.tanh(@as(f64, x) / 4)); // a y in (-1, 1)
        const dt: DType = if (T == f32) .f32 else .f64;
        const l = layoutN(3, &.{n}, .{ &.{1}, &.{1}, &.{1} });
        const tol: f64 = if (T == f32) 6e-7 else 1e-13;
        for ([_]Op{ .relu_backward, .gelu_backward, .gelu_tanh_backward, .sigmoid_backward, .tanh_backward }) |op| {
            const b_in: []const T = if (op == .sigmoid_backward) blk: {
                for (&ys, xs) |*y, x| y.* = @floatCast(1 / (1 + @exp(-@as(f64, x))));
                break :blk &ys;
            } else if (op == .tanh_backward) &ys else &xs;
            try binary(op, dt, l, @ptrCast(&out), @ptrCast(&gs), @ptrCast(b_in.ptr), .{ 0, 0, 0 }, true);
            for (out, gs, b_in) |got, g, b| {
                const want = refActGrad(op, g, b);
                const err = @abs(@as(f64, got) - want);
                if (!(err <= tol * @abs(want) + 1e-15 * @abs(@as(f64, g)))) {
                    std.debug.print("{s} {s}: g={d} b={d} got {d} want {d}\n", .{ @tagName(op), @typeName(T), g, b, got, want });
                    return error.TestUnexpectedResult;
                }
            }
        }
    }
    // gelu_backward (f64) against central differences of the f64 gelu kernel
    const n = 64;
    var x: [n]f64 = undefined;
    var g: [n]f64 = undefined;
    var d: [n]f64 = undefined;
    actInputs(f64, &x, &g);
    for (&g) |*v| v.* = 1;
    try binary(.gelu_backward, .f64, layoutN(3, &.{n}, .{ &.{1}, &.{1}, &.{1} }), @ptrCast(&d), @ptrCast(&g), @ptrCast(&x), .{ 0, 0, 0 }, false);
    for (x, d) |xi, di| {
        if (@abs(xi) > 100) continue;
        const h = 1e-5;
        var pts = [_]f64{ xi + h, xi - h };
        var vals: [2]f64 = undefined;
        try unary.run(.gelu, .f64, @ptrCast(&pts), @ptrCast(&vals), 2, 0, 0);
        const fd = (vals[0] - vals[1]) / (2 * h);
        try testing.expect(@abs(fd - di) <= 1e-8 * @max(1, @abs(di)));
    }
    // NaN propagates through gelu grads; relu_backward passes the gradient where x is NaN (PyTorch); ints are rejected
    var nx = [_]f32{ std.math.nan(f32), std.math.nan(f32) };
    var ng = [_]f32{ 1, 1 };
    var no: [2]f32 = undefined;
    const l2 = layoutN(3, &.{2}, .{ &.{1}, &.{1}, &.{1} });
    try binary(.gelu_backward, .f32, l2, @ptrCast(&no), @ptrCast(&ng), @ptrCast(&nx), .{ 0, 0, 0 }, true);
    try testing.expect(std.math.isNan(no[0]));
    try binary(.gelu_tanh_backward, .f32, l2, @ptrCast(&no), @ptrCast(&ng), @ptrCast(&nx), .{ 0, 0, 0 }, true);
    try testing.expect(std.math.isNan(no[0]));
    try binary(.relu_backward, .f32, l2, @ptrCast(&no), @ptrCast(&ng), @ptrCast(&nx), .{ 0, 0, 0 }, true);
    try testing.expectEqual(@as(f32, 1), no[0]);
    var ia = [_]i32{ 1, 2 };
    try testing.expectError(error.UnsupportedDtype, binary(.relu_backward, .i32, l2, @ptrCast(&ia), @ptrCast(&ia), @ptrCast(&ia), .{ 0, 0, 0 }, true));
    try testing.expect(!isComparison(.relu_backward));
    try testing.expectEqual(DType.f32, outDtype(.tanh_backward, .f32));
}

test "f16/bf16: every binary op equals the f32 op on the widened inputs, rounded once (broadcast b)" {
    var a: [70]u16 = undefined;
    var b: [70]u16 = undefined;
    var wa: [70]f32 = undefined;
    var wb: [70]f32 = undefined;
    var want: [70]f32 = undefined;
    var want_cmp: [70]u8 = undefined;
    var got: [70]u16 = undefined;
    var got_cmp: [70]u8 = undefined;
    inline for (.{ half16.Format.f16, half16.Format.bf16 }) |fmt| {
        const dt: DType = if (fmt == .f16) .f16 else .bf16;
        for (&a, &b, 0..) |*x, *y, i| {
            x.* = half16.fromF32(fmt, (@as(f32, @floatFromInt(i)) - 35) / 7.0);
            y.* = half16.fromF32(fmt, (@as(f32, @floatFromInt(i % 9)) - 4) / 3.0);
        }
        half16.sliceToF32(fmt, &wa, &a);
        half16.sliceToF32(fmt, &wb, &b);
        // b broadcast along the rows of a 7 × 10 layout (stride 0 on the outer dim).
        const layout = layoutN(3, &.{ 7, 10 }, .{ &.{ 10, 1 }, &.{ 10, 1 }, &.{ 0, 1 } });
        inline for (std.meta.fields(Op)) |f| {
            const op: Op = @enumFromInt(f.value);
            const cmp = comptime isComparison(op);
            try binary(op, .f32, layout, if (cmp) @ptrCast(&want_cmp) else @ptrCast(&want), @ptrCast(&wa), @ptrCast(&wb), .{ 0, 0, 0 }, true);
            try binary(op, dt, layout, if (cmp) @ptrCast(&got_cmp) else @ptrCast(&got), @ptrCast(&a), @ptrCast(&b), .{ 0, 0, 0 }, true);
            if (cmp) {
                try testing.expectEqualSlices(u8, &want_cmp, &got_cmp);
            } else for (want, got) |w, g| {
                if (std.math.isNan(w)) try testing.expect(std.math.isNan(half16.toF32(fmt, g))) else try testing.expectEqual(half16.fromF32(fmt, w), g);
            }
        }
    }
}
