//! Collective communication across processes (ABI 8): MPI loaded at run time
//! (zig/comm/mpi.zig) and driven by one communication thread (zig/comm/worker.zig). A collective
//! is queued with `axon_dist_submit`, which returns a ticket at once, and completed with
//! `axon_dist_wait(ticket, timeout_ms)`; the caller keeps the buffers alive and untouched until
//! then. Every argument is checked here before anything is queued.
const std = @import("std");
const status = @import("../status.zig");
const check = @import("check.zig");
const worker = @import("../comm/worker.zig");

/// `axon_dist_submit` / `axon_dist_run` collective kinds (`finalize` is internal: axon_dist_finalize).
pub const CollectiveKind = worker.Kind;
/// Reduction of an all_reduce or reduce_scatter.
pub const CollectiveOp = worker.ReduceOp;
const Error = status.Error;

fn nsFromMs(ms: i64) u64 {
    return @as(u64, @intCast(@max(ms, 0))) * std.time.ns_per_ms;
}

/// Loads MPI (from `path`, or the default library names when `path_len` is 0), initialises it on
/// the communication thread and writes `[rank, world size, flavor (1 Open MPI, 2 MPICH ABI)]`
/// into `info` (three i64).
pub export fn axon_dist_init(path: ?[*]const u8, path_len: i64, timeout_ms: i64, info: ?[*]u8, info_bytes: i64) i32 {
    const out = check.view(i64, info, info_bytes, 0, 3, "info") catch |e| return status.toCode(e);
    if (timeout_ms <= 0) return status.fail(.invalid_argument, "timeout must be > 0 ms, got {d}", .{timeout_ms});
    switch (worker.phase) {
        .ready => return status.fail(.invalid_argument, "the process group is already initialized", .{}),
        .finalized => return status.fail(.invalid_argument, "MPI was finalized in this process and cannot be initialized again (an MPI rule)", .{}),
        .none, .failed => {},
    }
    const len = check.count(path_len, "path_len") catch |e| return status.toCode(e);
    const p: ?[]const u8 = if (len == 0) null else if (path) |q| q[0..len] else return status.fail(.invalid_argument, "path: null pointer", .{});
    if (!worker.start(p, nsFromMs(timeout_ms))) {
        worker.phase = .failed;
        return status.fail(.invalid_argument, "{s}", .{worker.start_error[0..worker.start_error_len]});
    }
    out[0] = worker.rank;
    out[1] = worker.world;
    out[2] = @intFromEnum(worker.mpi.flavor);
    return 0;
}

fn buildRequest(kind_code: u32, op_code: u32, dtype_code: u32, n_arg: i64, a: ?[*]u8, a_bytes: i64, a_off: i64, b: ?[*]u8, b_bytes: i64, b_off: i64, root: i64) Error!worker.Request {
    if (worker.phase != .ready) return status.err(error.InvalidArgument, "the process group is not initialized", .{});
    if (worker.broken) return status.err(error.InvalidArgument, "the process group is broken: an earlier collective timed out", .{});
    const kind = std.meta.intToEnum(worker.Kind, kind_code) catch return status.err(error.InvalidArgument, "unknown collective kind {d}", .{kind_code});
    if (kind == .finalize) return status.err(error.InvalidArgument, "finalize goes through axon_dist_finalize", .{});
    const op = std.meta.intToEnum(worker.ReduceOp, op_code) catch return status.err(error.InvalidArgument, "unknown reduce op {d} (0 sum, 1 avg, 2 max, 3 min)", .{op_code});
    const elem = std.meta.intToEnum(worker.Elem, dtype_code) catch return status.err(error.UnsupportedDtype, "collectives take f32, f16, bf16 or i32 (codes 0, 2, 3, 4), got dtype code {d}", .{dtype_code});
    const n = try check.count(n_arg, "n");
    const world: usize = @intCast(worker.world);
    var r: worker.Request = .{ .kind = kind, .op = op, .elem = elem, .n = n };
    const a_at = try check.count(a_off, "a_off");
    const b_at = try check.count(b_off, "b_off");
    const a_len: usize = switch (kind) {
        .reduce_scatter => try check.mul(n, world),
        .barrier => 0,
        else => n,
    };
    const b_len: usize = switch (kind) {
        .all_gather => try check.mul(n, world),
        .reduce_scatter => n,
        else => 0,
    };
    const size = worker.elemSize(elem);
    // Typed as u16 or u32 only to check alignment and bounds; the worker reinterprets.
    const av: []u8 = if (size == 2) std.mem.sliceAsBytes(try check.view(u16, a, a_bytes, a_at, a_len, "input")) else std.mem.sliceAsBytes(try check.view(u32, a, a_bytes, a_at, a_len, "input"));
    const bv: []u8 = if (size == 2) std.mem.sliceAsBytes(try check.view(u16, b, b_bytes, b_at, b_len, "output")) else std.mem.sliceAsBytes(try check.view(u32, b, b_bytes, b_at, b_len, "output"));
    if (b_len > 0 and a_len > 0) try check.noOverlap(bv, "output", av, "input");
    r.a = av.ptr;
    r.b = bv.ptr;
    if (kind == .broadcast) {
        if (root < 0 or root >= worker.world) return status.err(error.InvalidArgument, "broadcast: src {d} is not a rank of this group (0..{d})", .{ root, worker.world - 1 });
        r.root = @intCast(root);
    }
    return r;
}

fn submitImpl(kind_code: u32, op_code: u32, dtype_code: u32, n_arg: i64, a: ?[*]u8, a_bytes: i64, a_off: i64, b: ?[*]u8, b_bytes: i64, b_off: i64, root: i64) Error!u64 {
    const r = try buildRequest(kind_code, op_code, dtype_code, n_arg, a, a_bytes, a_off, b, b_bytes, b_off, root);
    return worker.submit(r) catch |e| switch (e) {
        error.NotReady => status.err(error.InvalidArgument, "the process group is not initialized", .{}),
        error.Busy => status.err(error.InvalidArgument, "more than {d} collectives are outstanding; wait for earlier ones first", .{worker.slot_count}),
    };
}

/// Queues a collective and returns its ticket (>= 0), or a negative status.
/// kind: 0 all_reduce (`a` in place, n elements), 1 broadcast (`a`, n elements, from rank `root`),
/// 2 all_gather (`a` n elements → `b` size·n), 3 reduce_scatter (`a` size·n → `b` n), 4 barrier.
/// op (all_reduce, reduce_scatter): 0 sum, 1 avg, 2 max, 3 min. dtype: f32, f16, bf16, i32.
pub export fn axon_dist_submit(kind: u32, op: u32, dtype: u32, n: i64, a: ?[*]u8, a_bytes: i64, a_off: i64, b: ?[*]u8, b_bytes: i64, b_off: i64, root: i64) i64 {
    const ticket = submitImpl(kind, op, dtype, n, a, a_bytes, a_off, b, b_bytes, b_off, root) catch |e| return status.toCode(e);
    return @intCast(ticket);
}

/// A blocking collective (arguments as `axon_dist_submit`): runs it on the calling thread when
/// nothing is queued (and MPI grants MPI_THREAD_SERIALIZED), else queues it and waits. Past
/// `timeout_ms` a call on the calling thread cannot return: the communication thread then reports
/// it on stderr and aborts the job.
pub export fn axon_dist_run(kind: u32, op: u32, dtype: u32, n: i64, a: ?[*]u8, a_bytes: i64, a_off: i64, b: ?[*]u8, b_bytes: i64, b_off: i64, root: i64, timeout_ms: i64) i32 {
    if (timeout_ms <= 0) return status.fail(.invalid_argument, "timeout must be > 0 ms, got {d}", .{timeout_ms});
    const r = buildRequest(kind, op, dtype, n, a, a_bytes, a_off, b, b_bytes, b_off, root) catch |e| return status.toCode(e);
    if (worker.runDirect(r, nsFromMs(timeout_ms))) |result| return waitStatus(result, timeout_ms, 0);
    const ticket = axon_dist_submit(kind, op, dtype, n, a, a_bytes, a_off, b, b_bytes, b_off, root);
    if (ticket < 0) return @intCast(ticket);
    return axon_dist_wait(ticket, timeout_ms);
}

fn waitStatus(result: worker.WaitResult, timeout_ms: i64, ticket: i64) i32 {
    return switch (result) {
        .ok => 0,
        .failed => |m| status.fail(.invalid_argument, "{s}", .{m}),
        .timed_out => status.fail(.invalid_argument, "timed out after {d} ms waiting for the other ranks (one failed, exited or skipped this collective)", .{timeout_ms}),
        .unknown_ticket => status.fail(.invalid_argument, "ticket {d} is not outstanding (already waited for, or never submitted)", .{ticket}),
    };
}

/// Waits for a ticket of `axon_dist_submit`. Past `timeout_ms` it fails with a message saying so
/// and the group becomes unusable (the stuck MPI call cannot be cancelled): abort the job.
pub export fn axon_dist_wait(ticket: i64, timeout_ms: i64) i32 {
    if (ticket < 0) return status.fail(.invalid_argument, "ticket must be >= 0, got {d}", .{ticket});
    if (timeout_ms <= 0) return status.fail(.invalid_argument, "timeout must be > 0 ms, got {d}", .{timeout_ms});
    return waitStatus(worker.wait(@intCast(ticket), nsFromMs(timeout_ms)), timeout_ms, ticket);
}

/// Finalizes MPI (after every queued collective) and stops the communication thread.
pub export fn axon_dist_finalize(timeout_ms: i64) i32 {
    if (worker.phase != .ready) return status.fail(.invalid_argument, "the process group is not initialized", .{});
    if (timeout_ms <= 0) return status.fail(.invalid_argument, "timeout must be > 0 ms, got {d}", .{timeout_ms});
    if (worker.broken) return status.fail(.invalid_argument, "the process group is broken: an earlier collective timed out", .{});
    const ticket = worker.submit(.{ .kind = .finalize }) catch return status.fail(.invalid_argument, "could not queue MPI_Finalize", .{});
    const result = axon_dist_wait(@intCast(ticket), timeout_ms);
    if (result == 0) worker.join();
    return result;
}

/// MPI_Abort(MPI_COMM_WORLD, code): ends every rank of the job. Called from the caller's thread,
/// not the communication thread, which may be blocked in the very collective a failed rank never
/// joins (Open MPI and MPICH abort through their launcher from any thread).
pub export fn axon_dist_abort(code: i32) i32 {
    if (worker.phase != .ready) return status.fail(.invalid_argument, "the process group is not initialized (or already finalized)", .{});
    _ = worker.mpi.abort(worker.mpi.comm_world, code);
    return 0;
}

test "collectives refuse to run before initialization, naming the problem" {
    var x = [_]f32{ 1, 2 };
    const t = axon_dist_submit(0, 0, 0, 2, @ptrCast(&x), 8, 0, null, 0, 0, 0);
    try std.testing.expect(t < 0);
    try std.testing.expect(std.mem.indexOf(u8, status.lastMessage(), "not initialized") != null);
    try std.testing.expect(axon_dist_wait(-1, 10) < 0);
    try std.testing.expect(axon_dist_finalize(10) < 0);
    try std.testing.expect(axon_dist_abort(1) < 0);
    try std.testing.expect(axon_dist_run(0, 0, 0, 2, @ptrCast(&x), 8, 0, null, 0, 0, 0, 1000) < 0);
    try std.testing.expect(std.mem.indexOf(u8, status.lastMessage(), "not initialized") != null);
}

test "init with a missing library names it and leaves the process usable" {
    var info = [_]i64{ 0, 0, 0 };
    const path = "/nonexistent/libmpi-axon.so";
    try std.testing.expect(axon_dist_init(path.ptr, path.len, 1000, @ptrCast(&info), 24) < 0);
    try std.testing.expect(std.mem.indexOf(u8, status.lastMessage(), path) != null);
    try std.testing.expect(axon_dist_init(path.ptr, path.len, 0, @ptrCast(&info), 24) < 0);
}
