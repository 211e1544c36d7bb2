//! Per-thread, grow-only working buffers (GEMM packing, transposes, f32 copies of 16-bit operands)
//! and the count of bytes the native library holds, so tests can prove native memory stays flat.
//!
//! A buffer lives as long as its thread (the pool's workers never exit) and only grows, so its size
//! is bounded by the largest problem seen, never by the number of calls.
const std = @import("std");
const status = @import("../status.zig");

/// Bytes currently held by native allocations: scratch buffers plus `axon_alloc` memory.
var held_bytes = std.atomic.Value(i64).init(0);

/// Records `delta` bytes allocated (positive) or freed (negative) by native code.
pub fn account(delta: i64) void {
    _ = held_bytes.fetchAdd(delta, .monotonic);
}

/// Bytes native code holds right now.
pub fn heldBytes() i64 {
    return held_bytes.load(.monotonic);
}

/// A thread-local scratch buffer of `T`, one per distinct `purpose` (each instantiation owns its own
/// thread-local slot); `purpose` also names the buffer in the out-of-memory message.
pub fn Scratch(comptime T: type, comptime purpose: []const u8) type {
    return struct {
        threadlocal var buf: []align(64) T = &.{};

        /// At least `len` elements (contents undefined), valid until this thread's next `get`.
        pub fn get(len: usize) status.Error![]align(64) T {
            if (buf.len < len) {
                const alloc = std.heap.page_allocator;
                if (buf.len != 0) {
                    account(-@as(i64, @intCast(buf.len * @sizeOf(T))));
                    alloc.free(buf);
                }
                buf = &.{};
                buf = alloc.alignedAlloc(T, 64, len) catch
                    return status.err(error.OutOfMemory, "cannot allocate {d} bytes of " ++ purpose, .{len * @sizeOf(T)});
                account(@intCast(len * @sizeOf(T)));
            }
            return buf[0..len];
        }
    };
}

test "scratch grows only and keeps the held count" {
    const S = Scratch(u32, "test buffer");
    const before = heldBytes();
    const a = try S.get(100);
    try std.testing.expectEqual(@as(usize, 100), a.len);
    try std.testing.expectEqual(before + 400, heldBytes());
    _ = try S.get(50); // fits: no new allocation
    try std.testing.expectEqual(before + 400, heldBytes());
    _ = try S.get(1000);
    try std.testing.expectEqual(before + 4000, heldBytes());
}
