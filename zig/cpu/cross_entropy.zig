//! Cross-entropy over contiguous f32 logits `[n, c]` with i32 targets, optional class weights,
//! `ignore_index` and label smoothing ε (zig/ABI.md, version 2). Per row i with target t:
//!
//!   lse  = logsumexp(z)  (max-subtracted: m + log Σ exp(z_j − m), the sum in f64)
//!   loss = (1−ε)·w[t]·(lse − z[t]) + ε/c·Σ_j w[j]·(lse − z[j])     (0 when t == ignore_index)
//!   dz_j = g·((1−ε)·w[t]·(p_j − δ_jt) + ε/c·(W·p_j − w[j])),  p_j = exp(z_j − lse), W = Σ w
//!
//! This equals PyTorch's `F.cross_entropy(reduction="none", weight, ignore_index, label_smoothing)`.
//! The loss is formed in f64 from the f32 logits (lse − z_j is never negative, so no cancellation)
//! and rounded once; exp is softmax.zig's SIMD f32 exp (≤ 2 ulp). A NaN or +inf logit, or a row
//! of all −inf, gives NaN (as PyTorch). SIMD over c, parallel over rows (disjoint outputs, so
//! deterministic). Targets must have been checked with `checkTargets`; weight `null` means all 1.
const std = @import("std");
const status = @import("../status.zig");
const pool = @import("pool.zig");
const softmax = @import("softmax.zig");
const Error = status.Error;

const L = 16;
const F = @Vector(L, f32);
const D = @Vector(L, f64);

/// Checks that every target is in `[0, c)` or equals `ignore_index`.
pub fn checkTargets(target: []const i32, c: usize, ignore_index: i64) Error!void {
    for (target, 0..) |t, row| {
        if (t == ignore_index) continue;
        if (t < 0 or @as(usize, @intCast(t)) >= c)
            return status.err(error.InvalidArgument, "cross_entropy: target {d} is out of bounds for {d} classes (row {d}; ignore_index is {d})", .{ t, c, row, ignore_index });
    }
}

pub const Problem = struct {
    n: usize,
    c: usize,
    logits: []const f32,
    target: []const i32,
    weight: ?[]const f32,
    ignore_index: i64,
    smoothing: f64,

    fn targetOf(p: *const Problem, row: usize) ?usize {
        const t = p.target[row];
        if (t == p.ignore_index) return null;
        return @intCast(t);
    }

    fn w(p: *const Problem, j: usize) f32 {
        return if (p.weight) |ws| ws[j] else 1;
    }
};

inline fn nanMax(a: F, b: F) F {
    var m = @max(a, b);
    m = @select(f32, a != a, a, m);
    return @select(f32, b != b, b, m);
}

/// Loads up to L elements from `s[at..]`, padding with `pad`.
inline fn loadPad(s: []const f32, at: usize, pad: f32) F {
    if (at + L <= s.len) return s[at..][0..L].*;
    var buf: [L]f32 = @splat(pad);
    for (buf[0 .. s.len - at], s[at..]) |*d, v| d.* = v; // short: cheaper than a memcpy call
    return buf;
}

/// Stores the first `min(L, s.len − at)` lanes of `v` at `s[at..]`.
inline fn store(s: []f32, at: usize, v: F) void {
    if (at + L <= s.len) {
        s[at..][0..L].* = v;
    } else {
        const arr: [L]f32 = v;
        for (s[at..], arr[0 .. s.len - at]) |*d, x| d.* = x;
    }
}

fn hmax(v: F) f32 {
    var m = v[0];
    inline for (1..L) |k| {
        const x = v[k];
        m = if (m != m or x != x) std.math.nan(f32) else @max(m, x);
    }
    return m;
}

/// logsumexp of one row (c ≥ 1), in f64. Two independent accumulators for the long rows.
fn logSumExp(z: []const f32) f64 {
    const ninf = -std.math.inf(f32);
    if (z.len <= L) {
        const v = loadPad(z, 0, ninf);
        const m = hmax(v);
        const e = softmax.expV(L, v - @as(F, @splat(m)));
        return @as(f64, m) + @log(@reduce(.Add, @as(D, @floatCast(e))));
    }
    var mv: [2]F = .{ @splat(ninf), @splat(ninf) };
    var j: usize = 0;
    while (j + 2 * L <= z.len) : (j += 2 * L) {
        mv[0] = nanMax(mv[0], z[j..][0..L].*);
        mv[1] = nanMax(mv[1], z[j + L ..][0..L].*);
    }
    while (j < z.len) : (j += L) mv[0] = nanMax(mv[0], loadPad(z, j, ninf));
    const m = hmax(nanMax(mv[0], mv[1]));
    const mm: F = @splat(m);
    var acc: [2]D = .{ @splat(0), @splat(0) };
    j = 0;
    while (j + 2 * L <= z.len) : (j += 2 * L) {
        acc[0] += @as(D, @floatCast(softmax.expV(L, @as(F, z[j..][0..L].*) - mm)));
        acc[1] += @as(D, @floatCast(softmax.expV(L, @as(F, z[j + L ..][0..L].*) - mm)));
    }
    while (j < z.len) : (j += L) acc[0] += @as(D, @floatCast(softmax.expV(L, loadPad(z, j, ninf) - mm)));
    return @as(f64, m) + @log(@reduce(.Add, acc[0] + acc[1]));
}

/// Σ_j w[j]·(lse − z[j]) in f64.
fn smoothSum(z: []const f32, weight: ?[]const f32, lse: f64) f64 {
    const lv: D = @splat(lse);
    var acc: D = @splat(0);
    var j: usize = 0;
    while (j < z.len) : (j += L) {
        // padding: z = lse, w = 0 (contributes exactly 0)
        const zv: D = @floatCast(loadPad(z, j, @floatCast(lse)));
        const d = lv - zv;
        if (weight) |ws| {
            acc += @as(D, @floatCast(loadPad(ws, j, 0))) * d;
        } else if (j + L <= z.len) {
            acc += d;
        } else {
            var mask: [L]f64 = @splat(0);
            for (0..z.len - j) |k| mask[k] = 1;
            acc += @as(D, mask) * d;
        }
    }
    return @reduce(.Add, acc);
}

/// Per-row loss and lse (each `[n]`).
pub fn forward(p: *const Problem, loss: []f32, lse: []f32) void {
    std.debug.assert(p.logits.len == p.n * p.c and loss.len == p.n and lse.len == p.n);
    if (p.n == 0) return;
    std.debug.assert(p.c > 0);
    const Ctx = struct { p: *const Problem, loss: []f32, lse: []f32 };
    const Body = struct {
        fn run(ctx: Ctx, begin: usize, end: usize) void {
            const q = ctx.p;
            const eps = q.smoothing;
            for (begin..end) |row| {
                const z = q.logits[row * q.c ..][0..q.c];
                const l = logSumExp(z);
                ctx.lse[row] = @floatCast(l);
                const t = q.targetOf(row) orelse {
                    ctx.loss[row] = 0;
                    continue;
                };
                var v: f64 = (1 - eps) * @as(f64, q.w(t)) * (l - @as(f64, z[t]));
                if (eps != 0) v += eps / @as(f64, @floatFromInt(q.c)) * smoothSum(z, q.weight, l);
                ctx.loss[row] = @floatCast(v);
            }
        }
    };
    pool.parallelFor(p.n, @max(1, 4096 / p.c), Ctx{ .p = p, .loss = loss, .lse = lse }, Body.run);
}

/// dlogits `[n, c]` from the forward's lse and the upstream gradient `g` (each `[n]`). `dz` may be
/// the exact same memory as the logits (each chunk is read before it is written). The stored lse
/// only shifts the exponent: p is renormalized so that it sums to 1 in every row.
pub fn backward(p: *const Problem, lse: []const f32, g: []const f32, dz: []f32) void {
    std.debug.assert(p.logits.len == p.n * p.c and dz.len == p.n * p.c and lse.len == p.n and g.len == p.n);
    if (p.n == 0 or p.c == 0) return;
    var wsum: f64 = 0;
    if (p.weight) |ws| {
        for (ws) |v| wsum += v;
    } else wsum = @floatFromInt(p.c);
    const Ctx = struct { p: *const Problem, lse: []const f32, g: []const f32, dz: []f32, wsum: f32, ec: f32 };
    const Body = struct {
        fn run(ctx: Ctx, begin: usize, end: usize) void {
            const q = ctx.p;
            const c = q.c;
            const iota = std.simd.iota(u32, L);
            for (begin..end) |row| {
                const out = ctx.dz[row * c ..][0..c];
                const t = q.targetOf(row) orelse {
                    @memset(out, 0);
                    continue;
                };
                const z = q.logits[row * c ..][0..c];
                const cw: F = @splat(@floatCast((1 - q.smoothing) * @as(f64, q.w(t))));
                const ec: F = @splat(ctx.ec);
                const wv_all: F = @splat(ctx.wsum);
                const lv: F = @splat(ctx.lse[row]);
                const gv: F = @splat(ctx.g[row]);
                const one: F = @splat(1);
                const zero: F = @splat(0);
                // pass 1: e_j = exp(z_j − lse) into the output, s = Σ e_j (f64). Dividing by s
                // below cancels the f32 rounding of the stored lse (|lse| ~ 100 would otherwise
                // put ~4e-6 relative error into every p_j).
                var acc: D = @splat(0);
                var j: usize = 0;
                while (j < c) : (j += L) {
                    const e = softmax.expV(L, loadPad(z, j, -std.math.inf(f32)) - lv);
                    acc += @as(D, @floatCast(e));
                    store(out, j, e);
                }
                const sv: F = @splat(@floatCast(@reduce(.Add, acc)));
                // pass 2: p_j = e_j / s, dz_j = g·((p_j − δ_jt)·cw + (W·p_j − w_j)·ec)
                j = 0;
                while (j < c) : (j += L) {
                    const pv = loadPad(out, j, 0) / sv;
                    // lane of the target inside this chunk (L: none)
                    const t_lane: u32 = if (t >= j and t < j + L) @intCast(t - j) else L;
                    const delta = @select(f32, iota == @as(@Vector(L, u32), @splat(t_lane)), one, zero);
                    const wj: F = if (q.weight) |ws| loadPad(ws, j, 0) else one;
                    store(out, j, ((pv - delta) * cw + (pv * wv_all - wj) * ec) * gv);
                }
            }
        }
    };
    const ctx = Ctx{
        .p = p,
        .lse = lse,
        .g = g,
        .dz = dz,
        .wsum = @floatCast(wsum),
        .ec = @floatCast(p.smoothing / @as(f64, @floatFromInt(p.c))),
    };
    pool.parallelFor(p.n, @max(1, 4096 / p.c), ctx, Body.run);
}
