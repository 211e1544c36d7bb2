//! Counter-based random numbers: Philox4x32-10 (Salmon, Moraes, Dror, Shaw, "Parallel random
//! numbers: as easy as 1, 2, 3", SC 2011), with the constants of Random123 / PyTorch's CUDA
//! generator.
//!
//! Key = `seed` (low 32 bits → key word 0, high 32 bits → key word 1). Block `j` encrypts the
//! 128-bit counter value `counter + j` (a u64 plus j, *with the carry propagating into word 2*; the
//! words are little-endian: bits 0..31 → word 0, ...) and yields four u32 words for output elements
//! `4j .. 4j+3`. An element therefore depends only on (seed, counter, index): the kernels split
//! the blocks over threads and the result never depends on the thread count.
//!
//! Distributions (all in f32; Philox runs on `lanes` = 32 blocks at a time in u32 SIMD lanes):
//! - uniform [lo, hi): `u = (w >> 8)·2⁻²⁴`, `y = lo + (hi − lo)·u` (clamped below `hi`);
//! - normal (mean, std): Box–Muller on words (0, 1) → elements 4j, 4j+1 and on words (2, 3) →
//!   4j+2, 4j+3, with `u1 = ((w₀ >> 8) + 1)·2⁻²⁴ ∈ (0, 1]`, `u2 = (w₁ >> 8)·2⁻²⁴`,
//!   `z0 = sqrt(−2 ln u1)·cos(2π u2)`, `z1 = sqrt(−2 ln u1)·sin(2π u2)`; the log, sin and cos are
//!   SIMD polynomials (Cephes), accurate to a couple of ulps and identical on every run;
//! - bernoulli(p): 1 when `(w >> 8)·2⁻²⁴ < p` (an exact integer comparison), 0 otherwise.
const std = @import("std");
const pool = @import("pool.zig");

pub const M0: u32 = 0xD2511F53;
pub const M1: u32 = 0xCD9E8D57;
pub const W0: u32 = 0x9E3779B9;
pub const W1: u32 = 0xBB67AE85;

/// Blocks processed together (one SIMD lane each).
pub const lanes = 32;
const U = @Vector(lanes, u32);
const U64 = @Vector(lanes, u64);
const F = @Vector(lanes, f32);

/// Philox4x32-10 of one block (scalar reference).
pub fn philox(ctr: [4]u32, key: [2]u32) [4]u32 {
    var c = ctr;
    var k = key;
    var round: usize = 0;
    while (round < 10) : (round += 1) {
        if (round > 0) {
            k[0] +%= W0;
            k[1] +%= W1;
        }
        const p0 = @as(u64, M0) * c[0];
        const p1 = @as(u64, M1) * c[2];
        c = .{
            @as(u32, @truncate(p1 >> 32)) ^ c[1] ^ k[0],
            @truncate(p1),
            @as(u32, @truncate(p0 >> 32)) ^ c[3] ^ k[1],
            @truncate(p0),
        };
    }
    return c;
}

/// hi and lo 32-bit halves of `c · m` on every lane, with 32×32→64 multiplies of the even and of
/// the odd lanes (one vpmuludq each) and no widening or narrowing shuffles.
inline fn mulHiLo(c: U, m: u32) [2]U {
    const H = @Vector(lanes / 2, u64);
    const low: H = @splat(0xffffffff);
    const mm: H = @splat(m);
    const pairs: H = @bitCast(c); // element 2i in the low half of pair i (little-endian)
    const pe = (pairs & low) * mm;
    const po = (pairs >> @splat(32)) * mm;
    const lo: H = (pe & low) | (po << @splat(32));
    const hi: H = (pe >> @splat(32)) | (po & ~low);
    return .{ @bitCast(hi), @bitCast(lo) };
}

/// Philox4x32-10 of `lanes` blocks at once.
fn philoxV(c_in: [4]U, key: [2]u32) [4]U {
    var c = c_in;
    var k0 = key[0];
    var k1 = key[1];
    inline for (0..10) |round| {
        if (round > 0) {
            k0 +%= W0;
            k1 +%= W1;
        }
        const p0 = mulHiLo(c[0], M0);
        const p1 = mulHiLo(c[2], M1);
        c = .{
            p1[0] ^ c[1] ^ @as(U, @splat(k0)),
            p1[1],
            p0[0] ^ c[3] ^ @as(U, @splat(k1)),
            p0[1],
        };
    }
    return c;
}

/// The four words of blocks `first .. first + lanes` (counter words with carry into word 2).
fn blockWords(seed: u64, counter: u64, first: u64) [4]U {
    // lane l: the 128-bit value counter + first + l; first + l < 2⁶³, so the high half is the carry
    const iota = comptime blk: {
        var v: [lanes]u64 = undefined;
        for (0..lanes) |l| v[l] = l;
        break :blk v;
    };
    const lo: U64 = @as(U64, @splat(counter)) +% (@as(U64, @splat(first)) + @as(U64, iota));
    const carry = lo < @as(U64, @splat(counter));
    const c2 = @select(u32, carry, @as(U, @splat(1)), @as(U, @splat(0)));
    return philoxV(.{ @truncate(lo), @truncate(lo >> @splat(32)), c2, @splat(0) }, .{ @truncate(seed), @truncate(seed >> 32) });
}

pub const Dist = enum(u32) { uniform = 0, normal = 1, bernoulli = 2 };

/// The 24-bit fraction `(w >> 8)·2⁻²⁴` ∈ [0, 1).
inline fn unit(w: U) F {
    const m: @Vector(lanes, i32) = @bitCast(w >> @splat(8));
    return @as(F, @floatFromInt(m)) * @as(F, @splat(1.0 / 16777216.0));
}

/// ln(x) for x in (0, 1] (normal, positive inputs only), Cephes logf.
fn logV(x: F) F {
    const bits: @Vector(lanes, i32) = @bitCast(x);
    var e: @Vector(lanes, i32) = (bits >> @splat(23)) - @as(@Vector(lanes, i32), @splat(126));
    // mantissa in [0.5, 1)
    var m: F = @bitCast((bits & @as(@Vector(lanes, i32), @splat(0x007fffff))) | @as(@Vector(lanes, i32), @splat(0x3f000000)));
    const small = m < @as(F, @splat(0.707106781186547524));
    e = e - @select(i32, small, @as(@Vector(lanes, i32), @splat(1)), @as(@Vector(lanes, i32), @splat(0)));
    m = @select(f32, small, m + m, m) - @as(F, @splat(1.0));
    const ef: F = @floatFromInt(e);
    const z = m * m;
    var y: F = @splat(7.0376836292E-2);
    y = @mulAdd(F, y, m, @splat(-1.1514610310E-1));
    y = @mulAdd(F, y, m, @splat(1.1676998740E-1));
    y = @mulAdd(F, y, m, @splat(-1.2420140846E-1));
    y = @mulAdd(F, y, m, @splat(1.4249322787E-1));
    y = @mulAdd(F, y, m, @splat(-1.6668057665E-1));
    y = @mulAdd(F, y, m, @splat(2.0000714765E-1));
    y = @mulAdd(F, y, m, @splat(-2.4999993993E-1));
    y = @mulAdd(F, y, m, @splat(3.3333331174E-1));
    y = y * m * z;
    y = @mulAdd(F, ef, @splat(-2.12194440e-4), y);
    y = @mulAdd(F, z, @splat(-0.5), y);
    var r = m + y;
    r = @mulAdd(F, ef, @splat(0.693359375), r);
    return r;
}

/// cos(2πu) and sin(2πu) for u = m·2⁻²⁴ (m = w >> 8 < 2²⁴), reduced exactly in integers:
/// q = round(4u), t = 2π(u − q/4) ∈ [−π/4, π/4].
fn sinCos2Pi(m: U) struct { cos: F, sin: F } {
    const qi = ((m + @as(U, @splat(1 << 21))) >> @splat(22)) & @as(U, @splat(3));
    const q_full = (m + @as(U, @splat(1 << 21))) >> @splat(22); // 0..4
    const frac: @Vector(lanes, i32) = @as(@Vector(lanes, i32), @bitCast(m)) - @as(@Vector(lanes, i32), @bitCast(q_full << @splat(22)));
    const t = @as(F, @floatFromInt(frac)) * @as(F, @splat(2.0 * std.math.pi / 16777216.0));
    const z = t * t;
    var s: F = @splat(-1.9515295891E-4);
    s = @mulAdd(F, s, z, @splat(8.3321608736E-3));
    s = @mulAdd(F, s, z, @splat(-1.6666654611E-1));
    s = @mulAdd(F, s * z, t, t);
    var c: F = @splat(2.443315711809948E-5);
    c = @mulAdd(F, c, z, @splat(-1.388731625493765E-3));
    c = @mulAdd(F, c, z, @splat(4.166664568298827E-2));
    c = @mulAdd(F, c * z, z, @mulAdd(F, z, @splat(-0.5), @splat(1.0)));
    const odd = (qi & @as(U, @splat(1))) != @as(U, @splat(0));
    // θ = qπ/2 + t: sin θ = [s, c, −s, −c][q], cos θ = [c, −s, −c, s][q]
    const sin_base = @select(f32, odd, c, s);
    const cos_base = @select(f32, odd, s, c);
    const neg_sin = qi >= @as(U, @splat(2));
    const neg_cos = ((qi +% @as(U, @splat(1))) & @as(U, @splat(2))) != @as(U, @splat(0)); // q = 1, 2
    return .{
        .sin = @select(f32, neg_sin, -sin_base, sin_base),
        .cos = @select(f32, neg_cos, -cos_base, cos_base),
    };
}

/// Interleaves four lane vectors into element order: out[4l + w] = v[w][l].
fn interleave(comptime T: type, v: [4]@Vector(lanes, T)) @Vector(4 * lanes, T) {
    const mask01 = comptime blk: {
        var m: [2 * lanes]i32 = undefined;
        for (0..lanes) |l| {
            m[2 * l] = @intCast(l);
            m[2 * l + 1] = ~@as(i32, @intCast(l));
        }
        break :blk m;
    };
    const a = @shuffle(T, v[0], v[1], mask01);
    const b = @shuffle(T, v[2], v[3], mask01);
    const mask = comptime blk: {
        var m: [4 * lanes]i32 = undefined;
        for (0..lanes) |l| {
            m[4 * l + 0] = @intCast(2 * l);
            m[4 * l + 1] = @intCast(2 * l + 1);
            m[4 * l + 2] = ~@as(i32, @intCast(2 * l));
            m[4 * l + 3] = ~@as(i32, @intCast(2 * l + 1));
        }
        break :blk m;
    };
    return @shuffle(T, a, b, mask);
}

/// Parameters of one generation call.
pub fn Params(comptime T: type) type {
    return struct {
        dist: Dist,
        y: []T,
        seed: u64,
        counter: u64,
        /// uniform: low; normal: mean; bernoulli: p
        p0: f64,
        /// uniform: high; normal: std
        p1: f64,
    };
}

fn groupValues(comptime T: type, p: Params(T), first_block: u64) @Vector(4 * lanes, T) {
    const w = blockWords(p.seed, p.counter, first_block);
    switch (p.dist) {
        .uniform => {
            const lo: f32 = @floatCast(p.p0);
            const hi: f32 = @floatCast(p.p1);
            const span: f32 = @floatCast(p.p1 - p.p0);
            // the largest f32 below hi, so that rounding never reaches hi
            const top: f32 = if (hi > lo) std.math.nextAfter(f32, hi, -std.math.inf(f32)) else hi;
            var out: [4]F = undefined;
            inline for (0..4) |k| {
                const v = @mulAdd(F, unit(w[k]), @splat(span), @splat(lo));
                out[k] = @min(v, @as(F, @splat(top)));
            }
            return castOut(T, interleave(f32, out));
        },
        .normal => {
            const mean: f32 = @floatCast(p.p0);
            const std_: f32 = @floatCast(p.p1);
            var out: [4]F = undefined;
            inline for (0..2) |h| {
                const uu1 = unit(w[2 * h]) + @as(F, @splat(1.0 / 16777216.0)); // (0, 1]
                const radius = @sqrt(@as(F, @splat(-2.0)) * logV(uu1));
                const sc = sinCos2Pi(w[2 * h + 1] >> @splat(8));
                out[2 * h] = @mulAdd(F, radius * sc.cos, @splat(std_), @splat(mean));
                out[2 * h + 1] = @mulAdd(F, radius * sc.sin, @splat(std_), @splat(mean));
            }
            return castOut(T, interleave(f32, out));
        },
        .bernoulli => {
            // (w >> 8)·2⁻²⁴ < p  ⟺  (w >> 8) < ceil(p·2²⁴), exactly (p·2²⁴ is exact in f64)
            const threshold: u32 = @intFromFloat(@ceil(std.math.clamp(p.p0, 0.0, 1.0) * 16777216.0));
            var out: [4]@Vector(lanes, u8) = undefined;
            inline for (0..4) |k| {
                const hit = (w[k] >> @splat(8)) < @as(U, @splat(threshold));
                out[k] = @select(u8, hit, @as(@Vector(lanes, u8), @splat(1)), @as(@Vector(lanes, u8), @splat(0)));
            }
            const bytes = interleave(u8, out);
            if (T == u8) return bytes;
            return @floatFromInt(bytes);
        },
    }
}

inline fn castOut(comptime T: type, v: @Vector(4 * lanes, f32)) @Vector(4 * lanes, T) {
    if (T == f32) return v;
    if (T == u8) unreachable; // u8 output is bernoulli only (checked by `fill`'s caller)
    @compileError("unsupported rng output type");
}

fn fillRange(comptime T: type, p: Params(T), block_begin: usize, block_end: usize) void {
    const n = p.y.len;
    var j = block_begin;
    while (j < block_end) : (j += lanes) {
        const e0 = 4 * j;
        const vals = groupValues(T, p, j);
        const want = @min(4 * lanes, n - e0, 4 * (block_end - j));
        if (want == 4 * lanes) {
            p.y[e0..][0 .. 4 * lanes].* = vals;
        } else {
            const arr: [4 * lanes]T = vals;
            @memcpy(p.y[e0 .. e0 + want], arr[0..want]);
        }
    }
}

/// Fills `p.y` (element i ← block i/4, word i%4). `T` is f32 (every distribution) or u8
/// (bernoulli only). Never allocates; parallel over blocks, independent of the thread count.
pub fn fill(comptime T: type, p: Params(T)) void {
    if (T == u8) std.debug.assert(p.dist == .bernoulli);
    const blocks = (p.y.len + 3) / 4;
    const Body = struct {
        fn run(ctx: Params(T), begin: usize, end: usize) void {
            // ranges are in units of lane groups so that every thread starts on a group boundary
            const b0 = begin * lanes;
            const b1 = @min(end * lanes, (ctx.y.len + 3) / 4);
            if (b0 < b1) fillRange(T, ctx, b0, b1);
        }
    };
    const groups = (blocks + lanes - 1) / lanes;
    pool.parallelFor(groups, 256, p, Body.run);
}

// ---------------------------------------------------------------------------------------------
// tests

const testing = std.testing;

test "philox4x32-10 known-answer vectors (Random123)" {
    try testing.expectEqual([4]u32{ 0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8 }, philox(.{ 0, 0, 0, 0 }, .{ 0, 0 }));
    const f = 0xffffffff;
    try testing.expectEqual([4]u32{ 0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd }, philox(.{ f, f, f, f }, .{ f, f }));
    try testing.expectEqual(
        [4]u32{ 0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1 },
        philox(.{ 0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344 }, .{ 0xa4093822, 0x299f31d0 }),
    );
}

test "vector philox matches scalar, counter layout and carry" {
    // values from an independent Python implementation
    const w = blockWords(0x123456789abcdef0, 5, 0);
    const expect = [3][4]u32{
        .{ 0x6e774984, 0xbd12799e, 0xe50d5f10, 0x28d3e2a7 },
        .{ 0xe1b34061, 0x12fea290, 0x3bfbf2e4, 0x975dc73f },
        .{ 0x2a23b679, 0x84c69006, 0x0481a097, 0x0ae2270e },
    };
    for (0..3) |j| for (0..4) |k| try testing.expectEqual(expect[j][k], w[k][j]);
    const c = blockWords(0xdeadbeefcafef00d, 0xffffffffffffffff, 0);
    const carry = [2][4]u32{
        .{ 0xd17d7bde, 0x881a3bdd, 0xe1a6fd81, 0xca2da87a },
        .{ 0x7d81de07, 0x6b5305ac, 0xb88bdb2d, 0x984e125a },
    };
    for (0..2) |j| for (0..4) |k| try testing.expectEqual(carry[j][k], c[k][j]);
    // every lane agrees with the scalar function
    const v = blockWords(42, 1000, 32);
    for (0..lanes) |l| {
        const s = philox(.{ @intCast(1032 + l), 0, 0, 0 }, .{ 42, 0 });
        for (0..4) |k| try testing.expectEqual(s[k], v[k][l]);
    }
}

test "element i uses block i/4 word i%4" {
    var y: [37]f32 = undefined;
    fill(f32, .{ .dist = .uniform, .y = &y, .seed = 7, .counter = 3, .p0 = 0, .p1 = 1 });
    for (y, 0..) |v, i| {
        const wd = philox(.{ @intCast(3 + i / 4), 0, 0, 0 }, .{ 7, 0 })[i % 4];
        try testing.expectEqual(@as(f32, @floatFromInt(wd >> 8)) / 16777216.0, v);
    }
    var b: [37]u8 = undefined;
    fill(u8, .{ .dist = .bernoulli, .y = &b, .seed = 7, .counter = 3, .p0 = 0.5, .p1 = 0 });
    for (b, y) |bit, u| try testing.expectEqual(@as(u8, @intFromBool(u < 0.5)), bit);
}

test "normal matches an f64 Box-Muller reference" {
    var y: [1001]f32 = undefined;
    fill(f32, .{ .dist = .normal, .y = &y, .seed = 99, .counter = 0, .p0 = 1.5, .p1 = 2.0 });
    for (y, 0..) |v, i| {
        const blk = philox(.{ @intCast(i / 4), 0, 0, 0 }, .{ 99, 0 });
        const pair = (i % 4) / 2;
        const u_1 = (@as(f64, @floatFromInt(blk[2 * pair] >> 8)) + 1) / 16777216.0;
        const u_2 = @as(f64, @floatFromInt(blk[2 * pair + 1] >> 8)) / 16777216.0;
        const radius = @sqrt(-2.0 * @log(u_1));
        const z = if (i % 2 == 0) radius * @cos(2 * std.math.pi * u_2) else radius * @sin(2 * std.math.pi * u_2);
        const ref = 1.5 + 2.0 * z;
        try testing.expectApproxEqAbs(ref, @as(f64, v), 2e-6 * (1 + @abs(ref)));
    }
}

fn moments(y: []const f32) [2]f64 {
    var s: f64 = 0;
    var s2: f64 = 0;
    for (y) |v| {
        s += v;
        s2 += @as(f64, v) * v;
    }
    const n: f64 = @floatFromInt(y.len);
    const mean = s / n;
    return .{ mean, s2 / n - mean * mean };
}

test "statistics of 1e6 uniforms, normals and bernoullis" {
    const n = 1_000_000;
    const y = try testing.allocator.alloc(f32, n);
    defer testing.allocator.free(y);
    fill(f32, .{ .dist = .uniform, .y = y, .seed = 1234, .counter = 0, .p0 = -2, .p1 = 6 });
    var m = moments(y);
    try testing.expectApproxEqAbs(@as(f64, 2.0), m[0], 0.02); // sd of mean 8/sqrt(12e6) ≈ 0.0023
    try testing.expectApproxEqAbs(64.0 / 12.0, m[1], 0.05);
    for (y) |v| try testing.expect(v >= -2 and v < 6);

    fill(f32, .{ .dist = .normal, .y = y, .seed = 1234, .counter = 77, .p0 = 3, .p1 = 0.5 });
    m = moments(y);
    try testing.expectApproxEqAbs(@as(f64, 3.0), m[0], 0.003); // sd of mean 0.0005
    try testing.expectApproxEqAbs(@as(f64, 0.25), m[1], 0.003);
    for (y) |v| try testing.expect(std.math.isFinite(v));

    fill(f32, .{ .dist = .normal, .y = y, .seed = 5, .counter = 0, .p0 = 0, .p1 = 1 });
    var beyond: usize = 0;
    for (y) |v| beyond += @intFromBool(@abs(v) > 1.959964);
    try testing.expectApproxEqAbs(@as(f64, 0.05), @as(f64, @floatFromInt(beyond)) / n, 0.002);

    fill(f32, .{ .dist = .bernoulli, .y = y, .seed = 1, .counter = 0, .p0 = 0.3, .p1 = 0 });
    m = moments(y);
    try testing.expectApproxEqAbs(@as(f64, 0.3), m[0], 0.003);
    fill(f32, .{ .dist = .bernoulli, .y = y, .seed = 1, .counter = 0, .p0 = 0, .p1 = 0 });
    for (y) |v| try testing.expectEqual(@as(f32, 0), v);
    fill(f32, .{ .dist = .bernoulli, .y = y, .seed = 1, .counter = 0, .p0 = 1, .p1 = 0 });
    for (y) |v| try testing.expectEqual(@as(f32, 1), v);
}

test "rng output does not depend on the thread count" {
    const n = 300_001;
    const a = try testing.allocator.alloc(f32, n);
    defer testing.allocator.free(a);
    const b = try testing.allocator.alloc(f32, n);
    defer testing.allocator.free(b);
    const before = pool.numThreads();
    defer _ = pool.setNumThreads(before);
    inline for (.{ Dist.uniform, Dist.normal, Dist.bernoulli }) |d| {
        _ = pool.setNumThreads(1);
        fill(f32, .{ .dist = d, .y = a, .seed = 11, .counter = 5, .p0 = 0.25, .p1 = 1 });
        _ = pool.setNumThreads(2);
        fill(f32, .{ .dist = d, .y = b, .seed = 11, .counter = 5, .p0 = 0.25, .p1 = 1 });
        try testing.expectEqualSlices(u8, std.mem.sliceAsBytes(a), std.mem.sliceAsBytes(b));
        _ = pool.setNumThreads(3);
        fill(f32, .{ .dist = d, .y = b, .seed = 11, .counter = 5, .p0 = 0.25, .p1 = 1 });
        try testing.expectEqualSlices(u8, std.mem.sliceAsBytes(a), std.mem.sliceAsBytes(b));
        // a sub-range generated with the advanced counter continues the same stream
        fill(f32, .{ .dist = d, .y = b[400..], .seed = 11, .counter = 5 + 100, .p0 = 0.25, .p1 = 1 });
        try testing.expectEqualSlices(u8, std.mem.sliceAsBytes(a[400..]), std.mem.sliceAsBytes(b[400..]));
    }
}
