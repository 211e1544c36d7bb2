//! Axon's C ABI: the one surface between the Zig kernels and TypeScript (src/native/symbols.ts
//! mirrors it). Every export is prefixed `axon_`, validates all of its arguments and returns an
//! `i32` status (0 = ok, negative = error; message via `axon_last_error`). Families of kernels
//! export from zig/abi/<family>.zig; the kernels themselves live in zig/cpu/.
//!
//! Bump `abi_version` whenever any export's signature or meaning changes.
const std = @import("std");
const status = @import("status.zig");
const pool = @import("cpu/pool.zig");

pub const abi_version: u32 = 8;

comptime {
    _ = @import("abi/prefetch.zig");
    _ = @import("abi/memory.zig");
    _ = @import("abi/gemm.zig");
    _ = @import("abi/elementwise.zig");
    _ = @import("abi/reduce.zig");
    _ = @import("abi/rng.zig");
    _ = @import("abi/conv.zig");
    _ = @import("abi/index.zig");
    _ = @import("abi/loss.zig");
    _ = @import("abi/optim.zig");
    _ = @import("abi/amp.zig");
    _ = @import("abi/death_watch.zig");
    _ = @import("abi/process.zig");
    _ = @import("abi/distributed.zig");
    _ = @import("abi/cpu.zig");
    _ = @import("abi/sort.zig");
}

/// The ABI version this library implements; TypeScript refuses to run against another.
export fn axon_abi_version() u32 {
    return abi_version;
}

/// Copies the calling thread's last error message into `buf` (at most `cap` bytes) and returns
/// the message's full length.
export fn axon_last_error(buf: ?[*]u8, cap: i64) i64 {
    const message = status.lastMessage();
    if (buf) |out| {
        const n = @min(message.len, @as(usize, @intCast(@max(cap, 0))));
        @memcpy(out[0..n], message[0..n]);
    }
    return @intCast(message.len);
}

/// Threads used by parallel kernels, the calling thread included.
export fn axon_get_num_threads() i32 {
    return @intCast(pool.numThreads());
}

/// Sets the number of threads for later kernels; returns how many are available, or an error.
export fn axon_set_num_threads(threads: i32) i32 {
    if (threads < 1) return status.fail(.invalid_argument, "thread count must be >= 1, got {d}", .{threads});
    return @intCast(pool.setNumThreads(@intCast(threads)));
}

test {
    _ = @import("abi/prefetch.zig");
    _ = @import("cpu/levels.zig");
    _ = @import("abi/memory.zig");
    std.testing.refAllDecls(@This());
    _ = @import("abi/check.zig");
    _ = @import("cpu/pool.zig");
    _ = @import("abi/reduce.zig");
    _ = @import("abi/rng.zig");
    _ = @import("cpu/reduce.zig");
    _ = @import("cpu/softmax.zig");
    _ = @import("cpu/rng.zig");
    _ = @import("abi/elementwise.zig");
    _ = @import("cpu/copy.zig");
    _ = @import("cpu/half.zig");
    _ = @import("cpu/unary.zig");
    _ = @import("cpu/binary.zig");
    _ = @import("cpu/gemm.zig");
    _ = @import("cpu/gemm_half.zig");
    _ = @import("abi/conv.zig");
    _ = @import("cpu/im2col.zig");
    _ = @import("cpu/pool2d.zig");
    _ = @import("abi/index.zig");
    _ = @import("abi/sort.zig");
    _ = @import("cpu/sort.zig");
    _ = @import("abi/loss.zig");
    _ = @import("cpu/index.zig");
    _ = @import("cpu/cross_entropy.zig");
    _ = @import("abi/optim.zig");
    _ = @import("cpu/optim.zig");
    _ = @import("abi/amp.zig");
    _ = @import("cpu/amp.zig");
    _ = @import("abi/death_watch.zig");
    _ = @import("cpu/death_watch.zig");
    _ = @import("abi/process.zig");
    _ = @import("abi/distributed.zig");
    _ = @import("comm/mpi.zig");
}
