//! Exports of the optimizer family (ABI v3 additions, see zig/ABI.md): fused, in-place optimizer
//! steps on contiguous f32 buffers, one call per parameter tensor, reproducing PyTorch's
//! single-tensor (`foreach=False`) update rules; plus LAMB's two halves and small clipping helpers.
//!
//! Conventions of this family:
//! - every buffer is `(ptr, byte_len)` and holds the tensor from element 0; it must hold ≥ n f32;
//! - hyper-parameters come as an f64 array `(hyper, hyper_len)` whose length must be exact;
//! - unknown flag bits are an error;
//! - the n-element regions of the buffers one call touches must not overlap at all (an identical
//!   buffer passed twice is an error too); an optional buffer that the flags/hyper-parameters do
//!   not use is neither validated nor touched (it may be null).
//! Everything is validated before any memory is touched.
const std = @import("std");
const status = @import("../status.zig");
const check = @import("check.zig");
const k = @import("../cpu/optim.zig");
const Error = status.Error;

/// A buffer operand: name, pointer and byte length as passed.
const Buf = struct { name: []const u8, ptr: ?[*]u8, bytes: i64 };

/// Validates the buffers one call touches (each holds ≥ n f32, no two overlap) and returns them as
/// n-element slices, in order.
fn buffers(comptime N: usize, fname: []const u8, n: usize, bufs: [N]Buf) Error![N][]f32 {
    var out: [N][]f32 = undefined;
    for (bufs, 0..) |b, i| {
        const all = try check.buffer(f32, b.ptr, b.bytes, 0, n, b.name);
        out[i] = all[0..n];
    }
    if (n == 0) return out;
    for (0..N) |i| {
        for (i + 1..N) |j| {
            const a0 = @intFromPtr(out[i].ptr);
            const b0 = @intFromPtr(out[j].ptr);
            const len = n * @sizeOf(f32);
            if (a0 < b0 + len and b0 < a0 + len) {
                if (a0 == b0)
                    return status.err(error.InvalidArgument, "{s}: {s} and {s} are the same buffer (each must be distinct)", .{ fname, bufs[i].name, bufs[j].name });
                return status.err(error.InvalidArgument, "{s}: {s} and {s} overlap", .{ fname, bufs[i].name, bufs[j].name });
            }
        }
    }
    return out;
}

/// The hyper-parameters of one call, read from `(ptr, len)` in the order of the layout enum `E`
/// (the one declaration both sides use: src/native/abi_generated.ts is generated from it), as a
/// struct with one field per name.
fn hyperOf(comptime E: type, fname: []const u8, ptr: ?[*]const f64, len: i64) Error!std.enums.EnumFieldStruct(E, f64, null) {
    const names = comptime std.meta.fieldNames(E);
    if (len != names.len)
        return status.err(error.InvalidArgument, "{s}: hyper array must have {d} entries ({s}), got {d}", .{ fname, names.len, comptime joinNames(names), len });
    const p = ptr orelse return status.err(error.InvalidArgument, "{s}: hyper: null pointer", .{fname});
    if (@intFromPtr(p) % @alignOf(f64) != 0) return status.err(error.InvalidArgument, "{s}: hyper: pointer not 8-byte aligned", .{fname});
    var out: std.enums.EnumFieldStruct(E, f64, null) = undefined;
    inline for (@typeInfo(E).@"enum".fields) |field| {
        const value = p[field.value];
        if (!std.math.isFinite(value))
            return status.err(error.InvalidArgument, "{s}: {s} must be finite, got {d}", .{ fname, field.name, value });
        @field(out, field.name) = value;
    }
    return out;
}

fn joinNames(comptime names: []const []const u8) []const u8 {
    comptime {
        var s: []const u8 = "";
        for (names, 0..) |nm, i| s = s ++ (if (i == 0) "" else ", ") ++ nm;
        return s;
    }
}

fn atLeast(fname: []const u8, name: []const u8, value: f64, lo: f64) Error!void {
    if (!(value >= lo)) return status.err(error.InvalidArgument, "{s}: {s} must be >= {d}, got {d}", .{ fname, name, lo, value });
}

fn unitInterval(fname: []const u8, name: []const u8, value: f64) Error!void {
    if (!(value >= 0 and value < 1)) return status.err(error.InvalidArgument, "{s}: {s} must be in [0, 1), got {d}", .{ fname, name, value });
}

/// Refuses flag bits that the flag enum `F` (bit values) does not name.
fn flagBits(comptime F: type, fname: []const u8, flags: u32) Error!void {
    const known: u32, const meaning: []const u8 = comptime blk: {
        var mask: u32 = 0;
        var text: []const u8 = "";
        for (@typeInfo(F).@"enum".fields, 0..) |field, i| {
            mask |= field.value;
            text = text ++ (if (i == 0) "" else ", ") ++ std.fmt.comptimePrint("{d} {s}", .{ field.value, field.name });
        }
        break :blk .{ mask, text };
    };
    if (flags & ~known != 0)
        return status.err(error.InvalidArgument, "{s}: unknown flag bits 0x{x} (known: " ++ meaning ++ ")", .{ fname, flags & ~known });
}

/// Whether `flag` is set in `flags`.
fn has(flags: u32, flag: anytype) bool {
    return flags & @intFromEnum(flag) != 0;
}

// ---------------------------------------------------------------------------------------------
// SGD

/// `axon_sgd_step` flag bits (first_step: momentum_buf = grad, as PyTorch's lazily created buffer).
pub const SgdFlag = enum(u32) { nesterov = 1, maximize = 2, first_step = 4 };
/// `axon_sgd_step` hyper-parameter layout.
pub const SgdHyper = enum { lr, momentum, dampening, weight_decay };

fn sgdImpl(n_: i64, param: ?[*]u8, param_bytes: i64, grad: ?[*]u8, grad_bytes: i64, mbuf: ?[*]u8, mbuf_bytes: i64, hyper: ?[*]const f64, hyper_len: i64, flags: u32) Error!void {
    const f = "axon_sgd_step";
    try flagBits(SgdFlag, f, flags);
    const n = try check.count(n_, "n");
    const h = try hyperOf(SgdHyper, f, hyper, hyper_len);
    try atLeast(f, "lr", h.lr, 0);
    try atLeast(f, "momentum", h.momentum, 0);
    try atLeast(f, "weight_decay", h.weight_decay, 0);
    const nesterov = has(flags, SgdFlag.nesterov);
    if (nesterov and (h.momentum <= 0 or h.dampening != 0))
        return status.err(error.InvalidArgument, "{s}: nesterov momentum requires momentum > 0 and dampening == 0 (got momentum {d}, dampening {d})", .{ f, h.momentum, h.dampening });
    const kk = k.Sgd.init(h.lr, h.momentum, h.dampening, h.weight_decay, nesterov, has(flags, SgdFlag.maximize), has(flags, SgdFlag.first_step));
    if (kk.use_momentum) {
        const s = try buffers(3, f, n, .{ .{ .name = "param", .ptr = param, .bytes = param_bytes }, .{ .name = "grad", .ptr = grad, .bytes = grad_bytes }, .{ .name = "momentum_buf", .ptr = mbuf, .bytes = mbuf_bytes } });
        k.sgd(kk, s[0], s[1], s[2]);
    } else {
        const s = try buffers(2, f, n, .{ .{ .name = "param", .ptr = param, .bytes = param_bytes }, .{ .name = "grad", .ptr = grad, .bytes = grad_bytes } });
        k.sgd(kk, s[0], s[1], &.{});
    }
}

/// hyper = [lr, momentum, dampening, weight_decay]; flags: 1 nesterov, 2 maximize, 4 first step
/// (momentum_buf = grad, as PyTorch's lazily created buffer). momentum_buf is used iff momentum ≠ 0.
pub export fn axon_sgd_step(n: i64, param: ?[*]u8, param_bytes: i64, grad: ?[*]u8, grad_bytes: i64, momentum_buf: ?[*]u8, momentum_buf_bytes: i64, hyper: ?[*]const f64, hyper_len: i64, flags: u32) i32 {
    return status.wrap(sgdImpl(n, param, param_bytes, grad, grad_bytes, momentum_buf, momentum_buf_bytes, hyper, hyper_len, flags));
}

// ---------------------------------------------------------------------------------------------
// Adam / AdamW

/// `axon_adam_step` flag bits (amsgrad: max_exp_avg_sq required; decoupled: AdamW's weight decay).
pub const AdamFlag = enum(u32) { amsgrad = 1, decoupled = 2, maximize = 4 };
/// `axon_adam_step` hyper-parameter layout (step ≥ 1: PyTorch's state["step"] after its increment).
pub const AdamHyper = enum { lr, beta1, beta2, eps, weight_decay, step };

fn adamImpl(n_: i64, param: ?[*]u8, param_bytes: i64, grad: ?[*]u8, grad_bytes: i64, exp_avg: ?[*]u8, exp_avg_bytes: i64, exp_avg_sq: ?[*]u8, exp_avg_sq_bytes: i64, max_exp_avg_sq: ?[*]u8, max_exp_avg_sq_bytes: i64, hyper: ?[*]const f64, hyper_len: i64, flags: u32) Error!void {
    const f = "axon_adam_step";
    try flagBits(AdamFlag, f, flags);
    const n = try check.count(n_, "n");
    const h = try hyperOf(AdamHyper, f, hyper, hyper_len);
    try atLeast(f, "lr", h.lr, 0);
    try unitInterval(f, "beta1", h.beta1);
    try unitInterval(f, "beta2", h.beta2);
    try atLeast(f, "eps", h.eps, 0);
    try atLeast(f, "weight_decay", h.weight_decay, 0);
    try atLeast(f, "step", h.step, 1);
    const amsgrad = has(flags, AdamFlag.amsgrad);
    const kk = k.Adam.init(h.lr, h.beta1, h.beta2, h.eps, h.weight_decay, h.step, amsgrad, has(flags, AdamFlag.decoupled), has(flags, AdamFlag.maximize));
    const p = Buf{ .name = "param", .ptr = param, .bytes = param_bytes };
    const g = Buf{ .name = "grad", .ptr = grad, .bytes = grad_bytes };
    const m = Buf{ .name = "exp_avg", .ptr = exp_avg, .bytes = exp_avg_bytes };
    const v = Buf{ .name = "exp_avg_sq", .ptr = exp_avg_sq, .bytes = exp_avg_sq_bytes };
    if (amsgrad) {
        const s = try buffers(5, f, n, .{ p, g, m, v, .{ .name = "max_exp_avg_sq", .ptr = max_exp_avg_sq, .bytes = max_exp_avg_sq_bytes } });
        k.adam(kk, s[0], s[1], s[2], s[3], s[4]);
    } else {
        const s = try buffers(4, f, n, .{ p, g, m, v });
        k.adam(kk, s[0], s[1], s[2], s[3], &.{});
    }
}

/// hyper = [lr, beta1, beta2, eps, weight_decay, step] (step ≥ 1: the step being taken, i.e.
/// PyTorch's state["step"] after its increment); flags: 1 amsgrad (max_exp_avg_sq required),
/// 2 decoupled weight decay (AdamW), 4 maximize.
pub export fn axon_adam_step(n: i64, param: ?[*]u8, param_bytes: i64, grad: ?[*]u8, grad_bytes: i64, exp_avg: ?[*]u8, exp_avg_bytes: i64, exp_avg_sq: ?[*]u8, exp_avg_sq_bytes: i64, max_exp_avg_sq: ?[*]u8, max_exp_avg_sq_bytes: i64, hyper: ?[*]const f64, hyper_len: i64, flags: u32) i32 {
    return status.wrap(adamImpl(n, param, param_bytes, grad, grad_bytes, exp_avg, exp_avg_bytes, exp_avg_sq, exp_avg_sq_bytes, max_exp_avg_sq, max_exp_avg_sq_bytes, hyper, hyper_len, flags));
}

// ---------------------------------------------------------------------------------------------
// RMSprop

/// `axon_rmsprop_step` flag bits (centered: grad_avg required).
pub const RmspropFlag = enum(u32) { centered = 1, maximize = 2 };
/// `axon_rmsprop_step` hyper-parameter layout.
pub const RmspropHyper = enum { lr, alpha, eps, weight_decay, momentum };

fn rmspropImpl(n_: i64, param: ?[*]u8, param_bytes: i64, grad: ?[*]u8, grad_bytes: i64, square_avg: ?[*]u8, square_avg_bytes: i64, momentum_buf: ?[*]u8, momentum_buf_bytes: i64, grad_avg: ?[*]u8, grad_avg_bytes: i64, hyper: ?[*]const f64, hyper_len: i64, flags: u32) Error!void {
    const f = "axon_rmsprop_step";
    try flagBits(RmspropFlag, f, flags);
    const n = try check.count(n_, "n");
    const h = try hyperOf(RmspropHyper, f, hyper, hyper_len);
    try atLeast(f, "lr", h.lr, 0);
    try atLeast(f, "alpha", h.alpha, 0);
    try atLeast(f, "eps", h.eps, 0);
    try atLeast(f, "weight_decay", h.weight_decay, 0);
    try atLeast(f, "momentum", h.momentum, 0);
    const kk = k.Rmsprop.init(h.lr, h.alpha, h.eps, h.weight_decay, h.momentum, has(flags, RmspropFlag.centered), has(flags, RmspropFlag.maximize));
    const p = Buf{ .name = "param", .ptr = param, .bytes = param_bytes };
    const g = Buf{ .name = "grad", .ptr = grad, .bytes = grad_bytes };
    const sq = Buf{ .name = "square_avg", .ptr = square_avg, .bytes = square_avg_bytes };
    const mb = Buf{ .name = "momentum_buf", .ptr = momentum_buf, .bytes = momentum_buf_bytes };
    const ga = Buf{ .name = "grad_avg", .ptr = grad_avg, .bytes = grad_avg_bytes };
    if (kk.use_momentum and kk.centered) {
        const s = try buffers(5, f, n, .{ p, g, sq, mb, ga });
        k.rmsprop(kk, s[0], s[1], s[2], s[3], s[4]);
    } else if (kk.use_momentum) {
        const s = try buffers(4, f, n, .{ p, g, sq, mb });
        k.rmsprop(kk, s[0], s[1], s[2], s[3], &.{});
    } else if (kk.centered) {
        const s = try buffers(4, f, n, .{ p, g, sq, ga });
        k.rmsprop(kk, s[0], s[1], s[2], &.{}, s[3]);
    } else {
        const s = try buffers(3, f, n, .{ p, g, sq });
        k.rmsprop(kk, s[0], s[1], s[2], &.{}, &.{});
    }
}

/// hyper = [lr, alpha, eps, weight_decay, momentum]; flags: 1 centered (grad_avg required),
/// 2 maximize. momentum_buf is used iff momentum > 0.
pub export fn axon_rmsprop_step(n: i64, param: ?[*]u8, param_bytes: i64, grad: ?[*]u8, grad_bytes: i64, square_avg: ?[*]u8, square_avg_bytes: i64, momentum_buf: ?[*]u8, momentum_buf_bytes: i64, grad_avg: ?[*]u8, grad_avg_bytes: i64, hyper: ?[*]const f64, hyper_len: i64, flags: u32) i32 {
    return status.wrap(rmspropImpl(n, param, param_bytes, grad, grad_bytes, square_avg, square_avg_bytes, momentum_buf, momentum_buf_bytes, grad_avg, grad_avg_bytes, hyper, hyper_len, flags));
}

// ---------------------------------------------------------------------------------------------
// Adagrad

/// `axon_adagrad_step` flag bits.
pub const AdagradFlag = enum(u32) { maximize = 1 };
/// `axon_adagrad_step` hyper-parameter layout (step ≥ 1, after increment).
pub const AdagradHyper = enum { lr, lr_decay, weight_decay, eps, step };

fn adagradImpl(n_: i64, param: ?[*]u8, param_bytes: i64, grad: ?[*]u8, grad_bytes: i64, state_sum: ?[*]u8, state_sum_bytes: i64, hyper: ?[*]const f64, hyper_len: i64, flags: u32) Error!void {
    const f = "axon_adagrad_step";
    try flagBits(AdagradFlag, f, flags);
    const n = try check.count(n_, "n");
    const h = try hyperOf(AdagradHyper, f, hyper, hyper_len);
    try atLeast(f, "lr", h.lr, 0);
    try atLeast(f, "lr_decay", h.lr_decay, 0);
    try atLeast(f, "weight_decay", h.weight_decay, 0);
    try atLeast(f, "eps", h.eps, 0);
    try atLeast(f, "step", h.step, 1);
    const kk = k.Adagrad.init(h.lr, h.lr_decay, h.weight_decay, h.eps, h.step, has(flags, AdagradFlag.maximize));
    const s = try buffers(3, f, n, .{ .{ .name = "param", .ptr = param, .bytes = param_bytes }, .{ .name = "grad", .ptr = grad, .bytes = grad_bytes }, .{ .name = "state_sum", .ptr = state_sum, .bytes = state_sum_bytes } });
    k.adagrad(kk, s[0], s[1], s[2]);
}

/// hyper = [lr, lr_decay, weight_decay, eps, step] (step ≥ 1, after increment; clr = lr / (1 +
/// (step − 1)·lr_decay)); flags: 1 maximize. state_sum starts at initial_accumulator_value.
pub export fn axon_adagrad_step(n: i64, param: ?[*]u8, param_bytes: i64, grad: ?[*]u8, grad_bytes: i64, state_sum: ?[*]u8, state_sum_bytes: i64, hyper: ?[*]const f64, hyper_len: i64, flags: u32) i32 {
    return status.wrap(adagradImpl(n, param, param_bytes, grad, grad_bytes, state_sum, state_sum_bytes, hyper, hyper_len, flags));
}

// ---------------------------------------------------------------------------------------------
// LAMB (the variant is described in zig/cpu/optim.zig: trust ratio ‖x‖/‖r‖, φ = identity, 1 when
// either norm is 0)

/// `axon_lamb_update` flag bits.
pub const LambFlag = enum(u32) { bias_correction = 1, maximize = 2 };
/// `axon_lamb_update` hyper-parameter layout.
pub const LambHyper = enum { beta1, beta2, eps, weight_decay, step };
/// `axon_lamb_apply` hyper-parameter layout (the L2 norms, e.g. sqrt of axon_reduce sum_of_squares).
pub const LambApplyHyper = enum { lr, param_norm, update_norm };

fn lambUpdateImpl(n_: i64, param: ?[*]u8, param_bytes: i64, grad: ?[*]u8, grad_bytes: i64, exp_avg: ?[*]u8, exp_avg_bytes: i64, exp_avg_sq: ?[*]u8, exp_avg_sq_bytes: i64, update: ?[*]u8, update_bytes: i64, hyper: ?[*]const f64, hyper_len: i64, flags: u32) Error!void {
    const f = "axon_lamb_update";
    try flagBits(LambFlag, f, flags);
    const n = try check.count(n_, "n");
    const h = try hyperOf(LambHyper, f, hyper, hyper_len);
    try unitInterval(f, "beta1", h.beta1);
    try unitInterval(f, "beta2", h.beta2);
    try atLeast(f, "eps", h.eps, 0);
    try atLeast(f, "weight_decay", h.weight_decay, 0);
    try atLeast(f, "step", h.step, 1);
    const kk = k.Lamb.init(h.beta1, h.beta2, h.eps, h.weight_decay, h.step, has(flags, LambFlag.bias_correction), has(flags, LambFlag.maximize));
    const s = try buffers(5, f, n, .{
        .{ .name = "param", .ptr = param, .bytes = param_bytes },
        .{ .name = "grad", .ptr = grad, .bytes = grad_bytes },
        .{ .name = "exp_avg", .ptr = exp_avg, .bytes = exp_avg_bytes },
        .{ .name = "exp_avg_sq", .ptr = exp_avg_sq, .bytes = exp_avg_sq_bytes },
        .{ .name = "update", .ptr = update, .bytes = update_bytes },
    });
    k.lambUpdate(kk, s[0], s[1], s[2], s[3], s[4]);
}

/// First half of a LAMB step: updates exp_avg/exp_avg_sq and writes r = m̂/(√v̂ + eps) + wd·param
/// into update (param is only read). hyper = [beta1, beta2, eps, weight_decay, step];
/// flags: 1 bias correction, 2 maximize.
pub export fn axon_lamb_update(n: i64, param: ?[*]u8, param_bytes: i64, grad: ?[*]u8, grad_bytes: i64, exp_avg: ?[*]u8, exp_avg_bytes: i64, exp_avg_sq: ?[*]u8, exp_avg_sq_bytes: i64, update: ?[*]u8, update_bytes: i64, hyper: ?[*]const f64, hyper_len: i64, flags: u32) i32 {
    return status.wrap(lambUpdateImpl(n, param, param_bytes, grad, grad_bytes, exp_avg, exp_avg_bytes, exp_avg_sq, exp_avg_sq_bytes, update, update_bytes, hyper, hyper_len, flags));
}

fn lambApplyImpl(n_: i64, param: ?[*]u8, param_bytes: i64, update: ?[*]u8, update_bytes: i64, hyper: ?[*]const f64, hyper_len: i64) Error!void {
    const f = "axon_lamb_apply";
    const n = try check.count(n_, "n");
    const h = try hyperOf(LambApplyHyper, f, hyper, hyper_len);
    try atLeast(f, "lr", h.lr, 0);
    try atLeast(f, "param_norm", h.param_norm, 0);
    try atLeast(f, "update_norm", h.update_norm, 0);
    const s = try buffers(2, f, n, .{ .{ .name = "param", .ptr = param, .bytes = param_bytes }, .{ .name = "update", .ptr = update, .bytes = update_bytes } });
    k.axpy(@floatCast(-h.lr * k.lambTrust(h.param_norm, h.update_norm)), s[0], s[1]);
}

/// Second half of a LAMB step: param += f32(−lr·trust)·update (one fma per element), trust =
/// param_norm / update_norm (f64), or 1 when either is 0. hyper = [lr, param_norm, update_norm]
/// (the L2 norms, e.g. sqrt of axon_reduce sum_of_squares).
pub export fn axon_lamb_apply(n: i64, param: ?[*]u8, param_bytes: i64, update: ?[*]u8, update_bytes: i64, hyper: ?[*]const f64, hyper_len: i64) i32 {
    return status.wrap(lambApplyImpl(n, param, param_bytes, update, update_bytes, hyper, hyper_len));
}

// ---------------------------------------------------------------------------------------------
// Clipping helpers

fn scaleImpl(n_: i64, buf: ?[*]u8, bytes: i64, s: f64) Error!void {
    const n = try check.count(n_, "n");
    if (!std.math.isFinite(s)) return status.err(error.InvalidArgument, "axon_scale_inplace: scale must be finite, got {d}", .{s});
    const b = try check.buffer(f32, buf, bytes, 0, n, "buf");
    k.scale(@floatCast(s), b[0..n]);
}

/// buf[i] *= f32(scale) (PyTorch's `g.mul_(clip_coef)` of clip_grad_norm_).
pub export fn axon_scale_inplace(n: i64, buf: ?[*]u8, buf_bytes: i64, scale: f64) i32 {
    return status.wrap(scaleImpl(n, buf, buf_bytes, scale));
}

fn clampImpl(n_: i64, buf: ?[*]u8, bytes: i64, lo: f64, hi: f64) Error!void {
    const n = try check.count(n_, "n");
    if (std.math.isNan(lo) or std.math.isNan(hi) or !(lo <= hi))
        return status.err(error.InvalidArgument, "axon_clamp_inplace: need lo <= hi (not NaN), got lo {d}, hi {d}", .{ lo, hi });
    const b = try check.buffer(f32, buf, bytes, 0, n, "buf");
    k.clamp(@floatCast(lo), @floatCast(hi), b[0..n]);
}

/// buf[i] = clamp(buf[i], f32(lo), f32(hi)); NaN stays NaN; lo ≤ hi (±inf allowed).
pub export fn axon_clamp_inplace(n: i64, buf: ?[*]u8, buf_bytes: i64, lo: f64, hi: f64) i32 {
    return status.wrap(clampImpl(n, buf, buf_bytes, lo, hi));
}

fn nonfiniteImpl(n_: i64, buf: ?[*]u8, bytes: i64, out: ?[*]u8, out_bytes: i64) Error!void {
    const n = try check.count(n_, "n");
    const b = try check.buffer(f32, buf, bytes, 0, n, "buf");
    const o = try check.buffer(i64, out, out_bytes, 0, 1, "out");
    if (n > 0 and @intFromPtr(o.ptr) < @intFromPtr(b.ptr) + n * 4 and @intFromPtr(b.ptr) < @intFromPtr(o.ptr) + 8)
        return status.err(error.InvalidArgument, "axon_nonfinite_count: out overlaps buf", .{});
    o[0] = @intCast(k.nonfiniteCount(b[0..n]));
}

/// out[0] (i64) = number of NaN/±inf elements among buf's first n f32.
pub export fn axon_nonfinite_count(n: i64, buf: ?[*]u8, buf_bytes: i64, out: ?[*]u8, out_bytes: i64) i32 {
    return status.wrap(nonfiniteImpl(n, buf, buf_bytes, out, out_bytes));
}

// ---------------------------------------------------------------------------------------------
// tests

const testing = std.testing;

fn bp(s: anytype) [*]u8 {
    return @ptrCast(s.ptr);
}

test "axon_sgd_step runs and validates" {
    var p = [_]f32{ 1, 2, 3, 4 };
    var g = [_]f32{ 0.5, -0.5, 1, -1 };
    var b = [_]f32{ 9, 9, 9, 9 };
    const h = [_]f64{ 0.1, 0.9, 0, 0 };
    try testing.expectEqual(@as(i32, 0), axon_sgd_step(4, bp(&p), 16, bp(&g), 16, bp(&b), 16, &h, 4, 4 | 1));
    try testing.expectEqualSlices(f32, &g, &b); // first step: buf = grad
    // momentum 0: buffer ignored (null fine)
    const h0 = [_]f64{ 0.1, 0, 0, 0 };
    try testing.expectEqual(@as(i32, 0), axon_sgd_step(4, bp(&p), 16, bp(&g), 16, null, 0, &h0, 4, 0));
    try testing.expectEqual(@as(i32, 0), axon_sgd_step(0, null, 0, null, 0, null, 0, &h0, 4, 0));
    // errors
    try testing.expectEqual(@as(i32, -1), axon_sgd_step(4, bp(&p), 16, bp(&g), 16, null, 0, &h, 4, 0));
    try testing.expect(std.mem.indexOf(u8, status.lastMessage(), "momentum_buf") != null);
    try testing.expectEqual(@as(i32, -1), axon_sgd_step(4, bp(&p), 16, bp(&g), 16, bp(&b), 16, &h, 3, 0));
    try testing.expect(std.mem.indexOf(u8, status.lastMessage(), "4 entries (lr, momentum, dampening, weight_decay)") != null);
    try testing.expectEqual(@as(i32, -1), axon_sgd_step(4, bp(&p), 16, bp(&g), 16, bp(&b), 16, &h, 4, 8));
    try testing.expectEqual(@as(i32, -1), axon_sgd_step(-1, bp(&p), 16, bp(&g), 16, bp(&b), 16, &h, 4, 0));
    try testing.expectEqual(@as(i32, -2), axon_sgd_step(4, bp(&p), 12, bp(&g), 16, bp(&b), 16, &h, 4, 0));
    try testing.expectEqual(@as(i32, -1), axon_sgd_step(4, bp(&p), 16, bp(&p), 16, bp(&b), 16, &h, 4, 0));
    try testing.expect(std.mem.indexOf(u8, status.lastMessage(), "same buffer") != null);
    var big = [_]f32{0} ** 8;
    try testing.expectEqual(@as(i32, -1), axon_sgd_step(4, bp(&big), 32, bp(&g), 16, bp(big[2..]), 24, &h, 4, 0));
    try testing.expect(std.mem.indexOf(u8, status.lastMessage(), "param and momentum_buf overlap") != null);
    const bad_lr = [_]f64{ -0.1, 0.9, 0, 0 };
    try testing.expectEqual(@as(i32, -1), axon_sgd_step(4, bp(&p), 16, bp(&g), 16, bp(&b), 16, &bad_lr, 4, 0));
    try testing.expectEqualStrings("axon_sgd_step: lr must be >= 0, got -0.1", status.lastMessage());
    const nan_h = [_]f64{ std.math.nan(f64), 0.9, 0, 0 };
    try testing.expectEqual(@as(i32, -1), axon_sgd_step(4, bp(&p), 16, bp(&g), 16, bp(&b), 16, &nan_h, 4, 0));
    const damp = [_]f64{ 0.1, 0.9, 0.1, 0 };
    try testing.expectEqual(@as(i32, -1), axon_sgd_step(4, bp(&p), 16, bp(&g), 16, bp(&b), 16, &damp, 4, 1));
    try testing.expect(std.mem.indexOf(u8, status.lastMessage(), "nesterov") != null);
}

test "axon_adam_step runs and validates" {
    var p = [_]f32{ 1, 2, 3, 4 };
    var g = [_]f32{ 0.5, -0.5, 1, -1 };
    var m = [_]f32{0} ** 4;
    var v = [_]f32{0} ** 4;
    var vm = [_]f32{0} ** 4;
    const h = [_]f64{ 0.1, 0.9, 0.999, 1e-8, 0, 1 };
    try testing.expectEqual(@as(i32, 0), axon_adam_step(4, bp(&p), 16, bp(&g), 16, bp(&m), 16, bp(&v), 16, null, 0, &h, 6, 0));
    // first Adam step moves each parameter by ≈ lr·sign(g)
    try testing.expectApproxEqAbs(@as(f32, 0.9), p[0], 1e-5);
    try testing.expectApproxEqAbs(@as(f32, 2.1), p[1], 1e-5);
    try testing.expectEqual(@as(i32, 0), axon_adam_step(4, bp(&p), 16, bp(&g), 16, bp(&m), 16, bp(&v), 16, bp(&vm), 16, &h, 6, 7));
    try testing.expectEqual(@as(i32, -1), axon_adam_step(4, bp(&p), 16, bp(&g), 16, bp(&m), 16, bp(&v), 16, null, 0, &h, 6, 1));
    try testing.expectEqual(@as(i32, -1), axon_adam_step(4, bp(&p), 16, bp(&g), 16, bp(&m), 16, bp(&m), 16, null, 0, &h, 6, 0));
    try testing.expect(std.mem.indexOf(u8, status.lastMessage(), "exp_avg and exp_avg_sq are the same buffer") != null);
    const bad_beta = [_]f64{ 0.1, 1.0, 0.999, 1e-8, 0, 1 };
    try testing.expectEqual(@as(i32, -1), axon_adam_step(4, bp(&p), 16, bp(&g), 16, bp(&m), 16, bp(&v), 16, null, 0, &bad_beta, 6, 0));
    try testing.expectEqualStrings("axon_adam_step: beta1 must be in [0, 1), got 1", status.lastMessage());
    const bad_step = [_]f64{ 0.1, 0.9, 0.999, 1e-8, 0, 0 };
    try testing.expectEqual(@as(i32, -1), axon_adam_step(4, bp(&p), 16, bp(&g), 16, bp(&m), 16, bp(&v), 16, null, 0, &bad_step, 6, 0));
    try testing.expect(std.mem.indexOf(u8, status.lastMessage(), "step must be >= 1") != null);
    try testing.expectEqual(@as(i32, -1), axon_adam_step(4, bp(&p), 16, bp(&g), 16, bp(&m), 16, bp(&v), 16, null, 0, null, 6, 0));
    try testing.expectEqual(@as(i32, -2), axon_adam_step(5, bp(&p), 16, bp(&g), 16, bp(&m), 16, bp(&v), 16, null, 0, &h, 6, 0));
}

test "axon_rmsprop_step, axon_adagrad_step validate" {
    var p = [_]f32{ 1, 2, 3, 4 };
    var g = [_]f32{ 0.5, -0.5, 1, -1 };
    var sq = [_]f32{0} ** 4;
    var mb = [_]f32{0} ** 4;
    var ga = [_]f32{0} ** 4;
    const h = [_]f64{ 0.01, 0.99, 1e-8, 0, 0.9 };
    try testing.expectEqual(@as(i32, 0), axon_rmsprop_step(4, bp(&p), 16, bp(&g), 16, bp(&sq), 16, bp(&mb), 16, bp(&ga), 16, &h, 5, 3));
    try testing.expectEqual(@as(i32, -1), axon_rmsprop_step(4, bp(&p), 16, bp(&g), 16, bp(&sq), 16, bp(&mb), 16, null, 0, &h, 5, 1));
    try testing.expect(std.mem.indexOf(u8, status.lastMessage(), "grad_avg") != null);
    const h0 = [_]f64{ 0.01, 0.99, 1e-8, 0, 0 };
    try testing.expectEqual(@as(i32, 0), axon_rmsprop_step(4, bp(&p), 16, bp(&g), 16, bp(&sq), 16, null, 0, null, 0, &h0, 5, 0));
    const bad = [_]f64{ 0.01, 0.99, -1, 0, 0 };
    try testing.expectEqual(@as(i32, -1), axon_rmsprop_step(4, bp(&p), 16, bp(&g), 16, bp(&sq), 16, null, 0, null, 0, &bad, 5, 0));
    try testing.expectEqualStrings("axon_rmsprop_step: eps must be >= 0, got -1", status.lastMessage());
    const ha = [_]f64{ 0.01, 0, 0, 1e-10, 1 };
    try testing.expectEqual(@as(i32, 0), axon_adagrad_step(4, bp(&p), 16, bp(&g), 16, bp(&sq), 16, &ha, 5, 1));
    try testing.expectEqual(@as(i32, -1), axon_adagrad_step(4, bp(&p), 16, bp(&g), 16, bp(&sq), 16, &ha, 5, 2));
    try testing.expectEqual(@as(i32, -1), axon_adagrad_step(4, bp(&p), 16, bp(&g), 16, bp(&sq), 16, &ha, 4, 0));
}

test "axon_lamb_update + axon_lamb_apply, clipping exports" {
    var p = [_]f32{ 3, 4, 0, 0 };
    var g = [_]f32{ 1, 1, 1, 1 };
    var m = [_]f32{0} ** 4;
    var v = [_]f32{0} ** 4;
    var r = [_]f32{0} ** 4;
    const h = [_]f64{ 0.9, 0.999, 0, 0, 1 };
    try testing.expectEqual(@as(i32, 0), axon_lamb_update(4, bp(&p), 16, bp(&g), 16, bp(&m), 16, bp(&v), 16, bp(&r), 16, &h, 5, 1));
    try testing.expectEqualSlices(f32, &.{ 1, 1, 1, 1 }, &r); // bias-corrected first step: sign(g)
    const ha = [_]f64{ 0.1, 5, 2 }; // trust 2.5
    try testing.expectEqual(@as(i32, 0), axon_lamb_apply(4, bp(&p), 16, bp(&r), 16, &ha, 3));
    try testing.expectEqualSlices(f32, &.{ 2.75, 3.75, -0.25, -0.25 }, &p);
    try testing.expectEqual(@as(i32, -1), axon_lamb_update(4, bp(&p), 16, bp(&g), 16, bp(&m), 16, bp(&v), 16, bp(&p), 16, &h, 5, 1));

    var y = [_]f32{ -3, 0.5, std.math.inf(f32), 2 };
    var cnt = [_]i64{-1};
    try testing.expectEqual(@as(i32, 0), axon_nonfinite_count(4, bp(&y), 16, bp(&cnt), 8));
    try testing.expectEqual(@as(i64, 1), cnt[0]);
    try testing.expectEqual(@as(i32, 0), axon_clamp_inplace(4, bp(&y), 16, -1, 1));
    try testing.expectEqualSlices(f32, &.{ -1, 0.5, 1, 1 }, &y);
    try testing.expectEqual(@as(i32, 0), axon_scale_inplace(4, bp(&y), 16, 2));
    try testing.expectEqualSlices(f32, &.{ -2, 1, 2, 2 }, &y);
    try testing.expectEqual(@as(i32, -1), axon_clamp_inplace(4, bp(&y), 16, 1, -1));
    try testing.expectEqual(@as(i32, -1), axon_scale_inplace(4, bp(&y), 16, std.math.inf(f64)));
    try testing.expectEqual(@as(i32, -2), axon_nonfinite_count(4, bp(&y), 16, bp(&cnt), 4));
    try testing.expectEqual(@as(i32, 0), axon_scale_inplace(0, null, 0, 2));
}
