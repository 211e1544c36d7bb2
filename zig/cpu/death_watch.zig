//! Tells JavaScript, synchronously, which of its objects the garbage collector has freed.
//!
//! JavaScript's own signal, FinalizationRegistry, calls back only when the event loop turns, and
//! a training or evaluation loop is synchronous: the autograd graph's bookkeeping of dropped
//! graphs piled up for as long as the loop ran (issue: 100,000 evaluation steps grew the heap by
//! 113 MB and reported 1.68 GB of saved tensors that were long freed). Both runtimes do free
//! native memory handed to them with a deallocator while the loop runs (Deno through Node-API
//! external ArrayBuffers, possibly on a GC thread; Bun through `toArrayBuffer`'s deallocator), so
//! an object that holds such a "watch" block tells us of its death through the block's
//! deallocator: it records the block's (owner, token) here, and the owner drains its tokens.
//!
//! An owner is one JavaScript realm (the main thread or one Worker); tokens are the realm's own
//! numbers. Deallocators may run on any thread, hence the lock.
const std = @import("std");

/// What a watch block holds: whose token it is.
pub const Watch = extern struct { owner: u32, token: u32 };

var lock: std.Thread.Mutex = .{};
/// Dead (owner, token) pairs not yet drained. Grows to the most deaths between two drains.
var dead: std.ArrayListUnmanaged(Watch) = .empty;
var next_owner = std.atomic.Value(u32).init(1);

/// A new owner id (one per realm that loads the library).
pub fn newOwner() u32 {
    return next_owner.fetchAdd(1, .monotonic);
}

/// A watch block for `token` of `owner`, or null when out of memory.
pub fn create(owner: u32, token: u32) ?*Watch {
    const w = std.heap.c_allocator.create(Watch) catch return null;
    w.* = .{ .owner = owner, .token = token };
    return w;
}

/// The block's deallocator: records the death and frees the block. A failed record (out of
/// memory) loses only the bookkeeping of one object, never memory safety.
pub fn fire(w: *Watch) void {
    const entry = w.*;
    std.heap.c_allocator.destroy(w);
    lock.lock();
    defer lock.unlock();
    dead.append(std.heap.c_allocator, entry) catch {};
}

/// Moves up to `out.len` dead tokens of `owner` into `out` (in no particular order); returns how
/// many. Walks from the end and swap-removes, so draining k tokens of the only owner costs O(k).
pub fn drain(owner: u32, out: []u32) usize {
    lock.lock();
    defer lock.unlock();
    var written: usize = 0;
    var i = dead.items.len;
    while (i > 0 and written < out.len) {
        i -= 1;
        if (dead.items[i].owner != owner) continue;
        out[written] = dead.items[i].token;
        written += 1;
        // The entry moved into slot i comes from the end, which this walk has already passed.
        _ = dead.swapRemove(i);
    }
    if (dead.items.len == 0 and dead.capacity > 4096) {
        // A burst of deaths grew the list; give the memory back once it is drained.
        dead.clearAndFree(std.heap.c_allocator);
    }
    return written;
}

test "deaths are drained by their owner only, each once, at most out.len at a time" {
    const a = newOwner();
    const b = newOwner();
    fire(create(a, 7).?);
    fire(create(b, 1).?);
    fire(create(a, 8).?);
    fire(create(a, 9).?);
    var out: [2]u32 = undefined;
    try std.testing.expectEqual(@as(usize, 2), drain(a, &out));
    var seen = out[0] + out[1];
    try std.testing.expectEqual(@as(usize, 1), drain(a, &out));
    seen += out[0];
    try std.testing.expectEqual(@as(u32, 7 + 8 + 9), seen);
    try std.testing.expectEqual(@as(usize, 0), drain(a, &out));
    try std.testing.expectEqual(@as(usize, 1), drain(b, &out));
    try std.testing.expectEqual(@as(u32, 1), out[0]);
}

test "deaths recorded from many threads at once are all drained" {
    const owner = newOwner();
    const Firer = struct {
        fn run(o: u32, base: u32) void {
            for (0..1000) |i| fire(create(o, base + @as(u32, @intCast(i))).?);
        }
    };
    var threads: [4]std.Thread = undefined;
    for (&threads, 0..) |*t, i| t.* = try std.Thread.spawn(.{}, Firer.run, .{ owner, @as(u32, @intCast(i)) * 1000 });
    for (threads) |t| t.join();
    var seen = [_]bool{false} ** 4000;
    var out: [512]u32 = undefined;
    var total: usize = 0;
    while (true) {
        const n = drain(owner, &out);
        if (n == 0) break;
        for (out[0..n]) |t| {
            try std.testing.expect(!seen[t]);
            seen[t] = true;
        }
        total += n;
    }
    try std.testing.expectEqual(@as(usize, 4000), total);
}
