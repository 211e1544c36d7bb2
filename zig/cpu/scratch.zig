//! Per-thread, grow-only working buffers (GEMM packing, transposes, f32 copies of 16-bit operands)
//! and the count of bytes the native library holds, so tests can prove native memory stays flat.
//!
//! A buffer lives as long as its thread and only grows, so its size is bounded by the largest
//! problem seen, never by the number of calls. The pool's workers never exit, but the calling
//! thread does its share of the work too, and a JavaScript Worker's thread ends with the Worker:
//! a POSIX thread-specific key's destructor frees that thread's buffers when it exits.
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

/// One buffer's release function, linked into its thread's list the first time the thread allocates it.
const Release = struct {
    next: ?*Release = null,
    free: *const fn () void,
    linked: bool = false,
};

/// Head of this thread's list of buffers to free at exit (null until the first allocation).
threadlocal var thread_buffers: ?*Release = null;
var exit_key: std.c.pthread_key_t = undefined;
var exit_key_ok = false;
var exit_key_once = std.once(createExitKey);

fn createExitKey() void {
    exit_key_ok = std.c.pthread_key_create(&exit_key, freeThreadBuffers) == .SUCCESS;
}

/// The key's destructor: runs on an exiting thread whose value is non-null (the list head).
fn freeThreadBuffers(head: ?*anyopaque) callconv(.c) void {
    var node: ?*Release = @ptrCast(@alignCast(head));
    while (node) |r| {
        node = r.next;
        r.free();
        r.linked = false;
    }
    thread_buffers = null;
}

/// Adds `r` to this thread's exit list (once) and makes sure the exit destructor will run.
fn linkForExit(r: *Release) void {
    if (r.linked) return;
    exit_key_once.call();
    if (!exit_key_ok) return; // no key: the buffer lives as long as the process, as before
    r.next = thread_buffers;
    r.linked = true;
    thread_buffers = r;
    _ = std.c.pthread_setspecific(exit_key, r);
}

/// Frees every scratch buffer of the calling thread now (what its exit would do), for tests.
pub fn freeThisThread() void {
    freeThreadBuffers(thread_buffers);
    if (exit_key_ok) _ = std.c.pthread_setspecific(exit_key, null);
}

/// A thread-local scratch buffer of `T`, one per distinct `purpose` (each instantiation owns its own
/// thread-local slot); `purpose` also names the buffer in the out-of-memory message.
pub fn Scratch(comptime T: type, comptime purpose: []const u8) type {
    return struct {
        threadlocal var buf: []align(64) T = &.{};
        threadlocal var release: Release = .{ .free = freeBuffer };

        fn freeBuffer() void {
            if (buf.len == 0) return;
            account(-@as(i64, @intCast(buf.len * @sizeOf(T))));
            std.heap.page_allocator.free(buf);
            buf = &.{};
        }

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
                linkForExit(&release);
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

test "a thread's buffers are freed when it exits" {
    const S = Scratch(u8, "exit test buffer");
    const T = Scratch(f32, "exit test buffer 2");
    const before = heldBytes();
    const Worker = struct {
        fn run() void {
            _ = S.get(1 << 20) catch unreachable;
            _ = T.get(1000) catch unreachable;
        }
    };
    for (0..3) |_| {
        const t = try std.Thread.spawn(.{}, Worker.run, .{});
        t.join();
    }
    try std.testing.expectEqual(before, heldBytes());
    // The calling thread's own release, as its exit would do it (this also frees the buffers that
    // earlier tests left on this thread, so the baseline is taken after a first release).
    freeThisThread();
    const base = heldBytes();
    _ = try S.get(4096);
    _ = try T.get(10);
    try std.testing.expectEqual(base + 4096 + 40, heldBytes());
    freeThisThread();
    try std.testing.expectEqual(base, heldBytes());
    _ = try S.get(16); // usable again after the release
    try std.testing.expectEqual(base + 16, heldBytes());
    freeThisThread();
}
