//! Memory exports: tensor storage from Axon's caching allocator (zig/cpu/host_memory.zig), its
//! statistics, and the counts the leak tests read.
//!
//! Storage reaches JavaScript as one ArrayBuffer over the block whose collection calls the
//! block's finalizer: on Bun `toArrayBuffer(data, 0, n, axon_storage_lease(data),
//! axon_storage_finalize)`; on Deno the Node-API function `storage(bytes, zero)` of this library
//! (registered in zig/abi/death_watch.zig), a Node-API external ArrayBuffer. `axon_storage_release`
//! (a `dispose()`) returns the block at once; the finalizer then frees only its lease.
const std = @import("std");
const host_memory = @import("../cpu/host_memory.zig");
const scratch = @import("../cpu/scratch.zig");
const status = @import("../status.zig");

/// 64-byte-aligned storage of `bytes` bytes (at least 1), zeroed when `zero` is non-zero, else
/// holding whatever its last user left; null for a negative size or out of memory.
pub export fn axon_storage_new(bytes: i64, zero: i32) ?*anyopaque {
    if (bytes < 0) return null;
    return host_memory.storageNew(@intCast(bytes), zero != 0);
}

/// The lease of live storage `data` (the context to hand its finalizer); null when `data` is not
/// live storage.
pub export fn axon_storage_lease(data: ?*anyopaque) ?*anyopaque {
    return host_memory.leaseOf(@ptrCast(data orelse return null));
}

/// The finalizer of a storage view (JavaScriptCore's bytes-deallocator signature; `context` is
/// the lease): returns the block to the cache unless `axon_storage_release` already did.
pub export fn axon_storage_finalize(bytes: ?*anyopaque, context: ?*anyopaque) void {
    _ = bytes;
    host_memory.leaseFinalize(@ptrCast(@alignCast(context orelse return)));
}

/// Returns live storage `data` to the cache now (dispose). 1 when it did, 0 when `data` is not
/// live storage (disposed already, or not from `axon_storage_new`: nothing is freed).
pub export fn axon_storage_release(data: ?[*]u8) i32 {
    return @intFromBool(host_memory.storageRelease(data orelse return 0));
}

fn cacheOf(device: u32) ?*host_memory.Cache {
    return if (device == 0) &host_memory.cpu else null;
}

/// Writes the allocator statistics of `device` (0 = CPU) as `host_memory.Stats`' i64 fields, in
/// order: allocated, cached, peak allocated bytes, allocations, frees, cache hits, backend
/// allocations, backend frees. Returns the number of fields written.
pub export fn axon_memory_stats(device: u32, out: ?[*]u8, out_bytes: i64) i32 {
    const cache = cacheOf(device) orelse return status.fail(.invalid_argument, "axon_memory_stats: no device {d}", .{device});
    const need = host_memory.stats_fields * 8;
    if (out == null or out_bytes < need) return status.fail(.invalid_argument, "axon_memory_stats: the output needs {d} bytes, got {d}", .{ need, out_bytes });
    const s = cache.stats();
    @memcpy(out.?[0..need], std.mem.asBytes(&s));
    return host_memory.stats_fields;
}

/// Starts a new peak measurement of `device`'s allocated bytes.
pub export fn axon_memory_reset_peak(device: u32) i32 {
    const cache = cacheOf(device) orelse return status.fail(.invalid_argument, "axon_memory_reset_peak: no device {d}", .{device});
    cache.resetPeak();
    return 0;
}

/// Bytes the native library holds now: storage blocks (live, and freed ones cached for reuse)
/// plus the kernels' per-thread scratch buffers (which only grow to the largest problem seen).
pub export fn axon_native_bytes() i64 {
    return scratch.heldBytes();
}

/// Gives the CPU allocator's cached free blocks back to the OS; returns the bytes released.
pub export fn axon_empty_cache() i64 {
    return @intCast(host_memory.cpu.releaseCached());
}

test "storage is aligned, zeroed on request, and released once" {
    const p = axon_storage_new(100, 1) orelse return error.OutOfMemory;
    try std.testing.expect(@intFromPtr(p) % host_memory.alignment == 0);
    for (@as([*]u8, @ptrCast(p))[0..100]) |b| try std.testing.expectEqual(@as(u8, 0), b);
    try std.testing.expect(axon_storage_new(-1, 0) == null);
    const lease = axon_storage_lease(p) orelse return error.NoLease;
    try std.testing.expectEqual(@as(i32, 1), axon_storage_release(@ptrCast(p)));
    try std.testing.expectEqual(@as(i32, 0), axon_storage_release(@ptrCast(p)));
    try std.testing.expectEqual(@as(i32, 0), axon_storage_release(null));
    try std.testing.expect(axon_storage_lease(p) == null);
    axon_storage_finalize(p, lease);
    axon_storage_finalize(null, null);
}

test "stats and empty cache balance the held count" {
    _ = axon_empty_cache();
    const before = axon_native_bytes();
    var s: [host_memory.stats_fields]i64 = undefined;
    try std.testing.expectEqual(@as(i32, host_memory.stats_fields), axon_memory_stats(0, @ptrCast(&s), @sizeOf(@TypeOf(s))));
    const allocated = s[0];
    const p = axon_storage_new(1000, 0) orelse return error.OutOfMemory;
    try std.testing.expect(axon_native_bytes() >= before + 1000);
    try std.testing.expectEqual(@as(i32, host_memory.stats_fields), axon_memory_stats(0, @ptrCast(&s), @sizeOf(@TypeOf(s))));
    try std.testing.expectEqual(allocated + 1280, s[0]); // 64-byte header + 1000 → the 1280-byte class
    axon_storage_finalize(null, axon_storage_lease(p));
    try std.testing.expect(axon_empty_cache() >= 1000);
    try std.testing.expectEqual(before, axon_native_bytes());
    try std.testing.expect(axon_memory_stats(1, @ptrCast(&s), @sizeOf(@TypeOf(s))) < 0);
    try std.testing.expect(axon_memory_stats(0, @ptrCast(&s), 8) < 0);
    try std.testing.expect(axon_memory_reset_peak(3) < 0);
}
