//! Softmax and log-softmax over the middle axis of a contiguous f32 `[outer, r, inner]` tensor.
//!
//! Per row (a fixed (o, i) pair): `m = max_k x[k]` (NaN-propagating), `e_k = exp(x_k − m)`,
//! `s = Σ e_k` accumulated in f64, then softmax `y_k = e_k / s` or log-softmax
//! `y_k = (x_k − m) − log(s)`. Subtracting the max keeps every exponent ≤ 0, so logits of any size
//! are fine; −inf inputs give 0 (log-softmax: −inf); a row of all −inf (or with a NaN or +inf)
//! gives NaN, as PyTorch. `exp` is a SIMD Cephes-style polynomial with a Cody–Waite reduction,
//! within 2 ulp of the exact value (for x < −87.3, where e^x < 1.3e-38, the result is flushed to 0).
//!
//! SIMD along the row for `inner == 1`, along `inner` (tiles of 16 columns, then single columns)
//! otherwise; parallel over rows / (outer, tile) units. `y` may be `x` (in place). No allocation.
const std = @import("std");
const pool = @import("pool.zig");

const L = 16;
const F = @Vector(L, f32);

/// e^x on f32 lanes (NaN → NaN, +large → inf, −large/−inf → 0).
pub fn expV(comptime N: usize, x: @Vector(N, f32)) @Vector(N, f32) {
    const V = @Vector(N, f32);
    const I = @Vector(N, i32);
    // below ln(FLT_MIN) the result is flushed to 0: subnormal arithmetic costs a ~100-cycle
    // microcode assist per vector, and masked logits (−inf, −1e9) land there all the time
    const xc = @min(@max(x, @as(V, @splat(-87.3))), @as(V, @splat(88.75)));
    // floor(t + 0.5), not @round: x86 has no vector round-half-away, LLVM would call roundf per lane
    const n = @floor(@mulAdd(V, xc, @splat(std.math.log2e), @splat(0.5)));
    // Cody–Waite: r = x − n·ln2 with ln2 = 0.693359375 − 2.12194440e-4 (first part exact in n·C1)
    var r = @mulAdd(V, n, @splat(-0.693359375), xc);
    r = @mulAdd(V, n, @splat(2.12194440e-4), r);
    var p: V = @splat(1.9875691500E-4);
    p = @mulAdd(V, p, r, @splat(1.3981999507E-3));
    p = @mulAdd(V, p, r, @splat(8.3334519073E-3));
    p = @mulAdd(V, p, r, @splat(4.1665795894E-2));
    p = @mulAdd(V, p, r, @splat(1.6666665459E-1));
    p = @mulAdd(V, p, r, @splat(5.0000001201E-1));
    var y = @mulAdd(V, p, r * r, r) + @as(V, @splat(1.0));
    // y·2ⁿ in two steps so that n = 128 does not overflow the exponent field
    const ni: I = @intFromFloat(n);
    const n1 = ni >> @splat(1);
    const n2 = ni - n1;
    const s1: V = @bitCast((n1 + @as(I, @splat(127))) << @splat(23));
    const s2: V = @bitCast((n2 + @as(I, @splat(127))) << @splat(23));
    y = y * s1 * s2;
    y = @select(f32, x > @as(V, @splat(88.72283935546875)), @as(V, @splat(std.math.inf(f32))), y);
    y = @select(f32, x < @as(V, @splat(-87.3)), @as(V, @splat(0.0)), y);
    return @select(f32, x != x, x, y);
}

inline fn nanMax(comptime N: usize, a: @Vector(N, f32), b: @Vector(N, f32)) @Vector(N, f32) {
    var m = @max(a, b);
    m = @select(f32, a != a, a, m);
    return @select(f32, b != b, b, m);
}

fn hmax(comptime N: usize, v: @Vector(N, f32)) f32 {
    if (N == 1) return v[0];
    const arr: [N]f32 = v;
    const h = N / 2;
    return hmax(h, nanMax(h, arr[0..h].*, arr[h..N].*));
}

fn hsum(comptime N: usize, v: @Vector(N, f64)) f64 {
    if (N == 1) return v[0];
    const arr: [N]f64 = v;
    const h = N / 2;
    const lo: @Vector(h, f64) = arr[0..h].*;
    const hi: @Vector(h, f64) = arr[h..N].*;
    return hsum(h, lo + hi);
}

/// One contiguous row (inner == 1), r ≥ 1.
fn row(log: bool, x: []const f32, y: []f32) void {
    const r = x.len;
    const full = r - r % L;
    // the tail as a padded vector (−inf pads contribute exp(−inf) = 0)
    var tail: [L]f32 = @splat(-std.math.inf(f32));
    for (tail[0 .. r - full], x[full..r]) |*d, v| d.* = v;
    const tail_v: F = tail;

    var mv: F = tail_v;
    var i: usize = 0;
    while (i < full) : (i += L) mv = nanMax(L, mv, x[i..][0..L].*);
    const m = hmax(L, mv);
    const mm: F = @splat(m);

    var acc: [2]@Vector(L, f64) = .{ @splat(0), @splat(0) };
    i = 0;
    while (i < full) : (i += L) {
        const e = expV(L, @as(F, x[i..][0..L].*) - mm);
        if (!log) y[i..][0..L].* = e;
        acc[0] += @as(@Vector(L, f64), @floatCast(e));
    }
    const et = expV(L, tail_v - mm);
    acc[1] += @as(@Vector(L, f64), @floatCast(et));
    const s = hsum(L, acc[0] + acc[1]);

    if (log) {
        const ls: F = @splat(@floatCast(@log(s)));
        i = 0;
        while (i < full) : (i += L) y[i..][0..L].* = (@as(F, x[i..][0..L].*) - mm) - ls;
        const t: [L]f32 = (tail_v - mm) - ls;
        for (y[full..r], t[0 .. r - full]) |*d, v| d.* = v;
    } else {
        const sv: F = @splat(@floatCast(s));
        i = 0;
        while (i < full) : (i += L) y[i..][0..L].* = @as(F, y[i..][0..L].*) / sv;
        const t: [L]f32 = et / sv;
        for (y[full..r], t[0 .. r - full]) |*d, v| d.* = v;
    }
}

/// N columns starting at `base` (row stride `inner`), r ≥ 1 rows.
fn cols(comptime N: usize, log: bool, x: []const f32, y: []f32, base: usize, r: usize, inner: usize) void {
    const V = @Vector(N, f32);
    const D = @Vector(N, f64);
    var mv: V = x[base..][0..N].*;
    for (1..r) |k| mv = nanMax(N, mv, x[base + k * inner ..][0..N].*);
    var s: D = @splat(0);
    for (0..r) |k| {
        const at = base + k * inner;
        const e = expV(N, @as(V, x[at..][0..N].*) - mv);
        if (!log) y[at..][0..N].* = e;
        s += @as(D, @floatCast(e));
    }
    if (log) {
        var ls: [N]f32 = undefined;
        inline for (0..N) |j| ls[j] = @floatCast(@log(s[j]));
        const lv: V = ls;
        for (0..r) |k| {
            const at = base + k * inner;
            y[at..][0..N].* = (@as(V, x[at..][0..N].*) - mv) - lv;
        }
    } else {
        const sv: V = @floatCast(s);
        for (0..r) |k| {
            const at = base + k * inner;
            y[at..][0..N].* = @as(V, y[at..][0..N].*) / sv;
        }
    }
}

const task_elems = 8192;

/// Softmax (`log == false`) or log-softmax of `x` (`outer·r·inner` f32) into `y` (same size).
pub fn softmax(log: bool, outer: usize, r: usize, inner: usize, x: []const f32, y: []f32) void {
    std.debug.assert(x.len == outer * r * inner and y.len == x.len);
    if (x.len == 0) return;
    const Ctx = struct { log: bool, x: []const f32, y: []f32, r: usize, inner: usize };
    const ctx = Ctx{ .log = log, .x = x, .y = y, .r = r, .inner = inner };
    if (inner == 1) {
        const Body = struct {
            fn run(c: Ctx, begin: usize, end: usize) void {
                for (begin..end) |o| row(c.log, c.x[o * c.r ..][0..c.r], c.y[o * c.r ..][0..c.r]);
            }
        };
        pool.parallelFor(outer, @max(1, task_elems / r), ctx, Body.run);
    } else {
        const Body = struct {
            fn run(c: Ctx, begin: usize, end: usize) void {
                const wide = c.inner / L;
                const per = wide + c.inner % L;
                for (begin..end) |u| {
                    const o = u / per;
                    const t = u % per;
                    const base = o * c.r * c.inner;
                    if (t < wide) {
                        cols(L, c.log, c.x, c.y, base + t * L, c.r, c.inner);
                    } else {
                        cols(1, c.log, c.x, c.y, base + wide * L + (t - wide), c.r, c.inner);
                    }
                }
            }
        };
        const per = inner / L + inner % L;
        pool.parallelFor(outer * per, @max(1, task_elems / (r * L)), ctx, Body.run);
    }
}

// ---------------------------------------------------------------------------------------------
// tests

const testing = std.testing;

test "expV is within 2 ulp of exp over the whole range" {
    var x: f32 = -110;
    var worst: f64 = 0;
    while (x < 89) : (x += 0.0137) {
        const v: F = @splat(x);
        const got: f64 = expV(L, v)[0];
        const want = @exp(@as(f64, x));
        if (x >= -87.3) {
            const ulp: f64 = std.math.floatEps(f32) * @as(f64, @floatCast(@as(f32, @floatCast(want))));
            worst = @max(worst, @abs(got - want) / ulp);
        } else {
            try testing.expect(@abs(got - want) <= 1.3e-38);
        }
    }
    try testing.expect(worst < 2.0);
    const special: F = .{ -std.math.inf(f32), std.math.inf(f32), std.math.nan(f32), 0, -0.0, 1, -1, 88.7, 88.8, -87.5, -100, -104, 1e-8, -1e-8, 50, -50 };
    const e = expV(L, special);
    try testing.expectEqual(@as(f32, 0), e[0]);
    try testing.expect(std.math.isPositiveInf(e[1]));
    try testing.expect(std.math.isNan(e[2]));
    try testing.expectEqual(@as(f32, 1), e[3]);
    try testing.expectEqual(@as(f32, 1), e[4]);
    try testing.expect(std.math.isPositiveInf(e[8]));
    try testing.expectEqual(@as(f32, 0), e[11]);
}

fn check(log: bool, outer: usize, r: usize, inner: usize, x: []const f32, y: []const f32) !void {
    for (0..outer) |o| for (0..inner) |i| {
        var m: f64 = -std.math.inf(f64);
        for (0..r) |k| m = @max(m, @as(f64, x[(o * r + k) * inner + i]));
        var s: f64 = 0;
        for (0..r) |k| s += @exp(@as(f64, x[(o * r + k) * inner + i]) - m);
        var total: f64 = 0;
        for (0..r) |k| {
            const at = (o * r + k) * inner + i;
            const z = @as(f64, x[at]) - m;
            const want = if (log) z - @log(s) else @exp(z) / s;
            const got: f64 = y[at];
            total += got;
            if (@abs(got - want) > 1e-6 + 1e-5 * @abs(want)) {
                std.debug.print("softmax log={} [{d},{d},{d}] ({d},{d},{d}): got {d} want {d}\n", .{ log, outer, r, inner, o, k, i, got, want });
                return error.TestUnexpectedResult;
            }
        }
        if (!log) try testing.expectApproxEqAbs(@as(f64, 1), total, 1e-5);
    };
}

test "softmax and log-softmax match an f64 reference, rows sum to 1" {
    const a = testing.allocator;
    const shapes = [_][3]usize{ .{ 1, 1, 1 }, .{ 64, 10, 1 }, .{ 3, 17, 1 }, .{ 2, 1000, 1 }, .{ 2, 3, 2 }, .{ 3, 7, 16 }, .{ 2, 33, 21 }, .{ 1, 5, 100 }, .{ 4, 1, 5 }, .{ 1, 4099, 1 } };
    var prng = std.Random.DefaultPrng.init(5);
    const rnd = prng.random();
    for (shapes) |s| {
        const n = s[0] * s[1] * s[2];
        const x = try a.alloc(f32, n);
        defer a.free(x);
        const y = try a.alloc(f32, n);
        defer a.free(y);
        for ([_]f32{ 1, 10, 1e4 }) |scale| {
            for (x) |*v| v.* = (rnd.float(f32) * 2 - 1) * scale;
            for ([_]bool{ false, true }) |log| {
                softmax(log, s[0], s[1], s[2], x, y);
                for (y) |v| try testing.expect(!std.math.isNan(v));
                try check(log, s[0], s[1], s[2], x, y);
                // in place gives the same
                const z = try a.dupe(f32, x);
                defer a.free(z);
                softmax(log, s[0], s[1], s[2], z, z);
                try testing.expectEqualSlices(f32, y, z);
            }
        }
    }
}

test "softmax with -inf and large logits" {
    const inf = std.math.inf(f32);
    // rows of 5 along inner == 1, and the same data transposed (inner == 3)
    const x = [_]f32{ -inf, 0, 1, -inf, 2, -inf, -inf, -inf, -inf, -inf, 1e4, 1e4 - 1, -1e4, 3e4, 3e4 };
    var y: [15]f32 = undefined;
    softmax(false, 3, 5, 1, &x, &y);
    try testing.expectEqual(@as(f32, 0), y[0]);
    try testing.expectEqual(@as(f32, 0), y[3]);
    try testing.expectApproxEqAbs(@as(f32, 1), y[1] + y[2] + y[4], 1e-6);
    for (y[5..10]) |v| try testing.expect(std.math.isNan(v));
    try testing.expectApproxEqAbs(@as(f32, 0.5), y[13], 1e-6);
    try testing.expectEqual(@as(f32, 0), y[12]);
    softmax(true, 3, 5, 1, &x, &y);
    try testing.expect(std.math.isNegativeInf(y[0]));
    for (y[5..10]) |v| try testing.expect(std.math.isNan(v));
    try testing.expectApproxEqAbs(@as(f32, -std.math.ln2), y[13], 1e-6);
    try testing.expectApproxEqAbs(@as(f32, -4e4 - std.math.ln2), y[12], 1e-2);
    // masked logits (−1e9) vanish exactly, in both layouts
    const masked = [_]f32{ 0, -1e9, 1, -1e9 };
    var ym: [4]f32 = undefined;
    softmax(false, 1, 4, 1, &masked, &ym);
    try testing.expectEqual(@as(f32, 0), ym[1]);
    try testing.expectApproxEqAbs(@as(f32, 0.26894142), ym[0], 1e-7);
    const masked_cols = [_]f32{ 0, 5, -1e9, 5, 1, -1e9 }; // [1, 3, 2]
    var yc: [6]f32 = undefined;
    softmax(false, 1, 3, 2, &masked_cols, &yc);
    try testing.expectApproxEqAbs(@as(f32, 0.26894142), yc[0], 1e-7);
    try testing.expectEqual(@as(f32, 0), yc[2]);
    try testing.expectEqual(@as(f32, 0), yc[5]);
    try testing.expectApproxEqAbs(@as(f32, 0.5), yc[3], 1e-7);
    var xt: [15]f32 = undefined;
    for (0..3) |o| for (0..5) |k| {
        xt[k * 3 + o] = x[o * 5 + k];
    };
    var yt: [15]f32 = undefined;
    softmax(false, 1, 5, 3, &xt, &yt);
    softmax(false, 3, 5, 1, &x, &y);
    for (0..3) |o| for (0..5) |k| {
        const p = y[o * 5 + k];
        const q = yt[k * 3 + o];
        try testing.expect((std.math.isNan(p) and std.math.isNan(q)) or @abs(p - q) <= 1e-7);
    };
}

test "softmax is identical across thread counts" {
    const a = testing.allocator;
    const n = 256 * 1000;
    const x = try a.alloc(f32, n);
    defer a.free(x);
    const y1 = try a.alloc(f32, n);
    defer a.free(y1);
    const y2 = try a.alloc(f32, n);
    defer a.free(y2);
    var prng = std.Random.DefaultPrng.init(9);
    for (x) |*v| v.* = prng.random().float(f32) * 20;
    const before = pool.numThreads();
    defer _ = pool.setNumThreads(before);
    for ([_][3]usize{ .{ 256, 1000, 1 }, .{ 4, 1000, 64 } }) |s| {
        _ = pool.setNumThreads(1);
        softmax(false, s[0], s[1], s[2], x, y1);
        _ = pool.setNumThreads(2);
        softmax(false, s[0], s[1], s[2], x, y2);
        try testing.expectEqualSlices(f32, y1, y2);
    }
}
