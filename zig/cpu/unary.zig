//! Contiguous unary kernels `y[i] = f(x[i])` (see zig/ABI.md for the op codes).
//!
//! Floats (f32, f64) support every op; integers (i32, u8) the ones marked `*` in ABI.md, with
//! two's-complement wrap-around (neg/abs/square of the minimum wrap as in PyTorch).
//!
//! Transcendentals (exp, log, tanh, sigmoid, gelu, gelu_tanh, log1p, expm1, sin, cos) are computed
//! on SIMD vectors of f64 with polynomial approximations accurate to a few f64 ulp, then rounded:
//! f32 results are within 1 ulp of the correctly rounded value (almost always exact). sin/cos fall
//! back to libm per lane for |x| > 1e6 (exact argument reduction). pow_scalar follows std pow (C99)
//! semantics, with PyTorch's shortcuts for the exponents 2, 3, 0.5, -0.5, -1, -2.
//!
//! The output may alias the input exactly (in place); the kernels never allocate.
const std = @import("std");
const status = @import("../status.zig");
const pool = @import("pool.zig");
const copy = @import("copy.zig");
const half16 = @import("half.zig");
const Error = status.Error;
const DType = copy.DType;

pub const Op = enum(u32) {
    neg = 0,
    exp = 1,
    log = 2,
    sqrt = 3,
    rsqrt = 4,
    abs = 5,
    tanh = 6,
    sigmoid = 7,
    relu = 8,
    clamp = 9,
    pow_scalar = 10,
    reciprocal = 11,
    square = 12,
    sign = 13,
    gelu = 14,
    gelu_tanh = 15,
    leaky_relu = 16,
    log1p = 17,
    expm1 = 18,
    sin = 19,
    cos = 20,
    floor = 21,
    ceil = 22,
    round = 23,
    mul_scalar = 24,
    add_scalar = 25,
};

pub fn opFromCode(code: u32) Error!Op {
    return std.meta.intToEnum(Op, code) catch
        status.err(error.InvalidArgument, "unknown unary op code {d}", .{code});
}

fn intOp(op: Op) bool {
    return switch (op) {
        .neg, .abs, .relu, .clamp, .square, .sign, .mul_scalar, .add_scalar => true,
        else => false,
    };
}

/// Whether `op` is implemented for `dt`.
pub fn supports(op: Op, dt: DType) bool {
    return switch (dt) {
        .f32, .f64, .f16, .bf16 => true,
        .i32, .u8 => intOp(op),
        else => false,
    };
}

fn isCostly(op: Op) bool {
    return switch (op) {
        .exp, .log, .tanh, .sigmoid, .gelu, .gelu_tanh, .log1p, .expm1, .sin, .cos, .pow_scalar => true,
        else => false,
    };
}

// ---------------------------------------------------------------------------------------------
// f64 vector math

const log2e: f64 = 1.4426950408889634;
// ln 2 split so that n * ln2_hi is exact for |n| < 2^11.
const ln2_hi: f64 = 0.6931471805598903;
const ln2_lo: f64 = 5.497923018708371e-14;
// pi/2 split in 33-bit pieces: k * pio2_1 and k * pio2_2 are exact for |k| < 2^20.
const pio2_1: f64 = 1.5707963267341256;
const pio2_2: f64 = 6.077100506303966e-11;
const pio2_3: f64 = 2.0222662487959506e-21;
const two_over_pi: f64 = 0.6366197723675814;
const sqrt_2_over_pi: f64 = 0.7978845608028654;
const inv_sqrt2: f64 = 0.7071067811865476;
const inv_sqrt_pi: f64 = 0.5641895835477563;

// Taylor coefficients: exp on |r| <= ln2/2, expm1 near 0, log via 2*atanh(s) with s^2 <= 0.0295,
// sin/cos on |r| <= pi/4. Truncation errors are below 2e-16 relative.
const exp_coefs = [_]f64{ 1.0, 1.0, 0.5, 0.16666666666666666, 0.041666666666666664, 0.008333333333333333, 0.001388888888888889, 0.0001984126984126984, 2.48015873015873e-05, 2.7557319223985893e-06, 2.755731922398589e-07, 2.505210838544172e-08, 2.08767569878681e-09, 1.6059043836821613e-10 };
const expm1_coefs = [_]f64{ 1.0, 0.5, 0.16666666666666666, 0.041666666666666664, 0.008333333333333333, 0.001388888888888889, 0.0001984126984126984, 2.48015873015873e-05, 2.7557319223985893e-06, 2.755731922398589e-07, 2.505210838544172e-08, 2.08767569878681e-09, 1.6059043836821613e-10 };
const log_coefs = [_]f64{ 2.0, 0.6666666666666666, 0.4, 0.2857142857142857, 0.2222222222222222, 0.18181818181818182, 0.15384615384615385, 0.13333333333333333, 0.11764705882352941, 0.10526315789473684 };
const sin_coefs = [_]f64{ -0.16666666666666666, 0.008333333333333333, -0.0001984126984126984, 2.7557319223985893e-06, -2.505210838544172e-08, 1.6059043836821613e-10, -7.647163731819816e-13 };
const cos_coefs = [_]f64{ -0.5, 0.041666666666666664, -0.001388888888888889, 2.48015873015873e-05, -2.755731922398589e-07, 2.08767569878681e-09, -1.1470745597729725e-11, 4.779477332387385e-14 };

// erf / erfc: least-squares fits (relative weighting, Chebyshev nodes, 50-digit arithmetic),
// each a polynomial in (v - c):
//   erf(z) = z * erf_small(z^2)                          for |z| < 1
//   erfc(z) = exp(-z^2) * erfcx_mid(z)                    for 1 <= z < 2.5
//   erfc(z) = exp(-z^2) * erfcx_high(z)                   for 2.5 <= z < 4.5
//   erfc(z) = exp(-z^2) / (z sqrt(pi)) * erfc_asym(1/z^2) for z >= 4.5
/// max relative error of the fit in f64 Horner: 5.5e-17
const erf_small_c: f64 = 0.5;
const erf_small = [_]f64{ 0.9654687386698673, -0.2810721780454343, 0.07940998675593686, -0.01828388448915109, 0.0034802744965708524, -0.0005611894221566839, 7.829649687601589e-05, -9.61480831432994e-06, 1.053632419676633e-06, -1.0420518596796746e-07, 9.432263181834509e-09, -7.77682913736281e-10 };
/// max relative error of the fit in f64 Horner: 2.2e-16
const erfcx_mid_c: f64 = 1.75;
const erfcx_mid = [_]f64{ 0.2849722347374364, -0.13097634551448514, 0.05576363008708381, -0.02225999524139361, 0.008404319207494935, -0.0030209746513119398, 0.0010392045193863336, -0.0003435333544544447, 0.00010950531659915586, -3.375535179230408e-05, 1.0086538471451703e-05, -2.9279377075274043e-06, 8.275685176008215e-07, -2.2780152407330447e-07, 6.045940959951168e-08, -1.596732235802176e-08, 4.840334721305672e-09, -1.1830899048945626e-09 };
/// max relative error of the fit in f64 Horner: 1.5e-16
const erfcx_high_c: f64 = 3.5;
const erfcx_high = [_]f64{ 0.1552936556088943, -0.04132357783325249, 0.010661133192510273, -0.002673074439643865, 0.0006526863268869865, -0.00015546891822474623, 3.618170427804882e-05, -8.237986568769043e-06, 1.8371882795975696e-06, -4.017397975326878e-07, 8.621847186157194e-08, -1.817642922318677e-08, 3.769083022881498e-09, -7.682361645557895e-10, 1.5208810407018052e-10, -3.0181276649870964e-11, 7.0003027069524356e-12, -1.3170168168027776e-12 };
/// max relative error of the fit in f64 Horner: 3.7e-17
const erfc_asym_c: f64 = 0.024691358024691357;
const erfc_asym = [_]f64{ 0.9880855432047746, -0.4660444915282532, 0.6314129378228693, -1.3686211131017703, 3.995652551273853, -14.457946737078506, 61.74734329943984, -301.46979193620217, 1645.0789294336419, -9821.15492710696, 63785.50265521729, -506826.57546167204, 3868462.6329977275 };

fn sp(comptime V: type, v: f64) V {
    return @splat(v);
}

fn horner(x: anytype, comptime coefs: []const f64) @TypeOf(x) {
    const V = @TypeOf(x);
    var p: V = @splat(coefs[coefs.len - 1]);
    comptime var i = coefs.len - 1;
    inline while (i > 0) {
        i -= 1;
        p = @mulAdd(V, p, x, @as(V, @splat(coefs[i])));
    }
    return p;
}

fn vnot(m: anytype) @TypeOf(m) {
    return m == @as(@TypeOf(m), @splat(false));
}

fn lanesOf(comptime V: type) comptime_int {
    return @typeInfo(V).vector.len;
}

fn copySign(mag: anytype, sgn: @TypeOf(mag)) @TypeOf(mag) {
    const V = @TypeOf(mag);
    const N = lanesOf(V);
    const E = @typeInfo(V).vector.child;
    const U = @Vector(N, std.meta.Int(.unsigned, @bitSizeOf(E)));
    const sign_bit: U = @splat(@as(std.meta.Int(.unsigned, @bitSizeOf(E)), 1) << (@bitSizeOf(E) - 1));
    const m: U = @bitCast(mag);
    const s: U = @bitCast(sgn);
    return @bitCast((m & ~sign_bit) | (s & sign_bit));
}

/// e^x for a vector of f64; exact special cases (overflow → inf, underflow → 0 through subnormals).
pub fn vexp(x: anytype) @TypeOf(x) {
    const V = @TypeOf(x);
    const N = lanesOf(V);
    const I = @Vector(N, i64);
    const nan = x != x;
    const xc = @select(f64, nan, sp(V, 0), @min(@max(x, sp(V, -746.0)), sp(V, 710.0)));
    const n = @round(xc * sp(V, log2e));
    const r = @mulAdd(V, -n, sp(V, ln2_lo), xc - n * sp(V, ln2_hi));
    const p = horner(r, &exp_coefs);
    const ni: I = @intFromFloat(n);
    const n1 = ni >> @as(@Vector(N, u6), @splat(1));
    const n2 = ni - n1;
    const bias: I = @splat(1023);
    const sh: @Vector(N, u6) = @splat(52);
    const s1: V = @bitCast((n1 + bias) << sh);
    const s2: V = @bitCast((n2 + bias) << sh);
    return @select(f64, nan, x, p * s1 * s2);
}

/// Natural log of a vector of f64 (log(0) = -inf, log(<0) = NaN).
fn vlog(x: anytype) @TypeOf(x) {
    const V = @TypeOf(x);
    const N = lanesOf(V);
    const I = @Vector(N, i64);
    const U = @Vector(N, u64);
    const tiny = x < sp(V, 2.2250738585072014e-308);
    const xs = @select(f64, tiny, x * sp(V, 18014398509481984.0), x); // 2^54
    const bits: U = @bitCast(xs);
    const biased: I = @bitCast((bits >> @as(@Vector(N, u6), @splat(52))) & @as(U, @splat(0x7ff)));
    var e = biased - @as(I, @splat(1023)) - @select(i64, tiny, @as(I, @splat(54)), @as(I, @splat(0)));
    var m: V = @bitCast((bits & @as(U, @splat(0x000F_FFFF_FFFF_FFFF))) | @as(U, @splat(0x3FF0_0000_0000_0000)));
    const big = m > sp(V, std.math.sqrt2);
    m = @select(f64, big, m * sp(V, 0.5), m);
    e += @select(i64, big, @as(I, @splat(1)), @as(I, @splat(0)));
    const f = m - sp(V, 1);
    const s = f / (f + sp(V, 2));
    const lm = s * horner(s * s, &log_coefs);
    const ef: V = @floatFromInt(e);
    var res = @mulAdd(V, ef, sp(V, ln2_hi), @mulAdd(V, ef, sp(V, ln2_lo), lm));
    res = @select(f64, x == sp(V, 0), sp(V, -std.math.inf(f64)), res);
    res = @select(f64, x < sp(V, 0), sp(V, std.math.nan(f64)), res);
    res = @select(f64, x == sp(V, std.math.inf(f64)), x, res);
    return @select(f64, x != x, x, res);
}

fn vexpm1(x: anytype) @TypeOf(x) {
    const V = @TypeOf(x);
    const small = @abs(x) < sp(V, 0.34657359027997264);
    const ps = x * horner(x, &expm1_coefs);
    if (!@reduce(.Or, vnot(small))) return ps;
    return @select(f64, small, ps, vexp(x) - sp(V, 1));
}

fn vlog1p(x: anytype) @TypeOf(x) {
    const V = @TypeOf(x);
    const u = x + sp(V, 1);
    const d = u - sp(V, 1);
    const safe_d = @select(f64, d == sp(V, 0), sp(V, 1), d);
    const r = @select(f64, d == sp(V, 0), x, vlog(u) * (x / safe_d));
    return @select(f64, x == sp(V, std.math.inf(f64)), x, r);
}

fn vtanh(x: anytype) @TypeOf(x) {
    const V = @TypeOf(x);
    const t = vexpm1(sp(V, -2) * @abs(x));
    return copySign(-t / (t + sp(V, 2)), x);
}

fn vsigmoid(x: anytype) @TypeOf(x) {
    const V = @TypeOf(x);
    return sp(V, 1) / (sp(V, 1) + vexp(-x));
}

fn vsincos(x: anytype, comptime want_cos: bool) @TypeOf(x) {
    const V = @TypeOf(x);
    const N = lanesOf(V);
    const I = @Vector(N, i64);
    const big = vnot(@abs(x) <= sp(V, 1e6)); // also NaN and inf
    const xr = @select(f64, big, sp(V, 0), x);
    const k = @round(xr * sp(V, two_over_pi));
    const r = @mulAdd(V, -k, sp(V, pio2_3), @mulAdd(V, -k, sp(V, pio2_2), xr - k * sp(V, pio2_1)));
    var q: I = @intFromFloat(k);
    if (want_cos) q += @as(I, @splat(1));
    q &= @as(I, @splat(3));
    const r2 = r * r;
    const s = @mulAdd(V, r * r2, horner(r2, &sin_coefs), r);
    const c = @mulAdd(V, r2, horner(r2, &cos_coefs), sp(V, 1));
    const odd = (q & @as(I, @splat(1))) != @as(I, @splat(0));
    const neg = (q & @as(I, @splat(2))) != @as(I, @splat(0));
    const mag = @select(f64, odd, c, s);
    var res = @select(f64, neg, -mag, mag);
    if (@reduce(.Or, big)) {
        var arr: [N]f64 = res;
        const xa: [N]f64 = x;
        const ba: [N]bool = big;
        for (0..N) |i| {
            if (ba[i]) arr[i] = if (want_cos) @cos(xa[i]) else @sin(xa[i]);
        }
        res = arr;
    }
    return res;
}

/// erfc(|x| / sqrt 2), the building block of gelu. z^2 = x^2 / 2 is formed exactly (with an FMA
/// for the rounding error of x^2) so that exp(-z^2) keeps full relative accuracy in the far tail.
pub fn verfcHalf(ax_in: anytype) @TypeOf(ax_in) {
    const V = @TypeOf(ax_in);
    const ax = @min(ax_in, sp(V, 42.5)); // erfc(30) underflows; NaN is handled by the caller
    const z = ax * sp(V, inv_sqrt2);
    const xx = ax * ax;
    const w = sp(V, 0.5) * xx; // z^2 up to the exact
    const w_err = sp(V, 0.5) * @mulAdd(V, ax, ax, -xx); //   remainder w_err
    const e_small = sp(V, 1) - z * horner(w - sp(V, erf_small_c), &erf_small);
    if (!@reduce(.Or, z >= sp(V, 1))) return e_small;
    const ex = vexp(-w) * (sp(V, 1) - w_err);
    var res = @select(f64, z < sp(V, 1), e_small, ex * horner(z - sp(V, erfcx_mid_c), &erfcx_mid));
    if (@reduce(.Or, z >= sp(V, 2.5))) {
        res = @select(f64, z < sp(V, 2.5), res, ex * horner(z - sp(V, erfcx_high_c), &erfcx_high));
    }
    if (@reduce(.Or, z >= sp(V, 4.5))) {
        const t = sp(V, 1) / w;
        const asym = ex * sp(V, inv_sqrt_pi) / z * horner(t - sp(V, erfc_asym_c), &erfc_asym);
        res = @select(f64, z < sp(V, 4.5), res, asym);
    }
    return res;
}

/// gelu(x) = x/2 (1 + erf(x/sqrt(2))), as x - x/2 erfc(x/sqrt 2) for x >= 0 and x/2 erfc(|x|/sqrt 2)
/// for x < 0 (no cancellation in the negative tail).
fn vgelu(x: anytype) @TypeOf(x) {
    const V = @TypeOf(x);
    const e = verfcHalf(@abs(x));
    const half = sp(V, 0.5) * x * e;
    var res = @select(f64, x >= sp(V, 0), x - half, half);
    res = @select(f64, x == sp(V, std.math.inf(f64)), x, res);
    return @select(f64, x != x, x, res);
}

/// PyTorch's approximate="tanh" gelu, as x * sigmoid(2u) (= x/2 (1 + tanh u)) for stability.
fn vgeluTanh(x: anytype) @TypeOf(x) {
    const V = @TypeOf(x);
    const u = sp(V, sqrt_2_over_pi) * x * @mulAdd(V, sp(V, 0.044715) * x, x, sp(V, 1));
    return x / (sp(V, 1) + vexp(sp(V, -2) * u));
}

// ---------------------------------------------------------------------------------------------
// per-op vector functions

const PowMode = enum { general, two, three, half, neg_half, neg_one, neg_two };

fn Params(comptime T: type) type {
    return struct {
        a: T = 0,
        b: T = 0,
        pf: f64 = 0,
        pow_mode: PowMode = .general,
        nan_fill: bool = false,
    };
}

fn intFromScalar(comptime T: type, op: Op, v: f64) Error!T {
    if (!(std.math.isFinite(v) and @floor(v) == v and @abs(v) < 9.2e18))
        return status.err(error.InvalidArgument, "unary op {s} on {s} needs an integer scalar, got {d}", .{ @tagName(op), @typeName(T), v });
    return copy.wrapInt(T, @intFromFloat(v));
}

fn clampBound(comptime T: type, v: f64) T {
    const lo: f64 = @floatFromInt(std.math.minInt(T));
    const hi: f64 = @floatFromInt(std.math.maxInt(T));
    return @intFromFloat(@min(@max(v, lo), hi));
}

fn prepare(comptime T: type, op: Op, p0: f64, p1: f64) Error!Params(T) {
    var p: Params(T) = .{};
    if (@typeInfo(T) == .float) {
        switch (op) {
            .clamp => {
                p.a = @floatCast(p0);
                p.b = @floatCast(p1);
                p.nan_fill = std.math.isNan(p0) or std.math.isNan(p1);
            },
            .leaky_relu, .mul_scalar, .add_scalar => p.a = @floatCast(p0),
            .pow_scalar => {
                p.pf = p0;
                p.pow_mode = if (p0 == 2) .two else if (p0 == 3) .three else if (p0 == 0.5) .half else if (p0 == -0.5) .neg_half else if (p0 == -1) .neg_one else if (p0 == -2) .neg_two else .general;
            },
            else => {},
        }
    } else {
        switch (op) {
            .clamp => {
                if (std.math.isNan(p0) or std.math.isNan(p1))
                    return status.err(error.InvalidArgument, "unary op clamp on {s} needs non-NaN bounds", .{@typeName(T)});
                // Integer results: x >= p0 <=> x >= ceil(p0), x <= p1 <=> x <= floor(p1).
                p.a = clampBound(T, @ceil(p0));
                p.b = clampBound(T, @floor(p1));
            },
            .mul_scalar, .add_scalar => p.a = try intFromScalar(T, op, p0),
            else => {},
        }
    }
    return p;
}

fn floatVec(comptime op: Op, comptime T: type, x: anytype, p: Params(T)) @TypeOf(x) {
    const V = @TypeOf(x);
    const N = lanesOf(V);
    const W = @Vector(N, f64);
    const zero: V = @splat(0);
    const one: V = @splat(1);
    switch (op) {
        .neg => return -x,
        .abs => return @abs(x),
        .sqrt => return @sqrt(x),
        .rsqrt => return one / @sqrt(x),
        .reciprocal => return one / x,
        .square => return x * x,
        .relu => return @select(T, x < zero, zero, x),
        .leaky_relu => return @select(T, x > zero, x, x * @as(V, @splat(p.a))),
        .clamp => {
            if (p.nan_fill) return @splat(std.math.nan(T));
            return @select(T, x != x, x, @min(@max(x, @as(V, @splat(p.a))), @as(V, @splat(p.b))));
        },
        .sign => return @select(T, x > zero, one, @select(T, x < zero, -one, zero)),
        .floor => return @floor(x),
        .ceil => return @ceil(x),
        .round => {
            // Halves to even from floor and the fraction (exact in binary floats), not the
            // `(|x| + 2^23) - 2^23` trick: LLVM miscompiled that on bf16-widened inputs in
            // ReleaseFast (round(2.5) gave a denormal). Large values, ±inf: fl = x, kept.
            // NaN: every comparison is false and `up` is NaN. The sign of zero follows x.
            const fl = @floor(x);
            const frac = x - fl;
            const half: V = @splat(0.5);
            const up = fl + one;
            const fl_even = @floor(fl * half) * @as(V, @splat(2)) == fl;
            const r = @select(T, frac > half, up, @select(T, frac < half, fl, @select(T, fl_even, fl, up)));
            return copySign(r, x);
        },
        .mul_scalar => return x * @as(V, @splat(p.a)),
        .add_scalar => return x + @as(V, @splat(p.a)),
        .pow_scalar => return switch (p.pow_mode) {
            .two => x * x,
            .three => x * x * x,
            .half => @sqrt(x),
            .neg_half => one / @sqrt(x),
            .neg_one => one / x,
            .neg_two => one / (x * x),
            .general => blk: {
                var arr: [N]T = x;
                for (&arr) |*v| v.* = @floatCast(std.math.pow(f64, v.*, p.pf));
                break :blk arr;
            },
        },
        else => {
            const w: W = if (T == f64) x else @floatCast(x);
            const r: W = switch (op) {
                .exp => vexp(w),
                .log => vlog(w),
                .tanh => vtanh(w),
                .sigmoid => vsigmoid(w),
                .gelu => vgelu(w),
                .gelu_tanh => vgeluTanh(w),
                .log1p => vlog1p(w),
                .expm1 => vexpm1(w),
                .sin => vsincos(w, false),
                .cos => vsincos(w, true),
                else => unreachable,
            };
            return if (T == f64) r else @floatCast(r);
        },
    }
}

fn intVec(comptime op: Op, comptime T: type, x: anytype, p: Params(T)) @TypeOf(x) {
    const V = @TypeOf(x);
    const signed = @typeInfo(T).int.signedness == .signed;
    const zero: V = @splat(0);
    const one: V = @splat(1);
    return switch (op) {
        .neg => zero -% x,
        .abs => if (signed) @select(T, x < zero, zero -% x, x) else x,
        .relu => if (signed) @max(x, zero) else x,
        .clamp => @min(@max(x, @as(V, @splat(p.a))), @as(V, @splat(p.b))),
        .square => x *% x,
        .sign => if (signed) @select(T, x > zero, one, @select(T, x < zero, zero -% one, zero)) else @select(T, x > zero, one, zero),
        .mul_scalar => x *% @as(V, @splat(p.a)),
        .add_scalar => x +% @as(V, @splat(p.a)),
        else => unreachable,
    };
}

fn Args(comptime T: type) type {
    return struct { x: [*]const T, y: [*]T, p: Params(T) };
}

fn kernel(comptime op: Op, comptime T: type) fn (Args(T), usize, usize) void {
    return struct {
        const N = copy.lanes(T);
        const V = @Vector(N, T);
        inline fn f(x: V, p: Params(T)) V {
            return if (@typeInfo(T) == .float) floatVec(op, T, x, p) else intVec(op, T, x, p);
        }
        fn run(a: Args(T), begin: usize, end: usize) void {
            var i = begin;
            while (i + N <= end) : (i += N) {
                const v: V = a.x[i..][0..N].*;
                a.y[i..][0..N].* = f(v, a.p);
            }
            if (i < end) {
                var buf: [N]T = @splat(1);
                const rest = end - i;
                @memcpy(buf[0..rest], a.x[i..end]);
                const r: [N]T = f(buf, a.p);
                @memcpy(a.y[i..end], r[0..rest]);
            }
        }
    }.run;
}

/// 16-bit floats: each vector is widened to f32, computed with the f32 definition and rounded
/// once (zig/cpu/half.zig), the same bits as the f32 op on the widened input followed by a cast.
fn HalfArgs() type {
    return struct { x: [*]const u16, y: [*]u16, p: Params(f32) };
}

fn halfKernel(comptime op: Op, comptime fmt: half16.Format) fn (HalfArgs(), usize, usize) void {
    return struct {
        const N = copy.lanes(f32);
        fn run(a: HalfArgs(), begin: usize, end: usize) void {
            var i = begin;
            while (i + N <= end) : (i += N) {
                const v = half16.toF32V(fmt, N, a.x[i..][0..N].*);
                a.y[i..][0..N].* = half16.fromF32V(fmt, N, floatVec(op, f32, v, a.p));
            }
            if (i < end) {
                var buf: [N]u16 = @splat(half16.fromF32(fmt, 1));
                const rest = end - i;
                @memcpy(buf[0..rest], a.x[i..end]);
                const r: [N]u16 = half16.fromF32V(fmt, N, floatVec(op, f32, half16.toF32V(fmt, N, buf), a.p));
                @memcpy(a.y[i..end], r[0..rest]);
            }
        }
    }.run;
}

/// Runs `y = op(x)` for the n-element contiguous slices `x`, `y` (equal or identical memory).
/// Errors (bad scalar parameters, unsupported dtype) are raised before any element is written.
pub fn run(op: Op, dt: DType, x: [*]const u8, y: [*]u8, n: usize, p0: f64, p1: f64) Error!void {
    if (!supports(op, dt))
        return status.err(error.UnsupportedDtype, "unary op {s} does not support {s}", .{ @tagName(op), dt.name() });
    switch (dt) {
        inline .f32, .f64, .i32, .u8 => |D| {
            const T = copy.Storage(D);
            const p = try prepare(T, op, p0, p1);
            const args_x: [*]const T = @ptrCast(@alignCast(x));
            const args_y: [*]T = @ptrCast(@alignCast(y));
            switch (op) {
                inline else => |o| {
                    if (comptime !(@typeInfo(T) == .float or intOp(o))) unreachable;
                    const chunk = if (isCostly(o)) copy.min_chunk_costly else copy.min_chunk_cheap;
                    pool.parallelFor(n, chunk, Args(T){ .x = args_x, .y = args_y, .p = p }, kernel(o, T));
                },
            }
        },
        inline .f16, .bf16 => |D| {
            const fmt: half16.Format = if (D == .f16) .f16 else .bf16;
            const p = try prepare(f32, op, p0, p1);
            const args = HalfArgs(){ .x = @ptrCast(@alignCast(x)), .y = @ptrCast(@alignCast(y)), .p = p };
            switch (op) {
                inline else => |o| {
                    const chunk = if (isCostly(o)) copy.min_chunk_costly else copy.min_chunk_cheap;
                    pool.parallelFor(n, chunk, args, halfKernel(o, fmt));
                },
            }
        },
        else => unreachable,
    }
}

// ---------------------------------------------------------------------------------------------
// tests

const testing = std.testing;

fn refRoundEven(x: f64) f64 {
    const r = @round(x);
    if (@abs(x - @trunc(x)) == 0.5) return 2 * @round(x / 2);
    return r;
}

/// Scalar f64 reference of each op (gelu is checked against a table instead).
fn reference(op: Op, x: f64, p0: f64, p1: f64) f64 {
    return switch (op) {
        .neg => -x,
        .exp => @exp(x),
        .log => @log(x),
        .sqrt => @sqrt(x),
        .rsqrt => 1 / @sqrt(x),
        .abs => @abs(x),
        .tanh => std.math.tanh(x),
        .sigmoid => 1 / (1 + @exp(-x)),
        .relu => if (x < 0) 0 else x,
        .clamp => if (std.math.isNan(x) or std.math.isNan(p0) or std.math.isNan(p1)) std.math.nan(f64) else @min(@max(x, p0), p1),
        .pow_scalar => std.math.pow(f64, x, p0),
        .reciprocal => 1 / x,
        .square => x * x,
        .sign => if (x > 0) 1 else if (x < 0) -1 else 0, // PyTorch: sign(NaN) = sign(-0) = 0
        .gelu => unreachable,
        .gelu_tanh => blk: {
            const u = sqrt_2_over_pi * (x + 0.044715 * x * x * x);
            break :blk x / (1 + @exp(-2 * u));
        },
        .leaky_relu => if (x > 0) x else x * p0,
        .log1p => std.math.log1p(x),
        .expm1 => std.math.expm1(x),
        .sin => @sin(x),
        .cos => @cos(x),
        .floor => @floor(x),
        .ceil => @ceil(x),
        .round => refRoundEven(x),
        .mul_scalar => x * p0,
        .add_scalar => x + p0,
    };
}

fn ulpDiff32(a: f32, b: f32) u32 {
    const ia: i64 = @as(i32, @bitCast(a));
    const ib: i64 = @as(i32, @bitCast(b));
    const ka = if (ia < 0) -(ia & 0x7fffffff) else ia;
    const kb = if (ib < 0) -(ib & 0x7fffffff) else ib;
    return @intCast(@min(@abs(ka - kb), std.math.maxInt(u32)));
}

fn close32(got: f32, ref: f64) bool {
    const r: f32 = @floatCast(ref);
    if (std.math.isNan(r)) return std.math.isNan(got);
    if (got == r) return true;
    return ulpDiff32(got, r) <= 1;
}

fn close64(got: f64, ref: f64, rel: f64) bool {
    if (std.math.isNan(ref)) return std.math.isNan(got);
    if (got == ref) return true;
    return @abs(got - ref) <= rel * @abs(ref) or @abs(got - ref) < 1e-300;
}

fn sampleInputs(buf: []f64) []f64 {
    const specials = [_]f64{
        0,        -0.0,    std.math.nan(f64), std.math.inf(f64), -std.math.inf(f64), 1e-40,   -1e-40, 1.4e-45,
        1e-30,    -1e-20,  1e-8,              -1e-8,             0.5,                -0.5,    1.5,    2.5,
        -2.5,     3.5,     0.49999997,        88.7,              89,                 -87.3,   -103.5, -104,
        -88.8,    3.4e38,  -3.4e38,           1e30,              -1e30,              1e6,     1.5e6,  -1e7,
        12345678, 8388609, 0.34,              -0.35,             0.7,                -0.7,    -0.999, -1,
        -1.0001,  20,      -20,               9.5,               -9.5,               1.41421, 0.7071, 3.14159265,
    };
    var n: usize = 0;
    for (specials) |v| {
        buf[n] = v;
        n += 1;
    }
    var i: usize = 0;
    while (i < 400) : (i += 1) {
        buf[n] = @as(f64, @floatFromInt(i)) * 0.173 - 35;
        n += 1;
    }
    var prng = std.Random.DefaultPrng.init(1234);
    const rnd = prng.random();
    while (n < buf.len) : (n += 1) {
        const e = rnd.float(f64) * 40 - 20;
        const s: f64 = if (rnd.boolean()) 1 else -1;
        buf[n] = s * std.math.pow(f64, 2, e);
    }
    return buf;
}

fn runF32(op: Op, xs: []const f32, ys: []f32, p0: f64, p1: f64) !void {
    try run(op, .f32, @ptrCast(xs.ptr), @ptrCast(ys.ptr), xs.len, p0, p1);
}

test "f32 and f64 float ops match the f64 reference" {
    var raw: [1024]f64 = undefined;
    const samples = sampleInputs(&raw);
    var xs: [1024]f32 = undefined;
    var ys: [1024]f32 = undefined;
    var xd: [1024]f64 = undefined;
    var yd: [1024]f64 = undefined;
    for (samples, 0..) |v, i| {
        xs[i] = @floatCast(v);
        xd[i] = v;
    }
    const params = [_][2]f64{ .{ -1.5, 2.25 }, .{ 0.3, 0 } };
    inline for (@typeInfo(Op).@"enum".fields) |field| {
        const op: Op = @enumFromInt(field.value);
        if (op == .gelu) continue;
        for (params) |pp| {
            const p0 = if (op == .pow_scalar) 2.7 else pp[0];
            try runF32(op, &xs, &ys, p0, pp[1]);
            for (xs, ys) |x, y| {
                const pa: f64 = if (op == .clamp or op == .leaky_relu or op == .mul_scalar or op == .add_scalar) @as(f32, @floatCast(p0)) else p0;
                const pb: f64 = @as(f32, @floatCast(pp[1]));
                const ref = reference(op, x, pa, pb);
                if (!close32(y, ref)) {
                    std.debug.print("f32 {s}({e}) = {e}, reference {e}\n", .{ @tagName(op), x, y, ref });
                    return error.TestUnexpectedResult;
                }
            }
            try run(op, .f64, @ptrCast(&xd), @ptrCast(&yd), xd.len, p0, pp[1]);
            for (xd, yd) |x, y| {
                const ref = reference(op, x, p0, pp[1]);
                // sin/cos and gelu_tanh: the reference's own argument rounding (x near 1e6, exp(-500)).
                const rel: f64 = if (op == .sin or op == .cos or op == .gelu_tanh) 1e-12 else 1e-14;
                if (!close64(y, ref, rel)) {
                    std.debug.print("f64 {s}({e}) = {e}, reference {e}\n", .{ @tagName(op), x, y, ref });
                    return error.TestUnexpectedResult;
                }
            }
        }
    }
}

test "pow_scalar shortcuts and std pow semantics" {
    const xs = [_]f32{ -8, -2, -0.0, 0, 0.25, 4, std.math.inf(f32), -std.math.inf(f32), std.math.nan(f32), 1 };
    var ys: [xs.len]f32 = undefined;
    for ([_]f64{ 2, 3, 0.5, -0.5, -1, -2, 0, 1, 1.0 / 3.0, -3, 2.5, std.math.inf(f64), std.math.nan(f64) }) |p| {
        try runF32(.pow_scalar, &xs, &ys, p, 0);
        for (xs, ys) |x, y| {
            const ref: f64 = switch (@as(u8, if (p == 0.5) 1 else if (p == -0.5) 2 else 0)) {
                1 => @sqrt(@as(f64, x)),
                2 => 1 / @sqrt(@as(f64, x)),
                else => std.math.pow(f64, x, p),
            };
            if (!close32(y, ref)) {
                std.debug.print("pow({e}, {e}) = {e}, reference {e}\n", .{ x, p, y, ref });
                return error.TestUnexpectedResult;
            }
        }
    }
}

test "gelu matches a high-precision table" {
    for (gelu_table) |row| {
        const x = row[0];
        var xs = [_]f32{@floatCast(x)} ** 3;
        var ys: [3]f32 = undefined;
        try runF32(.gelu, &xs, &ys, 0, 0);
        if (@as(f64, xs[0]) == x and !close32(ys[0], row[1])) {
            std.debug.print("gelu f32({e}) = {e}, reference {e}\n", .{ x, ys[0], row[1] });
            return error.TestUnexpectedResult;
        }
        var xd = [_]f64{x} ** 9;
        var yd: [9]f64 = undefined;
        try run(.gelu, .f64, @ptrCast(&xd), @ptrCast(&yd), 9, 0, 0);
        if (!close64(yd[8], row[1], 2e-15)) {
            std.debug.print("gelu f64({e}) = {e}, reference {e}\n", .{ x, yd[8], row[1] });
            return error.TestUnexpectedResult;
        }
    }
    var xs = [_]f32{ std.math.nan(f32), std.math.inf(f32), -std.math.inf(f32), -0.0 };
    var ys: [4]f32 = undefined;
    try runF32(.gelu, &xs, &ys, 0, 0);
    try testing.expect(std.math.isNan(ys[0]));
    try testing.expectEqual(std.math.inf(f32), ys[1]);
    try testing.expect(std.math.isNan(ys[2])); // as PyTorch: -inf * 0
    try testing.expectEqual(@as(f32, 0), ys[3]);
}

test "large tanh, sigmoid and exp do not overflow" {
    var xs = [_]f32{ 1e4, -1e4, 100, -100, 3.4e38, -3.4e38 };
    var ys: [xs.len]f32 = undefined;
    try runF32(.tanh, &xs, &ys, 0, 0);
    try testing.expectEqualSlices(f32, &.{ 1, -1, 1, -1, 1, -1 }, &ys);
    try runF32(.sigmoid, &xs, &ys, 0, 0);
    try testing.expectEqualSlices(f32, &.{ 1, 0, 1, 3.7200760e-44, 1, 0 }, &ys);
    try runF32(.exp, &xs, &ys, 0, 0);
    try testing.expectEqual(std.math.inf(f32), ys[0]);
    try testing.expectEqual(@as(f32, 0), ys[1]);
}

fn refInt(comptime T: type, op: Op, x: T, a: T, b: T) T {
    return switch (op) {
        .neg => 0 -% x,
        .abs => if (x < 0) 0 -% x else x,
        .relu => if (x < 0) 0 else x,
        .clamp => @min(@max(x, a), b),
        .square => x *% x,
        .sign => if (x > 0) 1 else if (x < 0) 0 -% @as(T, 1) else 0,
        .mul_scalar => x *% a,
        .add_scalar => x +% a,
        else => unreachable,
    };
}

test "integer ops wrap like two's complement" {
    var xs: [37]i32 = undefined;
    const base = [_]i32{ std.math.minInt(i32), std.math.maxInt(i32), -1, 0, 1, 7, -7, 46341, -46341, 100000 };
    for (&xs, 0..) |*v, i| v.* = if (i < base.len) base[i] else @as(i32, @intCast(i)) * 1000003 - 17000000;
    var ys: [37]i32 = undefined;
    inline for (.{ Op.neg, Op.abs, Op.relu, Op.clamp, Op.square, Op.sign, Op.mul_scalar, Op.add_scalar }) |op| {
        // clamp bounds round inward: ceil(-3.5) = -3, floor(1e12) → maxInt.
        try run(op, .i32, @ptrCast(&xs), @ptrCast(&ys), xs.len, if (op == .clamp) -3.5 else -3, 1e12);
        for (xs, ys) |x, y| try testing.expectEqual(refInt(i32, op, x, -3, std.math.maxInt(i32)), y);
    }
    try run(.mul_scalar, .i32, @ptrCast(&xs), @ptrCast(&ys), xs.len, 4294967297.0, 0);
    try testing.expectEqualSlices(i32, &xs, &ys);
    var bs = [_]u8{ 0, 1, 2, 127, 128, 255 };
    var by: [6]u8 = undefined;
    try run(.neg, .u8, &bs, &by, 6, 0, 0);
    try testing.expectEqualSlices(u8, &.{ 0, 255, 254, 129, 128, 1 }, &by);
    try run(.add_scalar, .u8, &bs, &by, 6, -1, 0);
    try testing.expectEqualSlices(u8, &.{ 255, 0, 1, 126, 127, 254 }, &by);
    try run(.sign, .u8, &bs, &by, 6, 0, 0);
    try testing.expectEqualSlices(u8, &.{ 0, 1, 1, 1, 1, 1 }, &by);
    try run(.clamp, .u8, &bs, &by, 6, 1.5, 200.9);
    try testing.expectEqualSlices(u8, &.{ 2, 2, 2, 127, 128, 200 }, &by);
}

test "rejections: unsupported dtype, bad scalars" {
    var xs = [_]i32{ 1, 2 };
    var ys: [2]i32 = undefined;
    try testing.expectError(error.UnsupportedDtype, run(.sqrt, .i32, @ptrCast(&xs), @ptrCast(&ys), 2, 0, 0));
    try testing.expectEqualStrings("unary op sqrt does not support i32", status.lastMessage());
    try testing.expectError(error.UnsupportedDtype, run(.neg, .i64, @ptrCast(&xs), @ptrCast(&ys), 1, 0, 0));
    try testing.expectError(error.InvalidArgument, run(.mul_scalar, .i32, @ptrCast(&xs), @ptrCast(&ys), 2, 2.5, 0));
    try testing.expectError(error.InvalidArgument, run(.clamp, .i32, @ptrCast(&xs), @ptrCast(&ys), 2, std.math.nan(f64), 0));
    try testing.expectError(error.InvalidArgument, opFromCode(26));
}

test "clamp with NaN bounds, NaN propagation, in place and threaded sizes" {
    var xs = [_]f32{ std.math.nan(f32), -5, 0.5, 5 };
    var ys: [4]f32 = undefined;
    try runF32(.clamp, &xs, &ys, -1, 1);
    try testing.expect(std.math.isNan(ys[0]));
    try testing.expectEqualSlices(f32, &.{ -1, 0.5, 1 }, ys[1..]);
    try runF32(.clamp, &xs, &ys, std.math.nan(f64), 1);
    for (ys) |y| try testing.expect(std.math.isNan(y));
    try runF32(.relu, &xs, &ys, 0, 0);
    try testing.expect(std.math.isNan(ys[0]));

    for ([_]usize{ 1, 15, 16, 17, 33, 100_003 }) |n| {
        const buf = try testing.allocator.alloc(f32, n);
        defer testing.allocator.free(buf);
        for (buf, 0..) |*v, i| v.* = @as(f32, @floatFromInt(i % 97)) * 0.25 - 12;
        try run(.exp, .f32, @ptrCast(buf.ptr), @ptrCast(buf.ptr), n, 0, 0); // in place
        for (buf, 0..) |v, i| {
            const x = @as(f32, @floatFromInt(i % 97)) * 0.25 - 12;
            try testing.expect(close32(v, @exp(@as(f64, x))));
        }
    }
}
const gelu_table = [_][2]f64{
    .{ -40.0, -0.0 },
    .{ -38.0, -1.096462777e-314 },
    .{ -30.0, -1.472014178144456e-196 },
    .{ -20.0, -5.507248237212468e-88 },
    .{ -12.0, -2.1317785344932147e-32 },
    .{ -10.0, -7.619853024160526e-23 },
    .{ -8.5, -8.05760459887282e-17 },
    .{ -7.0, -8.958687807200846e-12 },
    .{ -6.37, -6.020548178596326e-10 },
    .{ -6.364, -6.254734541559391e-10 },
    .{ -6.3, -9.37583779710257e-10 },
    .{ -5.0, -1.4332578593959695e-06 },
    .{ -4.2, -5.605214586680658e-05 },
    .{ -3.6, -0.0005727909245671218 },
    .{ -3.53, -0.0007334628121865936 },
    .{ -3.0, -0.0040496940948902835 },
    .{ -2.5, -0.015524163314440337 },
    .{ -2.0, -0.04550026389635842 },
    .{ -1.5, -0.1002108019032871 },
    .{ -1.414, -0.11125486505499699 },
    .{ -1.4, -0.11305932292727948 },
    .{ -1.0, -0.15865525393145705 },
    .{ -0.7, -0.1693745565561511 },
    .{ -0.5, -0.15426876936299344 },
    .{ -0.1, -0.0460172162722971 },
    .{ -0.001, -0.000499601057786089 },
    .{ -1e-08, -4.999999960105772e-09 },
    .{ -1e-30, -5e-31 },
    .{ 0.0, 0.0 },
    .{ 1e-30, 5e-31 },
    .{ 1e-08, 5.000000039894228e-09 },
    .{ 0.001, 0.000500398942213911 },
    .{ 0.1, 0.053982783727702904 },
    .{ 0.5, 0.34573123063700656 },
    .{ 0.7, 0.5306254434438489 },
    .{ 1.0, 0.8413447460685429 },
    .{ 1.4, 1.2869406770727205 },
    .{ 1.415, 1.303874039055877 },
    .{ 1.5, 1.399789198096713 },
    .{ 2.0, 1.9544997361036416 },
    .{ 2.5, 2.4844758366855597 },
    .{ 3.0, 2.99595030590511 },
    .{ 3.53, 3.529266537187813 },
    .{ 3.6, 3.599427209075433 },
    .{ 4.2, 4.199943947854133 },
    .{ 5.0, 4.999998566742141 },
    .{ 6.3, 6.2999999990624165 },
    .{ 6.37, 6.369999999397946 },
    .{ 7.0, 6.999999999991041 },
    .{ 8.5, 8.5 },
    .{ 10.0, 10.0 },
    .{ 12.0, 12.0 },
    .{ 20.0, 20.0 },
};

test "f16/bf16: every op equals the f32 op on the widened input, rounded once" {
    var bits: [300]u16 = undefined;
    var wide: [300]f32 = undefined;
    var want: [300]f32 = undefined;
    var got: [300]u16 = undefined;
    inline for (.{ half16.Format.f16, half16.Format.bf16 }) |fmt| {
        for (&bits, 0..) |*b, i| b.* = half16.fromF32(fmt, (@as(f32, @floatFromInt(i)) - 150) / 37.0);
        half16.sliceToF32(fmt, &wide, &bits);
        inline for (std.meta.fields(Op)) |f| {
            const op: Op = @enumFromInt(f.value);
            try run(op, .f32, @ptrCast(&wide), @ptrCast(&want), wide.len, 1.5, 2.5);
            try run(op, if (fmt == .f16) .f16 else .bf16, @ptrCast(&bits), @ptrCast(&got), bits.len, 1.5, 2.5);
            for (want, got) |w, g| {
                const r = half16.fromF32(fmt, w);
                if (std.math.isNan(w)) try testing.expect(std.math.isNan(half16.toF32(fmt, g))) else try testing.expectEqual(r, g);
            }
        }
    }
}

test "round halves to even on f32, f64 and bf16-widened vectors (ReleaseFast regression)" {
    // Inputs, exact in bf16, and PyTorch's results (torch.round), incl. -0 and non-finite values.
    const xs = [_]f32{ 0.5, 1.5, 2.5, -0.5, -1.5, -2.5, -3.703125, 0.25, -0.25, 3.0, 1099511627776.0, std.math.inf(f32), -std.math.inf(f32) };
    const want = [_]f32{ 0.0, 2.0, 2.0, -0.0, -2.0, -2.0, -4.0, 0.0, -0.0, 3.0, 1099511627776.0, std.math.inf(f32), -std.math.inf(f32) };
    var bits: [xs.len]u16 = undefined;
    var got: [xs.len]u16 = undefined;
    for (xs, &bits) |x, *b| b.* = half16.fromF32(.bf16, x);
    try run(.round, .bf16, @ptrCast(&bits), @ptrCast(&got), xs.len, 0, 0);
    for (want, got) |w, g| try testing.expectEqual(@as(u32, @bitCast(w)), @as(u32, @bitCast(half16.toF32(.bf16, g))));
    var y32: [xs.len]f32 = undefined;
    try run(.round, .f32, @ptrCast(&xs), @ptrCast(&y32), xs.len, 0, 0);
    for (want, y32) |w, g| try testing.expectEqual(@as(u32, @bitCast(w)), @as(u32, @bitCast(g)));
    var x64: [xs.len]f64 = undefined;
    var y64: [xs.len]f64 = undefined;
    for (xs, &x64) |x, *d| d.* = x;
    try run(.round, .f64, @ptrCast(&x64), @ptrCast(&y64), xs.len, 0, 0);
    for (want, y64) |w, g| try testing.expectEqual(@as(u64, @bitCast(@as(f64, w))), @as(u64, @bitCast(g)));
    var nan_in = [_]f32{std.math.nan(f32)};
    var nan_out: [1]f32 = undefined;
    try run(.round, .f32, @ptrCast(&nan_in), @ptrCast(&nan_out), 1, 0, 0);
    try testing.expect(std.math.isNan(nan_out[0]));
}
