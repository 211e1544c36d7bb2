//! Host-memory exports for runtimes that can hand native memory to the garbage collector with a
//! finalizer (Bun's `toArrayBuffer(ptr, 0, n, ctx, axon_free)`). Bun's own ArrayBuffer allocator
//! returns freed pages to the OS eagerly, so a training loop re-faulted its temporaries every step
//! (measured: 3.5× the page faults of Deno); blocks come from the recycling cache of
//! zig/cpu/host_memory.zig instead.
const std = @import("std");
const host_memory = @import("../cpu/host_memory.zig");
const scratch = @import("../cpu/scratch.zig");

/// Zeroed, 64-byte-aligned memory of `bytes` bytes (at least 1), or null when out of memory.
pub export fn axon_alloc(bytes: i64) ?*anyopaque {
    if (bytes < 0) return null;
    return host_memory.alloc(@intCast(bytes));
}

/// Frees memory from `axon_alloc` (into the cache); the signature of a JavaScriptCore bytes deallocator.
pub export fn axon_free(ptr: ?*anyopaque, context: ?*anyopaque) void {
    _ = context;
    host_memory.free(ptr);
}

/// Bytes the native library holds now: `axon_alloc` blocks (live, and freed ones cached for
/// reuse) plus the kernels' per-thread scratch buffers (which only grow to the largest problem seen).
pub export fn axon_native_bytes() i64 {
    return scratch.heldBytes();
}

/// Gives the cached free blocks of `axon_alloc` back to the OS; returns the bytes released.
pub export fn axon_empty_cache() i64 {
    return @intCast(host_memory.releaseCached());
}

test "alloc is aligned and zeroed" {
    const p = axon_alloc(100) orelse return error.OutOfMemory;
    defer axon_free(p, null);
    try std.testing.expect(@intFromPtr(p) % host_memory.alignment == 0);
    for (@as([*]u8, @ptrCast(p))[0..100]) |b| try std.testing.expectEqual(@as(u8, 0), b);
    try std.testing.expect(axon_alloc(-1) == null);
}

test "alloc, free and empty cache balance the held count" {
    _ = axon_empty_cache();
    const before = axon_native_bytes();
    const p = axon_alloc(1000) orelse return error.OutOfMemory;
    try std.testing.expect(axon_native_bytes() >= before + 1000);
    axon_free(p, null);
    axon_free(null, null);
    try std.testing.expect(axon_empty_cache() >= 1000);
    try std.testing.expectEqual(before, axon_native_bytes());
}
