//! Host-memory exports for runtimes that can hand native memory to the garbage collector with a
//! finalizer (Bun's `toArrayBuffer(ptr, 0, n, ctx, axon_free)`). Bun's own ArrayBuffer allocator
//! returns freed pages to the OS eagerly, so a training loop re-faults its temporaries every step
//! (measured: 3.5× the page faults of Deno); glibc's malloc keeps them.
const std = @import("std");
const scratch = @import("../cpu/scratch.zig");

const alignment = 64;

extern "c" fn aligned_alloc(alignment: usize, size: usize) ?*anyopaque;
// The allocation's real size, read back at free so the held count balances without a size argument.
extern "c" fn malloc_usable_size(ptr: ?*anyopaque) usize;

/// Zeroed, 64-byte-aligned memory of `bytes` bytes (at least 1), or null when out of memory.
export fn axon_alloc(bytes: i64) ?*anyopaque {
    if (bytes < 0) return null;
    const size = std.mem.alignForward(usize, @max(@as(usize, @intCast(bytes)), 1), alignment);
    const p = aligned_alloc(alignment, size) orelse return null;
    @memset(@as([*]u8, @ptrCast(p))[0..size], 0);
    scratch.account(@intCast(malloc_usable_size(p)));
    return p;
}

/// Frees memory from `axon_alloc`; the signature of a JavaScriptCore bytes deallocator.
export fn axon_free(ptr: ?*anyopaque, context: ?*anyopaque) void {
    _ = context;
    if (ptr == null) return;
    scratch.account(-@as(i64, @intCast(malloc_usable_size(ptr))));
    std.c.free(ptr);
}

/// Bytes the native library holds now: live `axon_alloc` memory plus the kernels' per-thread
/// scratch buffers (which only grow to the largest problem seen). Flat across a training loop.
export fn axon_native_bytes() i64 {
    return scratch.heldBytes();
}

test "alloc is aligned and zeroed" {
    const p = axon_alloc(100) orelse return error.OutOfMemory;
    defer axon_free(p, null);
    try std.testing.expect(@intFromPtr(p) % alignment == 0);
    for (@as([*]u8, @ptrCast(p))[0..100]) |b| try std.testing.expectEqual(@as(u8, 0), b);
    try std.testing.expect(axon_alloc(-1) == null);
}

test "alloc and free balance the held count" {
    const before = axon_native_bytes();
    const p = axon_alloc(1000) orelse return error.OutOfMemory;
    try std.testing.expect(axon_native_bytes() >= before + 1000);
    axon_free(p, null);
    try std.testing.expectEqual(before, axon_native_bytes());
    axon_free(null, null);
    try std.testing.expectEqual(before, axon_native_bytes());
}
