//! Exports of the library itself: its ABI version, the calling thread's last error message, and
//! the kernels' thread count.
const std = @import("std");
const status = @import("../status.zig");
const pool = @import("../cpu/pool.zig");
const abi_version = @import("../root.zig").abi_version;

/// dtype codes of every export's `dtype` argument.
pub const DTypeCode = @import("check.zig").DType;

/// The ABI version this library implements; TypeScript refuses to run against another.
pub export fn axon_abi_version() u32 {
    return abi_version;
}

/// Copies the calling thread's last error message into `buf` (at most `cap` bytes) and returns
/// the message's full length.
pub export fn axon_last_error(buf: ?[*]u8, cap: i64) i64 {
    const message = status.lastMessage();
    if (buf) |out| {
        const n = @min(message.len, @as(usize, @intCast(@max(cap, 0))));
        @memcpy(out[0..n], message[0..n]);
    }
    return @intCast(message.len);
}

/// Threads used by parallel kernels, the calling thread included.
pub export fn axon_get_num_threads() i32 {
    return @intCast(pool.numThreads());
}

/// Sets the number of threads for later kernels; returns how many are available, or an error.
pub export fn axon_set_num_threads(threads: i32) i32 {
    if (threads < 1) return status.fail(.invalid_argument, "thread count must be >= 1, got {d}", .{threads});
    return @intCast(pool.setNumThreads(@intCast(threads)));
}
