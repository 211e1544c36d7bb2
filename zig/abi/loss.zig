//! Exports of the loss kernel family (zig/ABI.md, version 2): axon_cross_entropy and
//! axon_cross_entropy_backward (formulas in zig/cpu/cross_entropy.zig).
//!
//! Every argument is validated before any memory is touched: non-negative sizes and offsets,
//! `c ≥ 1` when `n > 0`, smoothing in [0, 1], the overflow-checked span of every operand inside its
//! buffer (with alignment), outputs not overlapping inputs or each other (dlogits may be the exact
//! same memory as the logits), and every target in `[0, c)` unless it equals `ignore_index` (an
//! `invalid_argument` naming the target value and its row). Nothing is written on failure.
const std = @import("std");
const status = @import("../status.zig");
const check = @import("check.zig");
const kce = @import("../cpu/cross_entropy.zig");
const Error = status.Error;

const view = check.view;

const noOverlap = check.noOverlap;

/// Validates the arguments shared by forward and backward and returns the problem description.
fn problem(n_in: i64, c_in: i64, logits: ?[*]u8, logits_bytes: i64, logits_off: i64, target: ?[*]u8, target_bytes: i64, target_off: i64, weight: ?[*]u8, weight_bytes: i64, ignore_index: i64, smoothing: f64) Error!kce.Problem {
    const n = try check.count(n_in, "n");
    const c = try check.count(c_in, "c");
    if (n > 0 and c == 0) return status.err(error.InvalidArgument, "cross_entropy: c (number of classes) must be >= 1, got 0", .{});
    if (!(smoothing >= 0 and smoothing <= 1))
        return status.err(error.InvalidArgument, "cross_entropy: label smoothing must be in [0, 1], got {d}", .{smoothing});
    const lo = try check.count(logits_off, "logits offset");
    const to = try check.count(target_off, "target offset");
    const nc = try check.mul(n, c);
    const z = try view(f32, logits, logits_bytes, lo, nc, "logits");
    const t = try view(i32, target, target_bytes, to, n, "target");
    const w: ?[]const f32 = if (weight != null) try view(f32, weight, weight_bytes, 0, c, "weight") else null;
    return .{ .n = n, .c = c, .logits = z, .target = t, .weight = w, .ignore_index = ignore_index, .smoothing = smoothing };
}

fn forwardImpl(n: i64, c: i64, logits: ?[*]u8, logits_bytes: i64, logits_off: i64, target: ?[*]u8, target_bytes: i64, target_off: i64, weight: ?[*]u8, weight_bytes: i64, ignore_index: i64, smoothing: f64, loss: ?[*]u8, loss_bytes: i64, lse: ?[*]u8, lse_bytes: i64) Error!void {
    const p = try problem(n, c, logits, logits_bytes, logits_off, target, target_bytes, target_off, weight, weight_bytes, ignore_index, smoothing);
    const ls = try view(f32, loss, loss_bytes, 0, p.n, "loss");
    const es = try view(f32, lse, lse_bytes, 0, p.n, "lse");
    inline for (.{ .{ ls, "loss" }, .{ es, "lse" } }) |o| {
        try noOverlap(o[0], o[1], p.logits, "logits");
        try noOverlap(o[0], o[1], p.target, "target");
        if (p.weight) |ws| try noOverlap(o[0], o[1], ws, "weight");
    }
    try noOverlap(ls, "loss", es, "lse");
    try kce.checkTargets(p.target, p.c, p.ignore_index);
    kce.forward(&p, ls, es);
}

fn backwardImpl(n: i64, c: i64, logits: ?[*]u8, logits_bytes: i64, logits_off: i64, target: ?[*]u8, target_bytes: i64, target_off: i64, weight: ?[*]u8, weight_bytes: i64, ignore_index: i64, smoothing: f64, lse: ?[*]u8, lse_bytes: i64, grad_loss: ?[*]u8, grad_loss_bytes: i64, dlogits: ?[*]u8, dlogits_bytes: i64) Error!void {
    const p = try problem(n, c, logits, logits_bytes, logits_off, target, target_bytes, target_off, weight, weight_bytes, ignore_index, smoothing);
    const es = try view(f32, lse, lse_bytes, 0, p.n, "lse");
    const gs = try view(f32, grad_loss, grad_loss_bytes, 0, p.n, "grad_loss");
    const ds = try view(f32, dlogits, dlogits_bytes, 0, p.n * p.c, "dlogits");
    const same_as_logits = ds.len > 0 and ds.ptr == p.logits.ptr;
    if (!same_as_logits) try noOverlap(ds, "dlogits", p.logits, "logits (only the exact same view may alias)");
    try noOverlap(ds, "dlogits", p.target, "target");
    if (p.weight) |ws| try noOverlap(ds, "dlogits", ws, "weight");
    try noOverlap(ds, "dlogits", es, "lse");
    try noOverlap(ds, "dlogits", gs, "grad_loss");
    try kce.checkTargets(p.target, p.c, p.ignore_index);
    kce.backward(&p, es, gs, ds);
}

/// Per-row cross-entropy loss and logsumexp; see zig/ABI.md.
pub export fn axon_cross_entropy(n: i64, c: i64, logits: ?[*]u8, logits_bytes: i64, logits_off: i64, target: ?[*]u8, target_bytes: i64, target_off: i64, weight: ?[*]u8, weight_bytes: i64, ignore_index: i64, smoothing: f64, loss: ?[*]u8, loss_bytes: i64, lse: ?[*]u8, lse_bytes: i64) i32 {
    return status.wrap(forwardImpl(n, c, logits, logits_bytes, logits_off, target, target_bytes, target_off, weight, weight_bytes, ignore_index, smoothing, loss, loss_bytes, lse, lse_bytes));
}

/// Gradient of the per-row loss with respect to the logits, scaled by grad_loss; see zig/ABI.md.
pub export fn axon_cross_entropy_backward(n: i64, c: i64, logits: ?[*]u8, logits_bytes: i64, logits_off: i64, target: ?[*]u8, target_bytes: i64, target_off: i64, weight: ?[*]u8, weight_bytes: i64, ignore_index: i64, smoothing: f64, lse: ?[*]u8, lse_bytes: i64, grad_loss: ?[*]u8, grad_loss_bytes: i64, dlogits: ?[*]u8, dlogits_bytes: i64) i32 {
    return status.wrap(backwardImpl(n, c, logits, logits_bytes, logits_off, target, target_bytes, target_off, weight, weight_bytes, ignore_index, smoothing, lse, lse_bytes, grad_loss, grad_loss_bytes, dlogits, dlogits_bytes));
}

// ---------------------------------------------------------------------------------------------
// tests (through the C ABI)

const testing = std.testing;

fn raw(s: anytype) ?[*]u8 {
    return @ptrCast(s.ptr);
}

fn nbytes(s: anytype) i64 {
    return @intCast(std.mem.sliceAsBytes(s).len);
}

/// f64 reference of one row's loss (the ABI formula), from f64 logits.
fn refLoss(z: []const f64, t: i64, w: ?[]const f32, ignore: i64, eps: f64) f64 {
    if (t == ignore) return 0;
    var m: f64 = -std.math.inf(f64);
    for (z) |v| m = @max(m, v);
    var s: f64 = 0;
    for (z) |v| s += @exp(v - m);
    const lse = m + @log(s);
    const c: f64 = @floatFromInt(z.len);
    const tu: usize = @intCast(t);
    const wt: f64 = if (w) |ws| ws[tu] else 1;
    var sm: f64 = 0;
    for (z, 0..) |v, j| sm += (if (w) |ws| @as(f64, ws[j]) else 1) * (lse - v);
    return (1 - eps) * wt * (lse - z[tu]) + eps / c * sm;
}

fn refLse(z: []const f64) f64 {
    var m: f64 = -std.math.inf(f64);
    for (z) |v| m = @max(m, v);
    var s: f64 = 0;
    for (z) |v| s += @exp(v - m);
    return m + @log(s);
}

const Case = struct { n: usize, c: usize, weighted: bool, eps: f64, ignore: i64, scale: f32 };

fn runCase(r: std.Random, cs: Case) !void {
    const alloc = testing.allocator;
    const n = cs.n;
    const c = cs.c;
    const off = 5;
    const z = try alloc.alloc(f32, off + n * c);
    defer alloc.free(z);
    for (z) |*v| v.* = (r.float(f32) * 2 - 1) * cs.scale;
    const t = try alloc.alloc(i32, n + 1);
    defer alloc.free(t);
    for (t, 0..) |*v, i| v.* = if (i % 7 == 3) @intCast(cs.ignore) else r.intRangeLessThan(i32, 0, @intCast(c));
    const w = try alloc.alloc(f32, c);
    defer alloc.free(w);
    for (w) |*v| v.* = 0.1 + r.float(f32) * 2;
    const wp: ?[]const f32 = if (cs.weighted) w else null;
    const loss = try alloc.alloc(f32, n);
    defer alloc.free(loss);
    const lse = try alloc.alloc(f32, n);
    defer alloc.free(lse);
    const g = try alloc.alloc(f32, n);
    defer alloc.free(g);
    for (g) |*v| v.* = r.float(f32) * 2 - 1;
    const dz = try alloc.alloc(f32, n * c);
    defer alloc.free(dz);
    const wraw: ?[*]u8 = if (cs.weighted) raw(w) else null;
    try testing.expectEqual(@as(i32, 0), axon_cross_entropy(@intCast(n), @intCast(c), raw(z), nbytes(z), off, raw(t), nbytes(t), 1, wraw, nbytes(w), cs.ignore, cs.eps, raw(loss), nbytes(loss), raw(lse), nbytes(lse)));
    try testing.expectEqual(@as(i32, 0), axon_cross_entropy_backward(@intCast(n), @intCast(c), raw(z), nbytes(z), off, raw(t), nbytes(t), 1, wraw, nbytes(w), cs.ignore, cs.eps, raw(lse), nbytes(lse), raw(g), nbytes(g), raw(dz), nbytes(dz)));
    const zr = try alloc.alloc(f64, c);
    defer alloc.free(zr);
    var wsum: f64 = 0;
    for (0..c) |j| wsum += if (wp) |ws| ws[j] else 1;
    for (0..n) |i| {
        for (zr, z[off + i * c ..][0..c]) |*d, v| d.* = v;
        const tt: i64 = t[1 + i];
        const want = refLoss(zr, tt, wp, cs.ignore, cs.eps);
        const want_lse = refLse(zr);
        if (!(@abs(loss[i] - want) <= 2e-6 * @abs(want) + 1e-6 and @abs(lse[i] - want_lse) <= 2e-6 * @abs(want_lse) + 1e-6)) {
            std.debug.print("row {d} {any}: loss {d} want {d}, lse {d} want {d}\n", .{ i, cs, loss[i], want, lse[i], want_lse });
            return error.TestUnexpectedResult;
        }
        // gradient: the ABI formula in f64 and central differences of the f64 forward
        for (0..c) |j| {
            const got = dz[i * c + j];
            if (tt == cs.ignore) {
                try testing.expectEqual(@as(f32, 0), got);
                continue;
            }
            const tu: usize = @intCast(tt);
            const pj = @exp(zr[j] - want_lse);
            const wj: f64 = if (wp) |ws| ws[j] else 1;
            const wt: f64 = if (wp) |ws| ws[tu] else 1;
            const delta: f64 = if (j == tu) 1 else 0;
            const formula = g[i] * ((1 - cs.eps) * wt * (pj - delta) + cs.eps / @as(f64, @floatFromInt(c)) * (wsum * pj - wj));
            const tol = 2e-6 * @abs(formula) + 2e-7 * @abs(g[i]) * (1 + wsum / @as(f64, @floatFromInt(c)));
            if (!(@abs(got - formula) <= tol)) {
                std.debug.print("row {d} col {d} {any}: dz {d} want {d}\n", .{ i, j, cs, got, formula });
                return error.TestUnexpectedResult;
            }
            if (c <= 20 and i < 8) {
                const h = 1e-6;
                const keep = zr[j];
                zr[j] = keep + h;
                const up = refLoss(zr, tt, wp, cs.ignore, cs.eps);
                zr[j] = keep - h;
                const down = refLoss(zr, tt, wp, cs.ignore, cs.eps);
                zr[j] = keep;
                const fd = g[i] * (up - down) / (2 * h);
                try testing.expect(@abs(got - fd) <= 1e-5 * @max(1, @abs(fd)));
            }
        }
    }
}

test "cross_entropy forward/backward match f64 references and finite differences" {
    var rng = std.Random.DefaultPrng.init(11);
    const r = rng.random();
    for ([_]usize{ 1, 2, 5, 10, 16, 17, 33, 100, 1000 }) |c| {
        for ([_]bool{ false, true }) |weighted| {
            for ([_]f64{ 0, 0.1, 1 }) |eps| {
                const ignore: i64 = if (c > 3 and weighted) 2 else -100;
                try runCase(r, .{ .n = 37, .c = c, .weighted = weighted, .eps = eps, .ignore = ignore, .scale = 4 });
            }
        }
    }
    // large logits: max subtraction keeps everything finite
    try runCase(r, .{ .n = 9, .c = 50, .weighted = true, .eps = 0.2, .ignore = -1, .scale = 3e4 });
    // many rows: threaded path
    try runCase(r, .{ .n = 600, .c = 300, .weighted = true, .eps = 0.05, .ignore = 7, .scale = 6 });
}

test "cross_entropy: exact values, ignored rows, in-place backward, NaN and -inf logits" {
    // two classes, z = [0, ln 3]: p = [1/4, 3/4], lse = ln 4
    var z = [_]f32{ 0, @floatCast(@log(3.0)), 1, 2, 5, 5 };
    var t = [_]i32{ 1, -100, 0 };
    var loss: [3]f32 = undefined;
    var lse: [3]f32 = undefined;
    try testing.expectEqual(@as(i32, 0), axon_cross_entropy(3, 2, raw(&z), 24, 0, raw(&t), 12, 0, null, 0, -100, 0, raw(&loss), 12, raw(&lse), 12));
    try testing.expectApproxEqAbs(@as(f32, @floatCast(@log(4.0 / 3.0))), loss[0], 1e-7);
    try testing.expectEqual(@as(f32, 0), loss[1]);
    try testing.expectApproxEqAbs(@as(f32, @floatCast(@log(2.0))), loss[2], 1e-7);
    try testing.expectApproxEqAbs(@as(f32, @floatCast(@log(4.0))), lse[0], 1e-7);
    var g = [_]f32{ 1, 1, 2 };
    var dz: [6]f32 = undefined;
    try testing.expectEqual(@as(i32, 0), axon_cross_entropy_backward(3, 2, raw(&z), 24, 0, raw(&t), 12, 0, null, 0, -100, 0, raw(&lse), 12, raw(&g), 12, raw(&dz), 24));
    try testing.expectApproxEqAbs(@as(f32, 0.25), dz[0], 1e-7);
    try testing.expectApproxEqAbs(@as(f32, -0.25), dz[1], 1e-7);
    try testing.expectEqual(@as(f32, 0), dz[2]);
    try testing.expectEqual(@as(f32, 0), dz[3]);
    try testing.expectApproxEqAbs(@as(f32, -1), dz[4], 1e-7);
    try testing.expectApproxEqAbs(@as(f32, 1), dz[5], 1e-7);
    // in place: dlogits is the logits buffer
    try testing.expectEqual(@as(i32, 0), axon_cross_entropy_backward(3, 2, raw(&z), 24, 0, raw(&t), 12, 0, null, 0, -100, 0, raw(&lse), 12, raw(&g), 12, raw(&z), 24));
    try testing.expectEqualSlices(f32, &dz, &z);
    // -inf logits of non-target classes are fine; NaN poisons its row only
    var z2 = [_]f32{ -std.math.inf(f32), 0, std.math.nan(f32), 1 };
    var t2 = [_]i32{ 1, 1 };
    try testing.expectEqual(@as(i32, 0), axon_cross_entropy(2, 2, raw(&z2), 16, 0, raw(&t2), 8, 0, null, 0, -100, 0, raw(&loss), 12, raw(&lse), 12));
    try testing.expectEqual(@as(f32, 0), loss[0]);
    try testing.expect(std.math.isNan(loss[1]));
    // n = 0 works with null pointers
    try testing.expectEqual(@as(i32, 0), axon_cross_entropy(0, 10, null, 0, 0, null, 0, 0, null, 0, -100, 0.1, null, 0, null, 0));
    try testing.expectEqual(@as(i32, 0), axon_cross_entropy_backward(0, 0, null, 0, 0, null, 0, 0, null, 0, -100, 0, null, 0, null, 0, null, 0));
}

test "cross_entropy rejects bad targets, smoothing, sizes, buffers and overlap before writing" {
    var z = [_]f32{0} ** 30;
    var t = [_]i32{ 1, 9, 12 };
    var w = [_]f32{1} ** 10;
    var loss = [_]f32{-7} ** 3;
    var lse = [_]f32{-7} ** 3;
    var g = [_]f32{1} ** 3;
    var dz = [_]f32{-7} ** 30;
    try testing.expectEqual(@as(i32, -1), axon_cross_entropy(3, 10, raw(&z), 120, 0, raw(&t), 12, 0, raw(&w), 40, -100, 0, raw(&loss), 12, raw(&lse), 12));
    try testing.expectEqualStrings("cross_entropy: target 12 is out of bounds for 10 classes (row 2; ignore_index is -100)", status.lastMessage());
    for (loss, lse) |a, b| {
        try testing.expectEqual(@as(f32, -7), a);
        try testing.expectEqual(@as(f32, -7), b);
    }
    try testing.expectEqual(@as(i32, -1), axon_cross_entropy_backward(3, 10, raw(&z), 120, 0, raw(&t), 12, 0, raw(&w), 40, -100, 0, raw(&lse), 12, raw(&g), 12, raw(&dz), 120));
    for (dz) |v| try testing.expectEqual(@as(f32, -7), v);
    t[2] = -1;
    try testing.expectEqual(@as(i32, -1), axon_cross_entropy(3, 10, raw(&z), 120, 0, raw(&t), 12, 0, null, 0, -100, 0, raw(&loss), 12, raw(&lse), 12));
    try testing.expectEqual(@as(i32, 0), axon_cross_entropy(3, 10, raw(&z), 120, 0, raw(&t), 12, 0, null, 0, -1, 0, raw(&loss), 12, raw(&lse), 12));
    try testing.expectEqual(@as(f32, 0), loss[2]);
    // smoothing outside [0, 1] or NaN
    for ([_]f64{ -0.1, 1.5, std.math.nan(f64), std.math.inf(f64) }) |eps| {
        try testing.expectEqual(@as(i32, -1), axon_cross_entropy(3, 10, raw(&z), 120, 0, raw(&t), 12, 0, null, 0, -1, eps, raw(&loss), 12, raw(&lse), 12));
    }
    // sizes, offsets, buffers
    try testing.expectEqual(@as(i32, -1), axon_cross_entropy(-3, 10, raw(&z), 120, 0, raw(&t), 12, 0, null, 0, -1, 0, raw(&loss), 12, raw(&lse), 12));
    try testing.expectEqual(@as(i32, -1), axon_cross_entropy(3, -10, raw(&z), 120, 0, raw(&t), 12, 0, null, 0, -1, 0, raw(&loss), 12, raw(&lse), 12));
    try testing.expectEqual(@as(i32, -1), axon_cross_entropy(3, 0, raw(&z), 120, 0, raw(&t), 12, 0, null, 0, -1, 0, raw(&loss), 12, raw(&lse), 12));
    try testing.expectEqual(@as(i32, -1), axon_cross_entropy(3, 10, raw(&z), 120, -1, raw(&t), 12, 0, null, 0, -1, 0, raw(&loss), 12, raw(&lse), 12));
    try testing.expectEqual(@as(i32, -2), axon_cross_entropy(3, 10, raw(&z), 120, 1, raw(&t), 12, 0, null, 0, -1, 0, raw(&loss), 12, raw(&lse), 12));
    try testing.expectEqual(@as(i32, -2), axon_cross_entropy(3, 10, raw(&z), 120, 0, raw(&t), 12, 1, null, 0, -1, 0, raw(&loss), 12, raw(&lse), 12));
    try testing.expectEqual(@as(i32, -2), axon_cross_entropy(3, 10, raw(&z), 120, 0, raw(&t), 12, 0, raw(&w), 36, -1, 0, raw(&loss), 12, raw(&lse), 12));
    try testing.expectEqual(@as(i32, -2), axon_cross_entropy(3, 10, raw(&z), 120, 0, raw(&t), 12, 0, null, 0, -1, 0, raw(&loss), 8, raw(&lse), 12));
    try testing.expectEqual(@as(i32, -2), axon_cross_entropy(3, 10, raw(&z), 120, 0, raw(&t), 12, 0, null, 0, -1, 0, raw(&loss), 12, raw(&lse), 11));
    try testing.expectEqual(@as(i32, -3), axon_cross_entropy(1 << 40, 1 << 40, raw(&z), 120, 0, raw(&t), 12, 0, null, 0, -1, 0, raw(&loss), 12, raw(&lse), 12));
    try testing.expectEqual(@as(i32, -1), axon_cross_entropy(3, 10, null, 120, 0, raw(&t), 12, 0, null, 0, -1, 0, raw(&loss), 12, raw(&lse), 12));
    try testing.expectEqual(@as(i32, -2), axon_cross_entropy_backward(3, 10, raw(&z), 120, 0, raw(&t), 12, 0, null, 0, -1, 0, raw(&lse), 8, raw(&g), 12, raw(&dz), 120));
    try testing.expectEqual(@as(i32, -2), axon_cross_entropy_backward(3, 10, raw(&z), 120, 0, raw(&t), 12, 0, null, 0, -1, 0, raw(&lse), 12, raw(&g), 8, raw(&dz), 120));
    try testing.expectEqual(@as(i32, -2), axon_cross_entropy_backward(3, 10, raw(&z), 120, 0, raw(&t), 12, 0, null, 0, -1, 0, raw(&lse), 12, raw(&g), 12, raw(&dz), 116));
    // overlaps: loss == lse, loss inside logits, dlogits shifted against logits
    try testing.expectEqual(@as(i32, -1), axon_cross_entropy(3, 10, raw(&z), 120, 0, raw(&t), 12, 0, null, 0, -1, 0, raw(&loss), 12, raw(&loss), 12));
    try testing.expectEqual(@as(i32, -1), axon_cross_entropy(3, 10, raw(&z), 120, 0, raw(&t), 12, 0, null, 0, -1, 0, raw(&z), 12, raw(&lse), 12));
    try testing.expectEqual(@as(i32, -1), axon_cross_entropy_backward(2, 10, raw(&z), 120, 1, raw(&t), 12, 0, null, 0, -1, 0, raw(&lse), 12, raw(&g), 12, raw(&z), 120));
    try testing.expectEqual(@as(i32, -1), axon_cross_entropy_backward(3, 10, raw(&z), 120, 0, raw(&t), 12, 0, null, 0, -1, 0, raw(&dz), 12, raw(&g), 12, raw(&dz), 120));
}
