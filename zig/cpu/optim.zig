//! Fused optimizer steps on contiguous f32 buffers: one pass over the elements of one parameter
//! tensor updates the parameter and its optimizer state in place.
//!
//! Every update reproduces PyTorch's single-tensor (`foreach=False`) CPU reference operation by
//! operation, including which steps PyTorch's CPU kernels round once (fused multiply-add) and which
//! twice. Measured against torch 2.13 (AVX-512 and scalar tail paths agree):
//!   `a.add_(b, alpha=s)`          → fma(b, s, a)
//!   `a.lerp_(b, w)`               → |w| < 0.5 ? fma(w, b − a, a) : fma(w − 1, b − a, b)
//!   `a.addcmul_(b, c, value=s)`   → fma(s·b, c, a)
//!   `a.addcdiv_(b, c, value=s)`   → a + (s·b) / c            (no fusion through the division)
//!   `a.mul_(s)`, `a / s`, `a.sqrt()`, `a.add_(s)` → one rounding each.
//! Python-float hyper-parameters are combined in f64 (as Python does) and cast to f32 where
//! PyTorch passes them to an f32 kernel; `x ** y` is libm's `pow`, as CPython's.
//!
//! All updates are element-wise, so the result does not depend on how `[0, n)` is split between
//! threads or between the SIMD body and the scalar tail (same IEEE operations on both paths).
const std = @import("std");
const pool = @import("pool.zig");

/// Elements per thread below which a step runs on one thread.
pub const min_chunk: usize = 1 << 14;

const L = std.simd.suggestVectorLength(f32) orelse 8;
const Vf = @Vector(L, f32);

extern "c" fn pow(x: f64, y: f64) f64;

/// CPython's `x ** y` for floats (libm pow).
pub fn pyPow(x: f64, y: f64) f64 {
    return pow(x, y);
}

inline fn ld(comptime V: type, s: []const f32, i: usize) V {
    if (V == f32) return s[i];
    return s[i..][0..L].*;
}

inline fn st(comptime V: type, s: []f32, i: usize, x: V) void {
    if (V == f32) {
        s[i] = x;
    } else {
        s[i..][0..L].* = x;
    }
}

inline fn sp(comptime V: type, x: f32) V {
    return if (V == f32) x else @splat(x);
}

inline fn fma(comptime V: type, a: V, b: V, c: V) V {
    return @mulAdd(V, a, b, c);
}

/// ATen's `lerp(self, end, weight)` with a scalar weight.
inline fn lerp(comptime V: type, self: V, end: V, w: f32) V {
    const d = end - self;
    if (@abs(w) < 0.5) return fma(V, sp(V, w), d, self);
    return fma(V, sp(V, w - 1), d, end);
}

/// `torch.maximum`: NaN propagates; otherwise `a > b ? a : b`.
inline fn maximum(comptime V: type, a: V, b: V) V {
    if (V == f32) return if (a != a) a else if (b != b) b else if (a > b) a else b;
    return @select(f32, a != a, a, @select(f32, b != b, b, @select(f32, a > b, a, b)));
}

/// Runs `Body.step(V, ctx, i)` over `[begin, end)`: SIMD body, then scalar tail.
inline fn sweep(comptime Body: type, ctx: anytype, begin: usize, end: usize) void {
    var i = begin;
    while (i + L <= end) : (i += L) Body.step(Vf, ctx, i);
    while (i < end) : (i += 1) Body.step(f32, ctx, i);
}

fn run(comptime Body: type, ctx: anytype, n: usize) void {
    const R = struct {
        fn range(c: @TypeOf(ctx), begin: usize, end: usize) void {
            sweep(Body, c, begin, end);
        }
    };
    pool.parallelFor(n, min_chunk, ctx, R.range);
}

// ---------------------------------------------------------------------------------------------
// SGD (torch/optim/sgd.py, _single_tensor_sgd)

pub const Sgd = struct {
    /// f32(weight_decay); the decay term is skipped when weight_decay == 0, as PyTorch.
    wd: f32,
    use_wd: bool,
    /// f32(momentum); momentum == 0 means no buffer.
    momentum: f32,
    use_momentum: bool,
    /// f32(1 - dampening)
    damp: f32,
    /// f32(-lr)
    neg_lr: f32,
    nesterov: bool,
    maximize: bool,
    /// PyTorch's first step: buf = clone(grad), no dampening.
    first: bool,

    pub fn init(lr: f64, momentum: f64, dampening: f64, weight_decay: f64, nesterov: bool, maximize: bool, first: bool) Sgd {
        return .{
            .wd = @floatCast(weight_decay),
            .use_wd = weight_decay != 0,
            .momentum = @floatCast(momentum),
            .use_momentum = momentum != 0,
            .damp = @floatCast(1 - dampening),
            .neg_lr = @floatCast(-lr),
            .nesterov = nesterov,
            .maximize = maximize,
            .first = first,
        };
    }
};

const SgdCtx = struct { k: Sgd, p: []f32, g: []const f32, buf: []f32 };

fn SgdBody(comptime wd: bool, comptime mom: bool, comptime nesterov: bool, comptime maximize: bool, comptime first: bool) type {
    return struct {
        inline fn step(comptime V: type, c: SgdCtx, i: usize) void {
            const p = ld(V, c.p, i);
            var g = ld(V, c.g, i);
            if (maximize) g = -g;
            if (wd) g = fma(V, p, sp(V, c.k.wd), g);
            if (mom) {
                const buf = if (first) g else fma(V, g, sp(V, c.k.damp), ld(V, c.buf, i) * sp(V, c.k.momentum));
                st(V, c.buf, i, buf);
                g = if (nesterov) fma(V, buf, sp(V, c.k.momentum), g) else buf;
            }
            st(V, c.p, i, fma(V, g, sp(V, c.k.neg_lr), p));
        }
    };
}

/// One SGD step. `buf` (n elements) is read only when `k.use_momentum` and not `k.first`, and
/// written when `k.use_momentum`; it may be empty otherwise.
pub fn sgd(k: Sgd, p: []f32, g: []const f32, buf: []f32) void {
    const bits: u5 = @as(u5, @intFromBool(k.use_wd)) | @as(u5, @intFromBool(k.use_momentum)) << 1 |
        @as(u5, @intFromBool(k.nesterov and k.use_momentum)) << 2 | @as(u5, @intFromBool(k.maximize)) << 3 |
        @as(u5, @intFromBool(k.first and k.use_momentum)) << 4;
    const ctx = SgdCtx{ .k = k, .p = p, .g = g, .buf = buf };
    switch (bits) {
        inline else => |b| run(SgdBody(b & 1 != 0, b & 2 != 0, b & 4 != 0, b & 8 != 0, b & 16 != 0), ctx, p.len),
    }
}

// ---------------------------------------------------------------------------------------------
// Adam / AdamW (torch/optim/adam.py, _single_tensor_adam, capturable=False)

pub const Adam = struct {
    /// L2 (Adam): grad += wd·param; f32(weight_decay)
    wd: f32,
    /// 0 none, 1 L2 added to the gradient (Adam), 2 decoupled (AdamW: param *= 1 − lr·wd)
    decay_mode: u2,
    /// f32(1 − lr·wd) for AdamW
    decay: f32,
    /// lerp weight f32(1 − beta1)
    w1: f32,
    beta2: f32,
    /// f32(1 − beta2)
    c2: f32,
    /// f32(sqrt(1 − beta2^step))
    bc2_sqrt: f32,
    eps: f32,
    /// f32(−lr / (1 − beta1^step))
    neg_step_size: f32,
    amsgrad: bool,
    maximize: bool,

    pub fn init(lr: f64, beta1: f64, beta2: f64, eps: f64, weight_decay: f64, step: f64, amsgrad: bool, decoupled: bool, maximize: bool) Adam {
        const bc1 = 1 - pyPow(beta1, step);
        const bc2 = 1 - pyPow(beta2, step);
        const step_size = lr / bc1;
        return .{
            .wd = @floatCast(weight_decay),
            .decay_mode = if (weight_decay == 0) 0 else if (decoupled) 2 else 1,
            .decay = @floatCast(1 - lr * weight_decay),
            .w1 = @floatCast(1 - beta1),
            .beta2 = @floatCast(beta2),
            .c2 = @floatCast(1 - beta2),
            .bc2_sqrt = @floatCast(@sqrt(bc2)),
            .eps = @floatCast(eps),
            .neg_step_size = @floatCast(-step_size),
            .amsgrad = amsgrad,
            .maximize = maximize,
        };
    }
};

const AdamCtx = struct { k: Adam, p: []f32, g: []const f32, m: []f32, v: []f32, vmax: []f32 };

fn AdamBody(comptime mode: u2, comptime amsgrad: bool, comptime maximize: bool) type {
    return struct {
        inline fn step(comptime V: type, c: AdamCtx, i: usize) void {
            var p = ld(V, c.p, i);
            var g = ld(V, c.g, i);
            if (maximize) g = -g;
            switch (mode) {
                0 => {},
                1 => g = fma(V, p, sp(V, c.k.wd), g),
                2 => p = p * sp(V, c.k.decay),
                3 => unreachable,
            }
            const m = lerp(V, ld(V, c.m, i), g, c.k.w1);
            st(V, c.m, i, m);
            const v = fma(V, sp(V, c.k.c2) * g, g, ld(V, c.v, i) * sp(V, c.k.beta2));
            st(V, c.v, i, v);
            var s = v;
            if (amsgrad) {
                s = maximum(V, ld(V, c.vmax, i), v);
                st(V, c.vmax, i, s);
            }
            const denom = @sqrt(s) / sp(V, c.k.bc2_sqrt) + sp(V, c.k.eps);
            st(V, c.p, i, p + (sp(V, c.k.neg_step_size) * m) / denom);
        }
    };
}

/// One Adam/AdamW step; `vmax` (n elements) is used only with `k.amsgrad` (may be empty otherwise).
pub fn adam(k: Adam, p: []f32, g: []const f32, m: []f32, v: []f32, vmax: []f32) void {
    const bits: u4 = @as(u4, k.decay_mode) | @as(u4, @intFromBool(k.amsgrad)) << 2 | @as(u4, @intFromBool(k.maximize)) << 3;
    const ctx = AdamCtx{ .k = k, .p = p, .g = g, .m = m, .v = v, .vmax = vmax };
    switch (bits) {
        inline else => |b| if (b & 3 != 3) run(AdamBody(@intCast(b & 3), b & 4 != 0, b & 8 != 0), ctx, p.len) else unreachable,
    }
}

// ---------------------------------------------------------------------------------------------
// RMSprop (torch/optim/rmsprop.py, _single_tensor_rmsprop)

pub const Rmsprop = struct {
    alpha: f32,
    /// f32(1 − alpha): addcmul value and lerp weight
    c: f32,
    eps: f32,
    wd: f32,
    use_wd: bool,
    momentum: f32,
    /// momentum > 0
    use_momentum: bool,
    neg_lr: f32,
    centered: bool,
    maximize: bool,

    pub fn init(lr: f64, alpha: f64, eps: f64, weight_decay: f64, momentum: f64, centered: bool, maximize: bool) Rmsprop {
        return .{
            .alpha = @floatCast(alpha),
            .c = @floatCast(1 - alpha),
            .eps = @floatCast(eps),
            .wd = @floatCast(weight_decay),
            .use_wd = weight_decay != 0,
            .momentum = @floatCast(momentum),
            .use_momentum = momentum > 0,
            .neg_lr = @floatCast(-lr),
            .centered = centered,
            .maximize = maximize,
        };
    }
};

const RmspropCtx = struct { k: Rmsprop, p: []f32, g: []const f32, sq: []f32, buf: []f32, gavg: []f32 };

fn RmspropBody(comptime wd: bool, comptime mom: bool, comptime centered: bool, comptime maximize: bool) type {
    return struct {
        inline fn step(comptime V: type, c: RmspropCtx, i: usize) void {
            const p = ld(V, c.p, i);
            var g = ld(V, c.g, i);
            if (maximize) g = -g;
            if (wd) g = fma(V, p, sp(V, c.k.wd), g);
            const sq = fma(V, sp(V, c.k.c) * g, g, ld(V, c.sq, i) * sp(V, c.k.alpha));
            st(V, c.sq, i, sq);
            var avg: V = undefined;
            if (centered) {
                const ga = lerp(V, ld(V, c.gavg, i), g, c.k.c);
                st(V, c.gavg, i, ga);
                avg = @sqrt(fma(V, -ga, ga, sq));
            } else {
                avg = @sqrt(sq);
            }
            avg = avg + sp(V, c.k.eps);
            if (mom) {
                const buf = ld(V, c.buf, i) * sp(V, c.k.momentum) + g / avg;
                st(V, c.buf, i, buf);
                st(V, c.p, i, fma(V, buf, sp(V, c.k.neg_lr), p));
            } else {
                st(V, c.p, i, p + (sp(V, c.k.neg_lr) * g) / avg);
            }
        }
    };
}

/// One RMSprop step; `buf` is used only when `k.use_momentum`, `gavg` only when `k.centered`.
pub fn rmsprop(k: Rmsprop, p: []f32, g: []const f32, sq: []f32, buf: []f32, gavg: []f32) void {
    const bits: u4 = @as(u4, @intFromBool(k.use_wd)) | @as(u4, @intFromBool(k.use_momentum)) << 1 |
        @as(u4, @intFromBool(k.centered)) << 2 | @as(u4, @intFromBool(k.maximize)) << 3;
    const ctx = RmspropCtx{ .k = k, .p = p, .g = g, .sq = sq, .buf = buf, .gavg = gavg };
    switch (bits) {
        inline else => |b| run(RmspropBody(b & 1 != 0, b & 2 != 0, b & 4 != 0, b & 8 != 0), ctx, p.len),
    }
}

// ---------------------------------------------------------------------------------------------
// Adagrad (torch/optim/adagrad.py, _single_tensor_adagrad, dense gradients)

pub const Adagrad = struct {
    wd: f32,
    use_wd: bool,
    eps: f32,
    /// f32(−lr / (1 + (step − 1)·lr_decay))
    neg_clr: f32,
    maximize: bool,

    pub fn init(lr: f64, lr_decay: f64, weight_decay: f64, eps: f64, step: f64, maximize: bool) Adagrad {
        const clr = lr / (1 + (step - 1) * lr_decay);
        return .{
            .wd = @floatCast(weight_decay),
            .use_wd = weight_decay != 0,
            .eps = @floatCast(eps),
            .neg_clr = @floatCast(-clr),
            .maximize = maximize,
        };
    }
};

const AdagradCtx = struct { k: Adagrad, p: []f32, g: []const f32, sum: []f32 };

fn AdagradBody(comptime wd: bool, comptime maximize: bool) type {
    return struct {
        inline fn step(comptime V: type, c: AdagradCtx, i: usize) void {
            const p = ld(V, c.p, i);
            var g = ld(V, c.g, i);
            if (maximize) g = -g;
            if (wd) g = fma(V, p, sp(V, c.k.wd), g);
            const s = fma(V, g, g, ld(V, c.sum, i));
            st(V, c.sum, i, s);
            const std_ = @sqrt(s) + sp(V, c.k.eps);
            st(V, c.p, i, p + (sp(V, c.k.neg_clr) * g) / std_);
        }
    };
}

pub fn adagrad(k: Adagrad, p: []f32, g: []const f32, sum: []f32) void {
    const bits: u2 = @as(u2, @intFromBool(k.use_wd)) | @as(u2, @intFromBool(k.maximize)) << 1;
    const ctx = AdagradCtx{ .k = k, .p = p, .g = g, .sum = sum };
    switch (bits) {
        inline else => |b| run(AdagradBody(b & 1 != 0, b & 2 != 0), ctx, p.len),
    }
}

// ---------------------------------------------------------------------------------------------
// LAMB (You et al. 2019, "Large Batch Optimization for Deep Learning", Algorithm 2)
//
//   m ← β1·m + (1 − β1)·g          (as Adam: m.lerp_(g, 1 − β1))
//   v ← β2·v + (1 − β2)·g²         (as Adam: v.mul_(β2).addcmul_(g, g, value=1 − β2))
//   m̂ = m / (1 − β1^t), v̂ = v / (1 − β2^t)   (only with bias correction; else m̂ = m, v̂ = v)
//   r = m̂ / (√v̂ + ε) + λ·x
//   x ← x − η · φ(‖x‖) / ‖r‖ · r,  φ = identity; the ratio is 1 when ‖x‖ or ‖r‖ is 0.
// `lambUpdate` writes r; the caller takes both norms (axon_reduce sum_of_squares) and `lambApply`
// applies the step.

pub const Lamb = struct {
    w1: f32,
    beta2: f32,
    c2: f32,
    /// f32(1 − β1^t), f32(1 − β2^t) (1 without bias correction)
    bc1: f32,
    bc2: f32,
    bias_correction: bool,
    eps: f32,
    wd: f32,
    use_wd: bool,
    maximize: bool,

    pub fn init(beta1: f64, beta2: f64, eps: f64, weight_decay: f64, step: f64, bias_correction: bool, maximize: bool) Lamb {
        return .{
            .w1 = @floatCast(1 - beta1),
            .beta2 = @floatCast(beta2),
            .c2 = @floatCast(1 - beta2),
            .bc1 = if (bias_correction) @floatCast(1 - pyPow(beta1, step)) else 1,
            .bc2 = if (bias_correction) @floatCast(1 - pyPow(beta2, step)) else 1,
            .bias_correction = bias_correction,
            .eps = @floatCast(eps),
            .wd = @floatCast(weight_decay),
            .use_wd = weight_decay != 0,
            .maximize = maximize,
        };
    }
};

const LambCtx = struct { k: Lamb, p: []const f32, g: []const f32, m: []f32, v: []f32, r: []f32 };

fn LambBody(comptime bc: bool, comptime wd: bool, comptime maximize: bool) type {
    return struct {
        inline fn step(comptime V: type, c: LambCtx, i: usize) void {
            var g = ld(V, c.g, i);
            if (maximize) g = -g;
            const m = lerp(V, ld(V, c.m, i), g, c.k.w1);
            st(V, c.m, i, m);
            const v = fma(V, sp(V, c.k.c2) * g, g, ld(V, c.v, i) * sp(V, c.k.beta2));
            st(V, c.v, i, v);
            const mh = if (bc) m / sp(V, c.k.bc1) else m;
            const vh = if (bc) v / sp(V, c.k.bc2) else v;
            var r = mh / (@sqrt(vh) + sp(V, c.k.eps));
            if (wd) r = fma(V, ld(V, c.p, i), sp(V, c.k.wd), r);
            st(V, c.r, i, r);
        }
    };
}

/// Updates m and v and writes the raw LAMB update r (param is only read).
pub fn lambUpdate(k: Lamb, p: []const f32, g: []const f32, m: []f32, v: []f32, r: []f32) void {
    const bits: u3 = @as(u3, @intFromBool(k.bias_correction)) | @as(u3, @intFromBool(k.use_wd)) << 1 | @as(u3, @intFromBool(k.maximize)) << 2;
    const ctx = LambCtx{ .k = k, .p = p, .g = g, .m = m, .v = v, .r = r };
    switch (bits) {
        inline else => |b| run(LambBody(b & 1 != 0, b & 2 != 0, b & 4 != 0), ctx, g.len),
    }
}

/// LAMB's trust ratio: ‖x‖ / ‖r‖, or 1 when either norm is 0 (f64).
pub fn lambTrust(param_norm: f64, update_norm: f64) f64 {
    if (param_norm > 0 and update_norm > 0) return param_norm / update_norm;
    return 1;
}

const AxpyCtx = struct { alpha: f32, y: []f32, x: []const f32 };

const AxpyBody = struct {
    inline fn step(comptime V: type, c: AxpyCtx, i: usize) void {
        st(V, c.y, i, fma(V, ld(V, c.x, i), sp(V, c.alpha), ld(V, c.y, i)));
    }
};

/// `y.add_(x, alpha=alpha)`: y = fma(x, alpha, y).
pub fn axpy(alpha: f32, y: []f32, x: []const f32) void {
    run(AxpyBody, AxpyCtx{ .alpha = alpha, .y = y, .x = x }, y.len);
}

// ---------------------------------------------------------------------------------------------
// Gradient clipping helpers

const ScaleCtx = struct { s: f32, y: []f32 };
const ScaleBody = struct {
    inline fn step(comptime V: type, c: ScaleCtx, i: usize) void {
        st(V, c.y, i, ld(V, c.y, i) * sp(V, c.s));
    }
};

/// y *= s
pub fn scale(s: f32, y: []f32) void {
    run(ScaleBody, ScaleCtx{ .s = s, .y = y }, y.len);
}

const ClampCtx = struct { lo: f32, hi: f32, y: []f32 };
const ClampBody = struct {
    inline fn step(comptime V: type, c: ClampCtx, i: usize) void {
        const x = ld(V, c.y, i);
        const lo = sp(V, c.lo);
        const hi = sp(V, c.hi);
        // torch.clamp: NaN stays NaN; min(max(x, lo), hi).
        if (V == f32) {
            st(V, c.y, i, if (x != x) x else if (x < lo) lo else if (x > hi) hi else x);
        } else {
            st(V, c.y, i, @select(f32, x < lo, lo, @select(f32, x > hi, hi, x)));
        }
    }
};

/// y = clamp(y, lo, hi) (lo ≤ hi; NaN stays NaN).
pub fn clamp(lo: f32, hi: f32, y: []f32) void {
    run(ClampBody, ClampCtx{ .lo = lo, .hi = hi, .y = y }, y.len);
}

const CountCtx = struct { y: []const f32, total: *std.atomic.Value(u64) };
fn countRange(c: CountCtx, begin: usize, end: usize) void {
    var k: u64 = 0;
    for (c.y[begin..end]) |x| k += @intFromBool(!std.math.isFinite(x));
    _ = c.total.fetchAdd(k, .monotonic);
}

/// Number of NaN and ±inf elements.
pub fn nonfiniteCount(y: []const f32) u64 {
    var total = std.atomic.Value(u64).init(0);
    pool.parallelFor(y.len, min_chunk * 4, CountCtx{ .y = y, .total = &total }, countRange);
    return total.load(.monotonic);
}

// ---------------------------------------------------------------------------------------------
// tests: each kernel against a plain scalar loop written in PyTorch's operation order.

const testing = std.testing;

fn expectBits(want: []const f32, got: []const f32) !void {
    for (want, got, 0..) |w, g, i| {
        if (@as(u32, @bitCast(w)) != @as(u32, @bitCast(g))) {
            std.debug.print("element {d}: want {e} ({x}), got {e} ({x})\n", .{ i, w, @as(u32, @bitCast(w)), g, @as(u32, @bitCast(g)) });
            return error.TestExpectedEqual;
        }
    }
}

const T = 37; // not a multiple of the vector width: exercises body and tail

fn testData(seed: u64, out: []f32) void {
    var rng = std.Random.DefaultPrng.init(seed);
    for (out) |*x| x.* = rng.random().floatNorm(f32);
}

fn gradAt(step: usize, g: []f32) void {
    testData(1000 + step, g);
}

test "sgd matches a scalar reference for every option" {
    const lr = 0.05;
    for (0..16) |combo| {
        const momentum: f64 = if (combo & 1 != 0) 0.9 else 0;
        const nesterov = combo & 2 != 0 and momentum != 0;
        const dampening: f64 = if (combo & 4 != 0 and !nesterov) 0.3 else 0;
        const wd: f64 = if (combo & 8 != 0) 0.01 else 0;
        for ([_]bool{ false, true }) |maximize| {
            var p: [T]f32 = undefined;
            var buf: [T]f32 = undefined;
            var g: [T]f32 = undefined;
            var rp: [T]f32 = undefined;
            var rbuf: [T]f32 = undefined;
            testData(1, &p);
            rp = p;
            for (1..11) |s| {
                gradAt(s, &g);
                sgd(Sgd.init(lr, momentum, dampening, wd, nesterov, maximize, s == 1), &p, &g, &buf);
                for (0..T) |i| {
                    var gi = g[i];
                    if (maximize) gi = -gi;
                    if (wd != 0) gi = @mulAdd(f32, rp[i], @floatCast(wd), gi);
                    if (momentum != 0) {
                        if (s == 1) rbuf[i] = gi else rbuf[i] = @mulAdd(f32, gi, @floatCast(1 - dampening), rbuf[i] * @as(f32, @floatCast(momentum)));
                        gi = if (nesterov) @mulAdd(f32, rbuf[i], @floatCast(momentum), gi) else rbuf[i];
                    }
                    rp[i] = @mulAdd(f32, gi, @floatCast(-lr), rp[i]);
                }
            }
            try expectBits(&rp, &p);
            if (momentum != 0) try expectBits(&rbuf, &buf);
        }
    }
}

test "adam matches a scalar reference for every option" {
    const lr = 0.01;
    const b1 = 0.9;
    const b2 = 0.999;
    const eps = 1e-8;
    for (0..16) |combo| {
        const amsgrad = combo & 1 != 0;
        const decoupled = combo & 2 != 0;
        const maximize = combo & 4 != 0;
        const wd: f64 = if (combo & 8 != 0) 0.1 else 0;
        var p: [T]f32 = undefined;
        var g: [T]f32 = undefined;
        var m = [_]f32{0} ** T;
        var v = [_]f32{0} ** T;
        var vm = [_]f32{0} ** T;
        testData(2, &p);
        var rp = p;
        var rm = m;
        var rv = v;
        var rvm = vm;
        for (1..11) |s| {
            gradAt(s, &g);
            const step: f64 = @floatFromInt(s);
            adam(Adam.init(lr, b1, b2, eps, wd, step, amsgrad, decoupled, maximize), &p, &g, &m, &v, &vm);
            const bc1 = 1 - pyPow(b1, step);
            const bc2 = 1 - pyPow(b2, step);
            const nss: f32 = @floatCast(-(lr / bc1));
            const bc2s: f32 = @floatCast(@sqrt(bc2));
            const w1: f32 = @floatCast(1 - b1);
            for (0..T) |i| {
                var gi = g[i];
                if (maximize) gi = -gi;
                if (wd != 0) {
                    if (decoupled) rp[i] = rp[i] * @as(f32, @floatCast(1 - lr * wd)) else gi = @mulAdd(f32, rp[i], @floatCast(wd), gi);
                }
                rm[i] = @mulAdd(f32, w1, gi - rm[i], rm[i]);
                rv[i] = @mulAdd(f32, @as(f32, @floatCast(1 - b2)) * gi, gi, rv[i] * @as(f32, @floatCast(b2)));
                var s2 = rv[i];
                if (amsgrad) {
                    rvm[i] = @max(rvm[i], rv[i]);
                    s2 = rvm[i];
                }
                const denom = @sqrt(s2) / bc2s + @as(f32, @floatCast(eps));
                rp[i] = rp[i] + (nss * rm[i]) / denom;
            }
        }
        try expectBits(&rp, &p);
        try expectBits(&rm, &m);
        try expectBits(&rv, &v);
        if (amsgrad) try expectBits(&rvm, &vm);
    }
}

test "rmsprop matches a scalar reference for every option" {
    const lr = 0.01;
    const alpha = 0.99;
    const eps = 1e-8;
    for (0..16) |combo| {
        const centered = combo & 1 != 0;
        const maximize = combo & 2 != 0;
        const momentum: f64 = if (combo & 4 != 0) 0.9 else 0;
        const wd: f64 = if (combo & 8 != 0) 0.1 else 0;
        var p: [T]f32 = undefined;
        var g: [T]f32 = undefined;
        var sq = [_]f32{0} ** T;
        var buf = [_]f32{0} ** T;
        var ga = [_]f32{0} ** T;
        testData(3, &p);
        var rp = p;
        var rsq = sq;
        var rbuf = buf;
        var rga = ga;
        const c: f32 = @floatCast(1 - alpha);
        for (1..11) |s| {
            gradAt(s, &g);
            rmsprop(Rmsprop.init(lr, alpha, eps, wd, momentum, centered, maximize), &p, &g, &sq, &buf, &ga);
            for (0..T) |i| {
                var gi = g[i];
                if (maximize) gi = -gi;
                if (wd != 0) gi = @mulAdd(f32, rp[i], @floatCast(wd), gi);
                rsq[i] = @mulAdd(f32, c * gi, gi, rsq[i] * @as(f32, @floatCast(alpha)));
                var avg: f32 = undefined;
                if (centered) {
                    rga[i] = @mulAdd(f32, c, gi - rga[i], rga[i]);
                    avg = @sqrt(@mulAdd(f32, -rga[i], rga[i], rsq[i]));
                } else avg = @sqrt(rsq[i]);
                avg += @as(f32, @floatCast(eps));
                if (momentum > 0) {
                    rbuf[i] = rbuf[i] * @as(f32, @floatCast(momentum)) + gi / avg;
                    rp[i] = @mulAdd(f32, rbuf[i], @floatCast(-lr), rp[i]);
                } else rp[i] = rp[i] + (@as(f32, @floatCast(-lr)) * gi) / avg;
            }
        }
        try expectBits(&rp, &p);
        try expectBits(&rsq, &sq);
        if (centered) try expectBits(&rga, &ga);
        if (momentum > 0) try expectBits(&rbuf, &buf);
    }
}

test "adagrad matches a scalar reference for every option" {
    const lr = 0.1;
    const lr_decay = 0.01;
    const eps = 1e-10;
    for (0..4) |combo| {
        const maximize = combo & 1 != 0;
        const wd: f64 = if (combo & 2 != 0) 0.1 else 0;
        var p: [T]f32 = undefined;
        var g: [T]f32 = undefined;
        var sum = [_]f32{0.1} ** T;
        testData(4, &p);
        var rp = p;
        var rsum = sum;
        for (1..11) |s| {
            gradAt(s, &g);
            const step: f64 = @floatFromInt(s);
            adagrad(Adagrad.init(lr, lr_decay, wd, eps, step, maximize), &p, &g, &sum);
            const nclr: f32 = @floatCast(-(lr / (1 + (step - 1) * lr_decay)));
            for (0..T) |i| {
                var gi = g[i];
                if (maximize) gi = -gi;
                if (wd != 0) gi = @mulAdd(f32, rp[i], @floatCast(wd), gi);
                rsum[i] = @mulAdd(f32, gi, gi, rsum[i]);
                rp[i] = rp[i] + (nclr * gi) / (@sqrt(rsum[i]) + @as(f32, @floatCast(eps)));
            }
        }
        try expectBits(&rp, &p);
        try expectBits(&rsum, &sum);
    }
}

test "lamb update and apply match a scalar reference" {
    const b1 = 0.9;
    const b2 = 0.999;
    const eps = 1e-6;
    const lr = 0.01;
    for (0..8) |combo| {
        const bc = combo & 1 != 0;
        const wd: f64 = if (combo & 2 != 0) 0.01 else 0;
        const maximize = combo & 4 != 0;
        var p: [T]f32 = undefined;
        var g: [T]f32 = undefined;
        var m = [_]f32{0} ** T;
        var v = [_]f32{0} ** T;
        var r: [T]f32 = undefined;
        testData(5, &p);
        var rp = p;
        var rm = m;
        var rv = v;
        var rr: [T]f32 = undefined;
        for (1..11) |s| {
            gradAt(s, &g);
            const step: f64 = @floatFromInt(s);
            lambUpdate(Lamb.init(b1, b2, eps, wd, step, bc, maximize), &p, &g, &m, &v, &r);
            var pn: f64 = 0;
            var rn: f64 = 0;
            for (p, r) |a, b| {
                pn += @as(f64, a) * a;
                rn += @as(f64, b) * b;
            }
            const trust = lambTrust(@sqrt(pn), @sqrt(rn));
            axpy(@floatCast(-lr * trust), &p, &r);

            const bc1: f32 = if (bc) @floatCast(1 - pyPow(b1, step)) else 1;
            const bc2: f32 = if (bc) @floatCast(1 - pyPow(b2, step)) else 1;
            for (0..T) |i| {
                var gi = g[i];
                if (maximize) gi = -gi;
                rm[i] = @mulAdd(f32, @as(f32, @floatCast(1 - b1)), gi - rm[i], rm[i]);
                rv[i] = @mulAdd(f32, @as(f32, @floatCast(1 - b2)) * gi, gi, rv[i] * @as(f32, @floatCast(b2)));
                const mh = if (bc) rm[i] / bc1 else rm[i];
                const vh = if (bc) rv[i] / bc2 else rv[i];
                rr[i] = mh / (@sqrt(vh) + @as(f32, @floatCast(eps)));
                if (wd != 0) rr[i] = @mulAdd(f32, rp[i], @floatCast(wd), rr[i]);
            }
            try expectBits(&rr, &r);
            var rpn: f64 = 0;
            var rrn: f64 = 0;
            for (rp, rr) |a, b| {
                rpn += @as(f64, a) * a;
                rrn += @as(f64, b) * b;
            }
            const rtrust: f64 = if (rpn > 0 and rrn > 0) @sqrt(rpn) / @sqrt(rrn) else 1;
            for (&rp, rr) |*a, b| a.* = @mulAdd(f32, b, @floatCast(-lr * rtrust), a.*);
        }
        try expectBits(&rp, &p);
        try expectBits(&rm, &m);
        try expectBits(&rv, &v);
    }
    try testing.expectEqual(@as(f64, 1), lambTrust(0, 3));
    try testing.expectEqual(@as(f64, 1), lambTrust(3, 0));
    try testing.expectEqual(@as(f64, 2), lambTrust(4, 2));
}

test "large steps are bit-identical for any thread count" {
    const n = 100_003;
    const a = try testing.allocator.alloc(f32, n * 8);
    defer testing.allocator.free(a);
    const b = try testing.allocator.alloc(f32, n * 8);
    defer testing.allocator.free(b);
    testData(7, a);
    @memcpy(b, a);
    for (a[n * 2 .. n * 5]) |*x| x.* = 0;
    for (b[n * 2 .. n * 5]) |*x| x.* = 0;
    const before = pool.numThreads();
    defer _ = pool.setNumThreads(before);
    for ([_][]f32{ a, b }, [_]usize{ 1, 4 }) |s, threads| {
        _ = pool.setNumThreads(threads);
        for (1..4) |step| {
            const k = Adam.init(1e-3, 0.9, 0.999, 1e-8, 0.01, @floatFromInt(step), true, true, false);
            adam(k, s[0..n], s[n .. 2 * n], s[2 * n .. 3 * n], s[3 * n .. 4 * n], s[4 * n .. 5 * n]);
            sgd(Sgd.init(0.1, 0.9, 0, 0.01, true, false, step == 1), s[5 * n .. 6 * n], s[n .. 2 * n], s[6 * n .. 7 * n]);
            clamp(-0.5, 0.5, s[7 * n .. 8 * n]);
            scale(0.75, s[7 * n .. 8 * n]);
        }
    }
    try testing.expect(std.mem.eql(u32, @ptrCast(a), @ptrCast(b)));
}

test "clipping helpers" {
    var y = [_]f32{ -2, -0.5, 0, 0.25, 3, std.math.nan(f32), std.math.inf(f32), -std.math.inf(f32) } ++ [_]f32{1.5} ** 13;
    try testing.expectEqual(@as(u64, 3), nonfiniteCount(&y));
    clamp(-1, 1, &y);
    try testing.expectEqual(@as(f32, -1), y[0]);
    try testing.expectEqual(@as(f32, -0.5), y[1]);
    try testing.expectEqual(@as(f32, 1), y[4]);
    try testing.expect(std.math.isNan(y[5]));
    try testing.expectEqual(@as(f32, 1), y[6]);
    try testing.expectEqual(@as(f32, -1), y[7]);
    try testing.expectEqual(@as(f32, 1), y[20]);
    scale(0.5, &y);
    try testing.expectEqual(@as(f32, -0.5), y[0]);
    try testing.expectEqual(@as(f32, 0.5), y[20]);
    try testing.expectEqual(@as(u64, 1), nonfiniteCount(&y));
}
