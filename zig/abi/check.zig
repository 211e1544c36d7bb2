//! Argument validation shared by every export: nothing reaches a kernel until the memory it will
//! touch is proven to lie inside the buffers the caller passed.
//!
//! Conventions of the C ABI (see zig/root.zig):
//! - a tensor operand is `(ptr, byte_len, elem_offset)` plus a shape and element strides;
//! - sizes, offsets and strides are `i64`; negative values are rejected here;
//! - a "meta" array is an `i64` array describing shapes and strides of several operands.
const std = @import("std");
const status = @import("../status.zig");
const Error = status.Error;

pub const DType = enum(u32) {
    f32 = 0,
    f64 = 1,
    f16 = 2,
    bf16 = 3,
    i32 = 4,
    i64 = 5,
    u8 = 6,

    pub fn size(self: DType) usize {
        return switch (self) {
            .f64, .i64 => 8,
            .f32, .i32 => 4,
            .f16, .bf16 => 2,
            .u8 => 1,
        };
    }

    pub fn name(self: DType) []const u8 {
        return @tagName(self);
    }
};

pub const max_dims = 16;

pub fn dtype(code: u32) Error!DType {
    return std.meta.intToEnum(DType, code) catch
        status.err(error.UnsupportedDtype, "unknown dtype code {d}", .{code});
}

/// A non-negative i64 as usize, or an error naming the argument.
pub fn count(value: i64, what: []const u8) Error!usize {
    if (value < 0) return status.err(error.InvalidArgument, "{s} must be >= 0, got {d}", .{ what, value });
    return @intCast(value);
}

pub fn mul(a: usize, b: usize) Error!usize {
    return std.math.mul(usize, a, b) catch status.err(error.Overflow, "size computation overflows ({d} * {d})", .{ a, b });
}

pub fn add(a: usize, b: usize) Error!usize {
    return std.math.add(usize, a, b) catch status.err(error.Overflow, "size computation overflows ({d} + {d})", .{ a, b });
}

/// Checks that elements `[offset, offset + span)` of a buffer of `byte_len` bytes holding `dt`
/// exist, and returns the buffer as a typed slice of exactly the elements it holds.
pub fn buffer(comptime T: type, ptr: ?[*]u8, byte_len: i64, offset: usize, span: usize, what: []const u8) Error![]T {
    const bytes = try count(byte_len, what);
    const len = bytes / @sizeOf(T);
    if (span == 0) return @as([*]T, @ptrFromInt(@alignOf(T)))[0..0];
    const p = ptr orelse return status.err(error.InvalidArgument, "{s}: null pointer", .{what});
    if (@intFromPtr(p) % @alignOf(T) != 0)
        return status.err(error.InvalidArgument, "{s}: pointer not aligned to {d} bytes", .{ what, @alignOf(T) });
    const end = try add(offset, span);
    if (end > len)
        return status.err(error.OutOfBounds, "{s}: needs elements [{d}, {d}) but the buffer holds {d}", .{ what, offset, end, len });
    const base: [*]T = @ptrCast(@alignCast(p));
    return base[0..len];
}

/// Elements `[off, off + span)` of a caller buffer as a typed slice (empty when `span == 0`),
/// after the same checks as `buffer`.
pub fn view(comptime T: type, ptr: ?[*]u8, byte_len: i64, off: usize, span: usize, what: []const u8) Error![]T {
    const all = try buffer(T, ptr, byte_len, off, span, what);
    if (span == 0) return all[0..0];
    return all[off..][0..span];
}

fn bytesOverlap(a: anytype, b: anytype) bool {
    const ab = std.mem.sliceAsBytes(a);
    const bb = std.mem.sliceAsBytes(b);
    if (ab.len == 0 or bb.len == 0) return false;
    const a0 = @intFromPtr(ab.ptr);
    const b0 = @intFromPtr(bb.ptr);
    return a0 < b0 + bb.len and b0 < a0 + ab.len;
}

/// Refuses an output slice that shares any byte with an input slice.
pub fn noOverlap(out: anytype, out_name: []const u8, in: anytype, in_name: []const u8) Error!void {
    if (bytesOverlap(out, in))
        return status.err(error.InvalidArgument, "{s} overlaps {s} (outputs must not alias inputs)", .{ out_name, in_name });
}

/// Span (largest index + 1, relative to the offset) touched by a strided view; 0 when empty.
pub fn viewSpan(shape: []const usize, strides: []const usize) Error!usize {
    var last: usize = 0;
    for (shape, strides) |n, s| {
        if (n == 0) return 0;
        last = try add(last, try mul(n - 1, s));
    }
    return add(last, 1);
}

/// Product of a shape with overflow checking.
pub fn numel(shape: []const usize) Error!usize {
    var total: usize = 1;
    for (shape) |n| total = try mul(total, n);
    return total;
}

/// Reads `ndim` non-negative entries of `meta` starting at `at.*`, advancing it.
pub fn readDims(meta: []const i64, at: *usize, out: []usize, what: []const u8) Error!void {
    if (at.* + out.len > meta.len)
        return status.err(error.InvalidArgument, "meta array too short ({d} entries) for {s}", .{ meta.len, what });
    for (out, 0..) |*o, i| o.* = try count(meta[at.* + i], what);
    at.* += out.len;
}

/// Reads one non-negative entry of `meta`.
pub fn readOne(meta: []const i64, at: *usize, what: []const u8) Error!usize {
    var one: [1]usize = undefined;
    try readDims(meta, at, &one, what);
    return one[0];
}

/// The meta array as a slice, after checking pointer and length.
pub fn metaSlice(ptr: ?[*]const i64, len: i64) Error![]const i64 {
    const n = try count(len, "meta length");
    if (n == 0) return &.{};
    const p = ptr orelse return status.err(error.InvalidArgument, "meta: null pointer", .{});
    if (@intFromPtr(p) % 8 != 0) return status.err(error.InvalidArgument, "meta: pointer not 8-byte aligned", .{});
    return p[0..n];
}

test "buffer rejects spans past the end" {
    var storage: [4]f32 = .{ 1, 2, 3, 4 };
    const p: [*]u8 = @ptrCast(&storage);
    _ = try buffer(f32, p, 16, 1, 3, "x");
    try std.testing.expectError(error.OutOfBounds, buffer(f32, p, 16, 2, 3, "x"));
    try std.testing.expectError(error.InvalidArgument, buffer(f32, p, -1, 0, 1, "x"));
    try std.testing.expectError(error.InvalidArgument, buffer(f32, null, 16, 0, 1, "x"));
}

test "viewSpan and overflow" {
    try std.testing.expectEqual(@as(usize, 12), try viewSpan(&.{ 3, 4 }, &.{ 4, 1 }));
    try std.testing.expectEqual(@as(usize, 0), try viewSpan(&.{ 3, 0 }, &.{ 4, 1 }));
    try std.testing.expectError(error.Overflow, numel(&.{ 1 << 40, 1 << 40 }));
}
