//! Status codes and the per-thread error message that cross the C ABI.
//!
//! Every `axon_*` kernel export returns an `i32`: 0 on success, a negative `Status` otherwise.
//! The message describing the last failure on the calling thread is read with `axon_last_error`.
const std = @import("std");

pub const Status = enum(i32) {
    ok = 0,
    invalid_argument = -1,
    out_of_bounds = -2,
    overflow = -3,
    unsupported_dtype = -4,
    out_of_memory = -5,
    /// A shared resource (a prefetch slot) is taken; the caller falls back to a synchronous path.
    busy = -6,
};

threadlocal var message_buf: [1024]u8 = undefined;
threadlocal var message_len: usize = 0;

/// Records a formatted message for this thread and returns `code` as the ABI integer.
pub fn fail(code: Status, comptime fmt: []const u8, args: anytype) i32 {
    const written = std.fmt.bufPrint(&message_buf, fmt, args) catch blk: {
        // Message longer than the buffer: keep the truncated prefix.
        break :blk message_buf[0..];
    };
    message_len = written.len;
    return @intFromEnum(code);
}

/// The last message recorded on this thread.
pub fn lastMessage() []const u8 {
    return message_buf[0..message_len];
}

/// Error set used inside kernels; `toCode` maps it at the ABI boundary.
pub const Error = error{ InvalidArgument, OutOfBounds, Overflow, UnsupportedDtype, OutOfMemory };

/// The status an export returns for the result of its implementation: 0, or the error's code
/// (the one style of zig/abi/*.zig: `return status.wrap(fooImpl(…));`).
pub fn wrap(result: Error!void) i32 {
    result catch |e| return toCode(e);
    return 0;
}

pub fn toCode(e: Error) i32 {
    return @intFromEnum(switch (e) {
        error.InvalidArgument => Status.invalid_argument,
        error.OutOfBounds => Status.out_of_bounds,
        error.Overflow => Status.overflow,
        error.UnsupportedDtype => Status.unsupported_dtype,
        error.OutOfMemory => Status.out_of_memory,
    });
}

/// Records `fmt` and returns `err`, for use inside kernels: `return status.err(error.OutOfBounds, "...", .{})`.
pub fn err(e: Error, comptime fmt: []const u8, args: anytype) Error {
    _ = fail(.ok, fmt, args);
    return e;
}

test "fail records the message" {
    const code = fail(.out_of_bounds, "index {d} past {d}", .{ 7, 3 });
    try std.testing.expectEqual(@as(i32, -2), code);
    try std.testing.expectEqualStrings("index 7 past 3", lastMessage());
}
