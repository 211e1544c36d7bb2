//! A small persistent thread pool with a static split of work.
//!
//! `parallelFor(n, min_chunk, ctx, func)` cuts `[0, n)` into at most `numThreads()` contiguous
//! ranges of at least `min_chunk` items and runs `func(ctx, begin, end)` on each, the caller's
//! thread taking the first range. The split depends only on `n`, `min_chunk` and the thread count,
//! so a kernel whose ranges write disjoint outputs is deterministic for a fixed thread count.
//!
//! One job runs at a time; a second caller (another JavaScript Worker, say) that finds the pool
//! busy runs its whole job on its own thread instead of waiting.
//!
//! Threads: `AXON_NUM_THREADS` when set, else every CPU this process may run on; changed at run
//! time with `setNumThreads`. Idle workers spin for a short while (so back-to-back small kernels
//! do not pay a futex wake-up each) and then sleep on a futex.
const std = @import("std");
const Futex = std.Thread.Futex;
const Atomic = std.atomic.Value;

pub const max_threads = 256;

const RangeFn = *const fn (ctx: *const anyopaque, begin: usize, end: usize) void;

var job_lock: std.Thread.Mutex = .{};
/// Set on threads that must never take the pool (the prefetch thread): their kernels run serially,
/// leaving the workers to the training thread.
pub threadlocal var serial_only: bool = false;
var init_lock: std.Thread.Mutex = .{};
var initialized: Atomic(bool) = Atomic(bool).init(false);
/// Threads that take part in a job, the caller included.
var active_threads: Atomic(usize) = Atomic(usize).init(1);
/// Workers spawned so far (they are never torn down; surplus ones just sit idle).
var spawned_workers: usize = 0;

// The job being run; written by the caller before `generation` is bumped.
var job_fn: RangeFn = undefined;
var job_ctx: *const anyopaque = undefined;
var job_n: usize = 0;
var job_parts: usize = 0;

var generation: Atomic(u32) = Atomic(u32).init(0);
var sleeping_workers: Atomic(u32) = Atomic(u32).init(0);
var pending: Atomic(u32) = Atomic(u32).init(0);
var caller_sleeping: Atomic(u32) = Atomic(u32).init(0);

const spin_ns: u64 = 50 * std.time.ns_per_us;

fn partBegin(n: usize, parts: usize, index: usize) usize {
    // n * index fits: n is an element count (< 2^48 in practice) and index < 256.
    return @intCast((@as(u128, n) * index) / parts);
}

/// `start_generation` is read by the spawner, not here: a worker that read it after starting could
/// miss a job published in between and leave its caller waiting forever.
fn workerMain(worker_index: usize, start_generation: u32) void {
    var seen = start_generation;
    while (true) {
        waitForChange(&generation, seen, &sleeping_workers);
        seen = generation.load(.acquire);
        const parts = job_parts;
        if (worker_index < parts) {
            const n = job_n;
            job_fn(job_ctx, partBegin(n, parts, worker_index), partBegin(n, parts, worker_index + 1));
            if (pending.fetchSub(1, .seq_cst) == 1) {
                if (caller_sleeping.load(.seq_cst) != 0) Futex.wake(&pending, 1);
            }
        }
    }
}

/// Spins briefly, then sleeps until `value` differs from `old`. `sleepers` counts sleeping
/// threads so that the waking side can skip the futex syscall when nobody sleeps.
fn waitForChange(value: *Atomic(u32), old: u32, sleepers: *Atomic(u32)) void {
    var timer = std.time.Timer.start() catch null;
    var spins: u32 = 0;
    while (value.load(.acquire) == old) {
        std.atomic.spinLoopHint();
        spins +%= 1;
        if (spins & 255 != 0) continue;
        const spun_out = if (timer) |*t| t.read() > spin_ns else spins > (1 << 20);
        if (!spun_out) continue;
        _ = sleepers.fetchAdd(1, .seq_cst);
        while (value.load(.seq_cst) == old) Futex.wait(value, old);
        _ = sleepers.fetchSub(1, .seq_cst);
        return;
    }
}

fn defaultThreadCount() usize {
    if (std.posix.getenv("AXON_NUM_THREADS")) |text| {
        const n = std.fmt.parseInt(usize, std.mem.trim(u8, text, " "), 10) catch 0;
        if (n >= 1) return @min(n, max_threads);
    }
    const cpus = std.Thread.getCpuCount() catch 1;
    return @max(1, @min(cpus, max_threads));
}

// Workers live inside this library's code. A host that unloads the library (Deno closes it when a
// test module's isolate ends) would unmap the code under them; pinning ourselves with
// RTLD_NODELETE makes dlclose a no-op.
const DlInfo = extern struct {
    fname: ?[*:0]const u8,
    fbase: ?*anyopaque,
    sname: ?[*:0]const u8,
    saddr: ?*anyopaque,
};
extern "c" fn dladdr(address: *const anyopaque, info: *DlInfo) c_int;
extern "c" fn dlopen(path: ?[*:0]const u8, mode: c_int) ?*anyopaque;
const RTLD_NOW: c_int = 0x2;
const RTLD_NODELETE: c_int = 0x1000;

fn pinLibrary() void {
    var info: DlInfo = undefined;
    if (dladdr(@ptrCast(&workerMain), &info) == 0) return;
    _ = dlopen(info.fname, RTLD_NOW | RTLD_NODELETE);
}

fn ensureInitialized() void {
    if (initialized.load(.acquire)) return;
    init_lock.lock();
    defer init_lock.unlock();
    if (initialized.load(.acquire)) return;
    pinLibrary();
    _ = spawnUpTo(defaultThreadCount());
    initialized.store(true, .release);
}

/// Spawns workers so that `threads` threads (caller included) can run; returns how many can.
fn spawnUpTo(threads: usize) usize {
    while (spawned_workers + 1 < threads) {
        const index = spawned_workers + 1;
        const thread = std.Thread.spawn(.{ .stack_size = 1 << 20 }, workerMain, .{ index, generation.load(.acquire) }) catch break;
        thread.detach();
        spawned_workers += 1;
    }
    const usable = @min(threads, spawned_workers + 1);
    active_threads.store(usable, .release);
    return usable;
}

/// Threads that take part in a parallel kernel, the calling thread included.
pub fn numThreads() usize {
    ensureInitialized();
    return active_threads.load(.acquire);
}

/// Sets the number of threads used by later kernels (1 = everything on the caller's thread).
/// Returns the number actually available (spawning may fail under resource limits).
pub fn setNumThreads(threads: usize) usize {
    ensureInitialized();
    job_lock.lock();
    defer job_lock.unlock();
    init_lock.lock();
    defer init_lock.unlock();
    return spawnUpTo(@max(1, @min(threads, max_threads)));
}

/// Runs `func(ctx, begin, end)` over a static split of `[0, n)`; see the file comment.
pub fn parallelFor(n: usize, min_chunk: usize, ctx: anytype, comptime func: fn (@TypeOf(ctx), usize, usize) void) void {
    const Ctx = @TypeOf(ctx);
    const Trampoline = struct {
        fn call(raw: *const anyopaque, begin: usize, end: usize) void {
            const typed: *const Ctx = @ptrCast(@alignCast(raw));
            func(typed.*, begin, end);
        }
    };
    if (n == 0) return;
    const chunk = @max(min_chunk, 1);
    const wanted = @min(numThreads(), (n + chunk - 1) / chunk);
    if (wanted <= 1 or serial_only or !job_lock.tryLock()) {
        func(ctx, 0, n);
        return;
    }
    defer job_lock.unlock();
    const parts = @min(wanted, active_threads.load(.acquire));

    job_fn = Trampoline.call;
    job_ctx = @ptrCast(&ctx);
    job_n = n;
    job_parts = parts;
    pending.store(@intCast(parts - 1), .seq_cst);
    _ = generation.fetchAdd(1, .seq_cst);
    if (sleeping_workers.load(.seq_cst) != 0) Futex.wake(&generation, std.math.maxInt(u32));

    func(ctx, 0, partBegin(n, parts, 1));

    var left = pending.load(.acquire);
    while (left != 0) : (left = pending.load(.acquire)) {
        waitForChange(&pending, left, &caller_sleeping);
    }
}

test "parallelFor covers every index exactly once" {
    const Ctx = struct { hits: []Atomic(u32) };
    var hits: [10007]Atomic(u32) = undefined;
    for (&hits) |*h| h.* = Atomic(u32).init(0);
    const Body = struct {
        fn run(ctx: Ctx, begin: usize, end: usize) void {
            for (ctx.hits[begin..end]) |*h| _ = h.fetchAdd(1, .monotonic);
        }
    };
    _ = setNumThreads(4);
    var round: usize = 0;
    while (round < 200) : (round += 1) {
        parallelFor(hits.len, 1, Ctx{ .hits = &hits }, Body.run);
    }
    for (hits) |h| try std.testing.expectEqual(@as(u32, 200), h.load(.monotonic));
    _ = setNumThreads(defaultThreadCount());
}
