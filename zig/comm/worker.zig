//! The communication thread: it initialises MPI and runs the collectives queued in a ring of
//! requests, so a caller queues a collective, keeps computing (DDP queues a gradient bucket and
//! carries on with the backward pass) and waits for it later.
//!
//! A blocking collective issued while nothing is queued runs on the caller's thread instead
//! (`runDirect`, when MPI grants MPI_THREAD_SERIALIZED; a lock keeps MPI calls one at a time):
//! handing it to the thread and back cost two futex wake-ups, 10–20 µs on a loaded machine, which
//! was 10 % of a 1 MiB all-reduce. The thread watches such calls: one that outlives its timeout
//! is reported on stderr and the job is aborted, since the caller itself is stuck inside MPI.
//!
//! Collectives run strictly in submission order — MPI requires every rank to issue them in the
//! same order, and the single queue makes that the caller's program order. Waits take a timeout:
//! a rank that never joins a collective (it failed, or skipped it) turns into an error on the
//! others instead of a hang; the group is then `broken` (the stuck call cannot be cancelled) and
//! the caller is expected to abort the job.
//!
//! f16 and bf16 have no MPI datatype: reductions widen them into f32 scratch, reduce in f32 with
//! the built-in operations and round once on the way back (so a 2-rank sum is exactly
//! `round(f32(a) + f32(b))`); broadcast and all-gather move their 16-bit patterns unchanged.
//! avg is sum followed by a division by the world size in the element type (i32 truncates
//! toward zero).
//!
//! A future NCCL (or other) backend implements the same request kinds behind the same queue.
const std = @import("std");
const mpi_lib = @import("mpi.zig");
const half = @import("../cpu/half.zig");
const pool = @import("../cpu/pool.zig");
const Atomic = std.atomic.Value;
const Futex = std.Thread.Futex;

pub const Kind = enum(u32) { all_reduce = 0, broadcast = 1, all_gather = 2, reduce_scatter = 3, barrier = 4, finalize = 5 };
pub const ReduceOp = enum(u32) { sum = 0, avg = 1, max = 2, min = 3 };
/// Element types, by the ABI's dtype codes.
pub const Elem = enum(u32) { f32 = 0, f16 = 2, bf16 = 3, i32 = 4 };

pub fn elemSize(e: Elem) usize {
    return switch (e) {
        .f32, .i32 => 4,
        .f16, .bf16 => 2,
    };
}

/// One queued collective. `a` and `b` point at the first element; the caller keeps both alive
/// and untouched until its wait returns.
pub const Request = struct {
    kind: Kind,
    op: ReduceOp = .sum,
    elem: Elem = .f32,
    /// all_reduce, broadcast: elements of `a`; all_gather: elements each rank sends (`b` holds
    /// size·n); reduce_scatter: elements each rank receives (`a` holds size·n).
    n: usize = 0,
    a: [*]u8 = undefined,
    b: [*]u8 = undefined,
    root: c_int = 0,
};

pub const slot_count = 64;
const idle: u32 = 0;
const queued: u32 = 1;
const done: u32 = 2;

const Slot = struct {
    request: Request = .{ .kind = .barrier },
    ticket: u64 = 0,
    state: Atomic(u32) = Atomic(u32).init(idle),
    ok: bool = true,
    message: [1024]u8 = undefined,
    message_len: usize = 0,
};

pub const Phase = enum(u32) { none, ready, failed, finalized };

var slots: [slot_count]Slot = [_]Slot{.{}} ** slot_count;
var submit_lock: std.Thread.Mutex = .{};
var next_ticket: u64 = 0;
/// Requests the thread has finished (all of them when it equals `next_ticket`).
var completed: Atomic(u64) = Atomic(u64).init(0);
/// One MPI call at a time (MPI_THREAD_SERIALIZED).
var mpi_lock: std.Thread.Mutex = .{};
/// Whether MPI granted MPI_THREAD_SERIALIZED, so callers may run blocking collectives themselves.
pub var serialized: bool = false;
/// Start (ns since the epoch, 0 when none) and timeout of the collective running on a caller's thread.
var direct_started: Atomic(i64) = Atomic(i64).init(0);
var direct_timeout_ns: u64 = 0;
var direct_kind: Kind = .barrier;
/// Bumped on every submission; the thread sleeps on it.
var submitted: Atomic(u32) = Atomic(u32).init(0);

pub var phase: Phase = .none;
/// Set when a wait timed out: the stuck collective still occupies the thread.
pub var broken: bool = false;
pub var mpi: mpi_lib.Mpi = undefined;
pub var rank: i32 = 0;
pub var world: i32 = 1;

// Start-up hand-off between `start` and the thread.
var start_done: Atomic(u32) = Atomic(u32).init(0);
var start_ok: bool = false;
var start_path_buf: [4096:0]u8 = undefined;
var start_path: ?[:0]const u8 = null;
pub var start_error: [1024]u8 = undefined;
pub var start_error_len: usize = 0;
var thread: ?std.Thread = null;

fn setStartError(comptime fmt: []const u8, args: anytype) void {
    const w = std.fmt.bufPrint(&start_error, fmt, args) catch start_error[0..];
    start_error_len = w.len;
}

/// Starts the thread, which loads MPI from `path` (or the default names) and initialises it.
/// Returns false with `start_error` set when MPI is missing or refuses to start.
pub fn start(path: ?[]const u8, timeout_ns: u64) bool {
    if (path) |p| {
        if (p.len >= start_path_buf.len) {
            setStartError("MPI library path is longer than {d} bytes", .{start_path_buf.len - 1});
            return false;
        }
        @memcpy(start_path_buf[0..p.len], p);
        start_path_buf[p.len] = 0;
        start_path = start_path_buf[0..p.len :0];
    } else start_path = null;
    start_done.store(0, .release);
    thread = std.Thread.spawn(.{ .stack_size = 8 << 20 }, threadMain, .{}) catch {
        setStartError("could not start the communication thread", .{});
        return false;
    };
    var waited: u64 = 0;
    const step: u64 = 100 * std.time.ns_per_ms;
    while (start_done.load(.acquire) == 0) {
        if (waited >= timeout_ns) {
            setStartError("MPI_Init_thread did not return within {d} s", .{timeout_ns / std.time.ns_per_s});
            thread.?.detach();
            thread = null;
            return false;
        }
        Futex.timedWait(&start_done, 0, step) catch {};
        waited += step;
    }
    if (!start_ok) {
        thread.?.join();
        thread = null;
        return false;
    }
    phase = .ready;
    return true;
}

fn threadMain() void {
    pool.serial_only = true; // the training thread keeps the worker pool
    var why: mpi_lib.LoadError = .{};
    const loaded = mpi_lib.load(start_path, &why);
    if (loaded == null) {
        setStartError("{s}", .{why.text()});
        finishStart(false);
        return;
    }
    mpi = loaded.?;
    var provided: c_int = 0;
    const rc = mpi.init_thread(null, null, mpi_lib.thread_serialized, &provided);
    if (rc != 0) {
        setStartError("MPI_Init_thread failed with code {d}", .{rc});
        finishStart(false);
        return;
    }
    if (provided < mpi_lib.thread_funneled) {
        setStartError("MPI provides thread level {d}, Axon needs MPI_THREAD_FUNNELED (1)", .{provided});
        _ = mpi.finalize();
        finishStart(false);
        return;
    }
    serialized = provided >= mpi_lib.thread_serialized;
    var r: c_int = 0;
    var s: c_int = 0;
    _ = mpi.comm_rank(mpi.comm_world, &r);
    _ = mpi.comm_size(mpi.comm_world, &s);
    rank = r;
    world = s;
    finishStart(true);
    serve();
}

fn finishStart(ok: bool) void {
    start_ok = ok;
    start_done.store(1, .release);
    Futex.wake(&start_done, 1);
}

fn serve() void {
    var processed: u64 = 0;
    var seen: u32 = submitted.load(.acquire);
    while (true) {
        const slot = &slots[processed % slot_count];
        if (slot.state.load(.acquire) == queued and slot.ticket == processed) {
            slot.ok = true;
            mpi_lock.lock();
            run(slot);
            mpi_lock.unlock();
            const finished = slot.request.kind == .finalize;
            _ = completed.fetchAdd(1, .release);
            slot.state.store(done, .release);
            Futex.wake(&slot.state, std.math.maxInt(u32));
            processed += 1;
            if (finished) return;
            continue;
        }
        // Idle: wake up every second to watch a collective running on a caller's thread.
        Futex.timedWait(&submitted, seen, watchdog_period_ns) catch {};
        watchDirect();
        seen = submitted.load(.acquire);
    }
}

const watchdog_period_ns: u64 = std.time.ns_per_s;

fn watchDirect() void {
    const began = direct_started.load(.acquire);
    if (began == 0) return;
    const elapsed: u64 = @intCast(@max(0, @as(i64, @truncate(std.time.nanoTimestamp())) - began));
    if (elapsed <= direct_timeout_ns) return;
    std.debug.print("[axon] rank {d}: {s} timed out after {d} ms waiting for the other ranks (one failed, exited or skipped this collective); aborting the job (MPI_Abort)\n", .{ rank, kindName(direct_kind), direct_timeout_ns / std.time.ns_per_ms });
    // The caller is blocked inside MPI; aborting from this thread is the only way out.
    _ = mpi.abort(mpi.comm_world, 1);
}

fn kindName(k: Kind) []const u8 {
    return switch (k) {
        .all_reduce => "allReduce",
        .broadcast => "broadcast",
        .all_gather => "allGather",
        .reduce_scatter => "reduceScatter",
        .barrier => "barrier",
        .finalize => "finalize",
    };
}

/// Runs a blocking collective on the calling thread when MPI allows it and nothing is queued
/// (so the order of collectives is kept); null when it must go through the queue instead.
pub fn runDirect(r: Request, timeout_ns: u64) ?WaitResult {
    if (!serialized) return null;
    submit_lock.lock();
    defer submit_lock.unlock();
    if (phase != .ready or broken or completed.load(.acquire) != next_ticket) return null;
    var slot: Slot = .{ .request = r };
    direct_kind = r.kind;
    direct_timeout_ns = timeout_ns;
    direct_started.store(@max(1, @as(i64, @truncate(std.time.nanoTimestamp()))), .release);
    mpi_lock.lock();
    run(&slot);
    mpi_lock.unlock();
    direct_started.store(0, .release);
    if (slot.ok) return .ok;
    last_failure_len = slot.message_len;
    @memcpy(last_failure[0..slot.message_len], slot.message[0..slot.message_len]);
    return .{ .failed = last_failure[0..last_failure_len] };
}

fn fail(slot: *Slot, comptime fmt: []const u8, args: anytype) void {
    slot.ok = false;
    const w = std.fmt.bufPrint(&slot.message, fmt, args) catch slot.message[0..];
    slot.message_len = w.len;
}

/// Largest count handed to one MPI call (counts are C ints); longer buffers go in pieces.
const max_count: usize = 1 << 30;

fn mpiCheck(slot: *Slot, rc: c_int, what: []const u8) bool {
    if (rc == 0) return true;
    var buf: [1024]u8 = undefined;
    fail(slot, "{s} failed with MPI error {d}: {s}", .{ what, rc, mpi_lib.errorText(&mpi, rc, &buf) });
    return false;
}

fn mpiType(e: Elem) mpi_lib.Type {
    return switch (e) {
        .f32 => .f32,
        .i32 => .i32,
        .f16, .bf16 => .u16,
    };
}

fn mpiOp(o: ReduceOp) mpi_lib.Op {
    return switch (o) {
        .sum, .avg => .sum,
        .max => .max,
        .min => .min,
    };
}

fn run(slot: *Slot) void {
    const r = slot.request;
    switch (r.kind) {
        .barrier => _ = mpiCheck(slot, mpi.barrier(mpi.comm_world), "MPI_Barrier"),
        .finalize => _ = mpiCheck(slot, mpi.finalize(), "MPI_Finalize"),
        .broadcast => {
            const size = elemSize(r.elem);
            var i: usize = 0;
            while (i < r.n) : (i += max_count) {
                const c = @min(max_count, r.n - i);
                if (!mpiCheck(slot, mpi.bcast(r.a + i * size, @intCast(c), mpi.dtype(mpiType(r.elem)), r.root, mpi.comm_world), "MPI_Bcast")) return;
            }
        },
        .all_gather => {
            if (r.n == 0) return;
            if (r.n > std.math.maxInt(c_int)) return fail(slot, "allGather: {d} elements per rank exceed MPI's count limit {d}", .{ r.n, std.math.maxInt(c_int) });
            const t = mpi.dtype(mpiType(r.elem));
            _ = mpiCheck(slot, mpi.allgather(r.a, @intCast(r.n), t, r.b, @intCast(r.n), t, mpi.comm_world), "MPI_Allgather");
        },
        .all_reduce => switch (r.elem) {
            .f32 => allReduceDirect(f32, slot, r),
            .i32 => allReduceDirect(i32, slot, r),
            .f16 => allReduceHalf(.f16, slot, r),
            .bf16 => allReduceHalf(.bf16, slot, r),
        },
        .reduce_scatter => {
            if (r.n == 0) return;
            if (r.n > std.math.maxInt(c_int)) return fail(slot, "reduceScatter: {d} elements per rank exceed MPI's count limit {d}", .{ r.n, std.math.maxInt(c_int) });
            switch (r.elem) {
                .f32 => reduceScatterDirect(f32, slot, r),
                .i32 => reduceScatterDirect(i32, slot, r),
                .f16 => reduceScatterHalf(.f16, slot, r),
                .bf16 => reduceScatterHalf(.bf16, slot, r),
            }
        },
    }
}

fn divideByWorld(comptime T: type, x: []T) void {
    if (T == i32) {
        for (x) |*v| v.* = @divTrunc(v.*, world);
    } else {
        const w: T = @floatFromInt(world);
        for (x) |*v| v.* /= w;
    }
}

fn allReduceDirect(comptime T: type, slot: *Slot, r: Request) void {
    const x = @as([*]T, @ptrCast(@alignCast(r.a)))[0..r.n];
    if (!allReduceSlice(T, slot, x, r.op)) return;
    if (r.op == .avg) divideByWorld(T, x);
}

fn allReduceSlice(comptime T: type, slot: *Slot, x: []T, op: ReduceOp) bool {
    const t = mpi.dtype(if (T == i32) .i32 else .f32);
    var i: usize = 0;
    while (i < x.len) : (i += max_count) {
        const c = @min(max_count, x.len - i);
        if (!mpiCheck(slot, mpi.allreduce(mpi.in_place, x.ptr + i, @intCast(c), t, mpi.op(mpiOp(op)), mpi.comm_world), "MPI_Allreduce")) return false;
    }
    return true;
}

fn allReduceHalf(comptime fmt: half.Format, slot: *Slot, r: Request) void {
    const h = @as([*]u16, @ptrCast(@alignCast(r.a)))[0..r.n];
    const wide = std.heap.c_allocator.alloc(f32, r.n) catch return fail(slot, "allReduce: out of memory widening {d} half elements to f32", .{r.n});
    defer std.heap.c_allocator.free(wide);
    half.sliceToF32(fmt, wide, h);
    if (!allReduceSlice(f32, slot, wide, r.op)) return;
    if (r.op == .avg) divideByWorld(f32, wide);
    half.sliceFromF32(fmt, h, wide);
}

fn reduceScatterDirect(comptime T: type, slot: *Slot, r: Request) void {
    const t = mpi.dtype(if (T == i32) .i32 else .f32);
    if (!mpiCheck(slot, mpi.reduce_scatter_block(r.a, r.b, @intCast(r.n), t, mpi.op(mpiOp(r.op)), mpi.comm_world), "MPI_Reduce_scatter_block")) return;
    if (r.op == .avg) divideByWorld(T, @as([*]T, @ptrCast(@alignCast(r.b)))[0..r.n]);
}

fn reduceScatterHalf(comptime fmt: half.Format, slot: *Slot, r: Request) void {
    const total = r.n * @as(usize, @intCast(world));
    const wide = std.heap.c_allocator.alloc(f32, total + r.n) catch return fail(slot, "reduceScatter: out of memory widening {d} half elements to f32", .{total});
    defer std.heap.c_allocator.free(wide);
    half.sliceToF32(fmt, wide[0..total], @as([*]const u16, @ptrCast(@alignCast(r.a)))[0..total]);
    const out = wide[total..];
    if (!mpiCheck(slot, mpi.reduce_scatter_block(wide.ptr, out.ptr, @intCast(r.n), mpi.dtype(.f32), mpi.op(mpiOp(r.op)), mpi.comm_world), "MPI_Reduce_scatter_block")) return;
    if (r.op == .avg) divideByWorld(f32, out);
    half.sliceFromF32(fmt, @as([*]u16, @ptrCast(@alignCast(r.b)))[0..r.n], out);
}

pub const SubmitError = error{ NotReady, Busy };

/// Queues `r`; returns its ticket.
pub fn submit(r: Request) SubmitError!u64 {
    submit_lock.lock();
    defer submit_lock.unlock();
    if (phase != .ready or broken) return error.NotReady;
    const ticket = next_ticket;
    const slot = &slots[ticket % slot_count];
    if (slot.state.load(.acquire) != idle) return error.Busy;
    slot.request = r;
    slot.ticket = ticket;
    slot.state.store(queued, .release);
    next_ticket += 1;
    if (r.kind == .finalize) phase = .finalized;
    _ = submitted.fetchAdd(1, .release);
    Futex.wake(&submitted, 1);
    return ticket;
}

pub const WaitResult = union(enum) { ok, failed: []const u8, timed_out, unknown_ticket };

/// Waits up to `timeout_ns` for `ticket`; a failure's message stays valid until the next wait.
pub fn wait(ticket: u64, timeout_ns: u64) WaitResult {
    const slot = &slots[ticket % slot_count];
    if (slot.ticket != ticket or slot.state.load(.acquire) == idle) return .unknown_ticket;
    const began = std.time.nanoTimestamp();
    while (slot.state.load(.acquire) != done) {
        const elapsed: u64 = @intCast(@max(0, std.time.nanoTimestamp() - began));
        if (elapsed >= timeout_ns) {
            broken = true;
            return .timed_out;
        }
        Futex.timedWait(&slot.state, queued, timeout_ns - elapsed) catch {};
    }
    const ok = slot.ok;
    slot.state.store(idle, .release);
    if (ok) return .ok;
    last_failure_len = slot.message_len;
    @memcpy(last_failure[0..slot.message_len], slot.message[0..slot.message_len]);
    return .{ .failed = last_failure[0..last_failure_len] };
}

var last_failure: [1024]u8 = undefined;
var last_failure_len: usize = 0;

/// Joins the thread after a finalize request was waited for.
pub fn join() void {
    if (thread) |t| t.join();
    thread = null;
}
