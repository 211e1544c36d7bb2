//! Background row gathers, so a DataLoader can assemble the next batch while the model trains on
//! the current one without making iteration asynchronous: `axon_index_select_async` claims a free
//! slot (one of `slot_count`, process-wide), queues an `axon_index_select` into it and returns the
//! slot's number at once; a dedicated thread runs the queued gathers serially (it never takes the
//! worker pool from the training thread); `axon_async_wait(slot)` blocks until that slot's gather is
//! done, frees the slot and returns the gather's status (its error message is then available from
//! `axon_last_error`). The caller keeps every buffer alive and untouched until the wait returns.
//!
//! Slots are claimed here, atomically, rather than chosen by the caller: every JavaScript Worker of
//! a process shares this library, and a free list kept in JavaScript is per Worker, so two Workers
//! picked the same slot. When every slot is taken the submit returns `busy` and the caller gathers
//! synchronously instead.
const std = @import("std");
const status = @import("../status.zig");
const index = @import("index.zig");
const pool = @import("../cpu/pool.zig");
const Atomic = std.atomic.Value;
const Futex = std.Thread.Futex;

pub const slot_count = 64;

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

/// Slot states: `free` → (submit claims it) `queued` → (the thread ran it) `done` → (wait) `free`.
const free: u32 = 0;
const queued: u32 = 1;
const done: u32 = 2;
/// Taken by a submit that is still writing the job; the thread skips it.
const claimed: u32 = 3;

const Slot = struct {
    job: Gather = undefined,
    state: Atomic(u32) = Atomic(u32).init(free),
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

/// Claims a free slot, queues an `axon_index_select` (same arguments) into it and returns the
/// slot's number (>= 0) at once, or a negative status: `busy` when every slot is taken (gather
/// synchronously then), `invalid_argument` for a bad argument.
pub export fn axon_index_select_async(dtype: u32, outer: i64, dim: i64, inner: i64, x: ?[*]u8, x_bytes: i64, x_off: i64, idx: ?[*]u8, index_bytes: i64, n_index: i64, y: ?[*]u8, y_bytes: i64) i32 {
    if (!ensureStarted()) return status.fail(.out_of_memory, "could not start the prefetch thread", .{});
    const slot_index = claim() orelse return status.fail(.busy, "all {d} prefetch slots are busy", .{slot_count});
    const s = &slots[slot_index];
    s.job = .{ .dtype = dtype, .outer = outer, .dim = dim, .inner = inner, .x = x, .x_bytes = x_bytes, .x_off = x_off, .index = idx, .index_bytes = index_bytes, .n_index = n_index, .y = y, .y_bytes = y_bytes };
    // The slot stays `claimed` (skipped by the thread) until its job is written; `queued` publishes it.
    s.state.store(queued, .release);
    _ = submitted.fetchAdd(1, .release);
    Futex.wake(&submitted, 1);
    return @intCast(slot_index);
}

/// Takes the first free slot for the caller (moving it to `claimed`), or null when all are taken.
fn claim() ?u32 {
    for (&slots, 0..) |*slot, i| {
        if (slot.state.cmpxchgStrong(free, claimed, .acquire, .monotonic) == null) return @intCast(i);
    }
    return null;
}

/// Waits for the gather queued in `slot`, frees the slot and returns the gather's status. Waiting
/// on a slot that holds no submitted gather is an error (it would belong to nobody, or to another
/// caller).
pub export fn axon_async_wait(slot: u32) i32 {
    const s = slotAt(slot) orelse return status.fail(.invalid_argument, "prefetch slot {d} out of range (0..{d})", .{ slot, slot_count - 1 });
    while (true) {
        const state = s.state.load(.acquire);
        if (state == free or state == claimed) return status.fail(.invalid_argument, "prefetch slot {d} holds no submitted gather", .{slot});
        if (state == done) break;
        Futex.wait(&s.state, queued);
    }
    // The message is copied before the slot is freed: a new claimer may reuse it at once.
    const code: i32 = if (s.result != 0) status.fail(@enumFromInt(s.result), "{s}", .{s.message[0..s.message_len]}) else 0;
    s.state.store(free, .release);
    return code;
}

test "async gathers equal the synchronous export, report errors at wait and free their slot" {
    var x = [_]f32{ 0, 1, 2, 3, 4, 5 }; // [3, 2]
    var idx = [_]i32{ 2, 0 };
    var y = [_]f32{ 9, 9, 9, 9 };
    const a = axon_index_select_async(0, 1, 3, 2, @ptrCast(&x), 24, 0, @ptrCast(&idx), 8, 2, @ptrCast(&y), 16);
    try std.testing.expect(a >= 0);
    try std.testing.expectEqual(@as(i32, 0), axon_async_wait(@intCast(a)));
    try std.testing.expectEqualSlices(f32, &.{ 4, 5, 0, 1 }, &y);
    var bad = [_]i32{ 3, 0 };
    const b = axon_index_select_async(0, 1, 3, 2, @ptrCast(&x), 24, 0, @ptrCast(&bad), 8, 2, @ptrCast(&y), 16);
    try std.testing.expect(b >= 0);
    try std.testing.expect(axon_async_wait(@intCast(b)) < 0);
    try std.testing.expect(std.mem.indexOf(u8, status.lastMessage(), "out of bounds") != null);
    try std.testing.expect(axon_async_wait(@intCast(b)) < 0); // freed: nobody's gather
    try std.testing.expect(std.mem.indexOf(u8, status.lastMessage(), "holds no submitted gather") != null);
    try std.testing.expect(axon_async_wait(99) < 0);
}

test "every slot can be claimed once; a full table answers busy, not a collision" {
    var x = [_]f32{ 0, 1, 2, 3, 4, 5 };
    var idx = [_]i32{ 1, 2 };
    var ys: [slot_count][4]f32 = undefined;
    var taken: [slot_count]i32 = undefined;
    for (&taken, &ys) |*t, *y| {
        t.* = axon_index_select_async(0, 1, 3, 2, @ptrCast(&x), 24, 0, @ptrCast(&idx), 8, 2, @ptrCast(y), 16);
        try std.testing.expect(t.* >= 0);
    }
    var y_extra: [4]f32 = undefined;
    try std.testing.expectEqual(@intFromEnum(status.Status.busy), axon_index_select_async(0, 1, 3, 2, @ptrCast(&x), 24, 0, @ptrCast(&idx), 8, 2, @ptrCast(&y_extra), 16));
    for (taken, 0..) |t, i| {
        for (taken[0..i]) |other| try std.testing.expect(other != t); // distinct owners
    }
    for (taken, &ys) |t, *y| {
        try std.testing.expectEqual(@as(i32, 0), axon_async_wait(@intCast(t)));
        try std.testing.expectEqualSlices(f32, &.{ 2, 3, 4, 5 }, y);
    }
}

test "threads claiming concurrently never share a slot" {
    const Claimer = struct {
        fn run(errors: *Atomic(u32)) void {
            var x = [_]f32{ 0, 1, 2, 3, 4, 5 };
            var idx = [_]i32{ 2, 1 };
            for (0..2000) |_| {
                var y = [_]f32{ 9, 9, 9, 9 };
                const slot = axon_index_select_async(0, 1, 3, 2, @ptrCast(&x), 24, 0, @ptrCast(&idx), 8, 2, @ptrCast(&y), 16);
                if (slot < 0) continue; // busy: the caller would gather synchronously
                if (axon_async_wait(@intCast(slot)) != 0 or !std.mem.eql(f32, &y, &.{ 4, 5, 2, 3 })) _ = errors.fetchAdd(1, .monotonic);
            }
        }
    };
    var errors = Atomic(u32).init(0);
    var threads: [4]std.Thread = undefined;
    for (&threads) |*t| t.* = try std.Thread.spawn(.{}, Claimer.run, .{&errors});
    for (threads) |t| t.join();
    try std.testing.expectEqual(@as(u32, 0), errors.load(.monotonic));
}
