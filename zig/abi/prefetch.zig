//! Background row gathers, so a DataLoader can assemble the next batch while the model trains on
//! the current one without making iteration asynchronous: `axon_index_select_async` queues an
//! `axon_index_select` into one of `slot_count` slots and returns at once; a dedicated thread runs
//! the queued gathers serially (it never takes the worker pool from the training thread);
//! `axon_async_wait(slot)` blocks until that slot's gather is done and returns its status (its
//! error message is then available from `axon_last_error`). The caller keeps every buffer alive and
//! untouched until the wait returns.
const std = @import("std");
const status = @import("../status.zig");
const index = @import("index.zig");
const pool = @import("../cpu/pool.zig");
const Atomic = std.atomic.Value;
const Futex = std.Thread.Futex;

pub const slot_count = 8;

const Gather = struct {
    dtype: u32,
    outer: i64,
    dim: i64,
    inner: i64,
    x: ?[*]u8,
    x_bytes: i64,
    x_off: i64,
    index: ?[*]u8,
    index_bytes: i64,
    n_index: i64,
    y: ?[*]u8,
    y_bytes: i64,
};

const idle: u32 = 0;
const queued: u32 = 1;
const done: u32 = 2;

const Slot = struct {
    job: Gather = undefined,
    state: Atomic(u32) = Atomic(u32).init(idle),
    result: i32 = 0,
    message: [1024]u8 = undefined,
    message_len: usize = 0,
};

var slots: [slot_count]Slot = [_]Slot{.{}} ** slot_count;
/// Bumped on every submission; the thread sleeps on it.
var submitted: Atomic(u32) = Atomic(u32).init(0);
var start_lock: std.Thread.Mutex = .{};
var started = false;

fn threadMain() void {
    pool.serial_only = true;
    var seen: u32 = 0;
    while (true) {
        for (&slots) |*slot| {
            if (slot.state.load(.acquire) != queued) continue;
            const j = slot.job;
            slot.result = 0;
            index.selectImpl(false, j.dtype, j.outer, j.dim, j.inner, j.x, j.x_bytes, j.x_off, j.index, j.index_bytes, j.n_index, j.y, j.y_bytes) catch |e| {
                slot.result = status.toCode(e);
                const m = status.lastMessage();
                slot.message_len = @min(m.len, slot.message.len);
                @memcpy(slot.message[0..slot.message_len], m[0..slot.message_len]);
            };
            slot.state.store(done, .release);
            Futex.wake(&slot.state, 1);
        }
        const now = submitted.load(.acquire);
        if (now == seen) {
            Futex.wait(&submitted, seen);
        }
        seen = submitted.load(.acquire);
    }
}

fn ensureStarted() bool {
    start_lock.lock();
    defer start_lock.unlock();
    if (started) return true;
    const t = std.Thread.spawn(.{ .stack_size = 1 << 20 }, threadMain, .{}) catch return false;
    t.detach();
    started = true;
    return true;
}

fn slotAt(slot: u32) ?*Slot {
    return if (slot < slot_count) &slots[slot] else null;
}

/// Queues an `axon_index_select` (same arguments after `slot`) into `slot` and returns at once.
export fn axon_index_select_async(slot: u32, dtype: u32, outer: i64, dim: i64, inner: i64, x: ?[*]u8, x_bytes: i64, x_off: i64, idx: ?[*]u8, index_bytes: i64, n_index: i64, y: ?[*]u8, y_bytes: i64) i32 {
    const s = slotAt(slot) orelse return status.fail(.invalid_argument, "prefetch slot {d} out of range (0..{d})", .{ slot, slot_count - 1 });
    if (s.state.load(.acquire) == queued) return status.fail(.invalid_argument, "prefetch slot {d} is still busy; wait for it first", .{slot});
    if (!ensureStarted()) return status.fail(.out_of_memory, "could not start the prefetch thread", .{});
    s.job = .{ .dtype = dtype, .outer = outer, .dim = dim, .inner = inner, .x = x, .x_bytes = x_bytes, .x_off = x_off, .index = idx, .index_bytes = index_bytes, .n_index = n_index, .y = y, .y_bytes = y_bytes };
    s.state.store(queued, .release);
    _ = submitted.fetchAdd(1, .release);
    Futex.wake(&submitted, 1);
    return 0;
}

/// Waits for the gather queued in `slot` and returns its status (0 when the slot is idle).
export fn axon_async_wait(slot: u32) i32 {
    const s = slotAt(slot) orelse return status.fail(.invalid_argument, "prefetch slot {d} out of range (0..{d})", .{ slot, slot_count - 1 });
    while (true) {
        const state = s.state.load(.acquire);
        if (state == idle) return 0;
        if (state == done) break;
        Futex.wait(&s.state, queued);
    }
    s.state.store(idle, .release);
    if (s.result != 0) return status.fail(@enumFromInt(s.result), "{s}", .{s.message[0..s.message_len]});
    return 0;
}

test "async gathers equal the synchronous export and report errors at wait" {
    var x = [_]f32{ 0, 1, 2, 3, 4, 5 }; // [3, 2]
    var idx = [_]i32{ 2, 0 };
    var y = [_]f32{ 9, 9, 9, 9 };
    try std.testing.expectEqual(@as(i32, 0), axon_index_select_async(1, 0, 1, 3, 2, @ptrCast(&x), 24, 0, @ptrCast(&idx), 8, 2, @ptrCast(&y), 16));
    try std.testing.expectEqual(@as(i32, 0), axon_async_wait(1));
    try std.testing.expectEqualSlices(f32, &.{ 4, 5, 0, 1 }, &y);
    var bad = [_]i32{ 3, 0 };
    try std.testing.expectEqual(@as(i32, 0), axon_index_select_async(2, 0, 1, 3, 2, @ptrCast(&x), 24, 0, @ptrCast(&bad), 8, 2, @ptrCast(&y), 16));
    try std.testing.expect(axon_async_wait(2) < 0);
    try std.testing.expect(std.mem.indexOf(u8, status.lastMessage(), "out of bounds") != null);
    try std.testing.expectEqual(@as(i32, 0), axon_async_wait(2)); // idle again
    try std.testing.expect(axon_async_wait(99) < 0);
}
