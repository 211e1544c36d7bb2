//! MPI, loaded at run time with `dlopen` and never linked: a library built without MPI installed
//! runs everywhere, and the same binary drives whichever MPI the launcher provides.
//!
//! `RTLD_GLOBAL` because Open MPI's own plugins (mca_*.so) resolve symbols of libmpi against the
//! global namespace; loaded locally they fail with "undefined symbol".
//!
//! Handles differ by implementation, and this file is the only place that knows:
//! - Open MPI: `MPI_Comm`, `MPI_Datatype`, `MPI_Op` are pointers to global structs exported by
//!   libmpi (`MPI_FLOAT` is `&ompi_mpi_float`), found here with `dlsym`; `MPI_IN_PLACE` is 1.
//! - MPICH and its ABI family (Intel MPI, MVAPICH, Cray MPICH): handles are `int` constants fixed
//!   by the MPICH ABI (`MPI_FLOAT == 0x4c00040a`); `MPI_IN_PLACE` is -1.
//! Every handle is held as a `usize` and passed in an integer register: an `int` argument of the
//! System V and AAPCS64 calling conventions occupies one whole register, so one set of function
//! pointer types serves both (only the low 32 bits are read by MPICH).
const std = @import("std");

pub const Handle = usize;

pub const Flavor = enum(u32) { open_mpi = 1, mpich = 2 };

/// MPI_THREAD_FUNNELED (the same value in every implementation): only the thread that initialised
/// MPI calls it — here, the communication thread of zig/comm/worker.zig.
pub const thread_funneled: c_int = 1;
/// MPI_THREAD_SERIALIZED: any thread may call MPI, one at a time; lets a blocking collective run
/// on the caller's thread when nothing is queued (zig/comm/worker.zig's `runDirect`).
pub const thread_serialized: c_int = 2;

const InitThreadFn = *const fn (argc: ?*c_int, argv: ?*?[*]?[*:0]u8, required: c_int, provided: *c_int) callconv(.c) c_int;
const FinalizeFn = *const fn () callconv(.c) c_int;
const CommIntFn = *const fn (comm: Handle, out: *c_int) callconv(.c) c_int;
const AllreduceFn = *const fn (send: ?*const anyopaque, recv: ?*anyopaque, count: c_int, dtype: Handle, op: Handle, comm: Handle) callconv(.c) c_int;
const BcastFn = *const fn (buf: ?*anyopaque, count: c_int, dtype: Handle, root: c_int, comm: Handle) callconv(.c) c_int;
const AllgatherFn = *const fn (send: ?*const anyopaque, scount: c_int, stype: Handle, recv: ?*anyopaque, rcount: c_int, rtype: Handle, comm: Handle) callconv(.c) c_int;
const ReduceScatterBlockFn = *const fn (send: ?*const anyopaque, recv: ?*anyopaque, count: c_int, dtype: Handle, op: Handle, comm: Handle) callconv(.c) c_int;
const BarrierFn = *const fn (comm: Handle) callconv(.c) c_int;
const AbortFn = *const fn (comm: Handle, code: c_int) callconv(.c) c_int;
const ErrorStringFn = *const fn (code: c_int, buf: [*]u8, len: *c_int) callconv(.c) c_int;

/// The element types Axon exchanges (the halves travel as 16-bit patterns; reductions widen them).
pub const Type = enum { f32, i32, u16 };
pub const Op = enum { sum, max, min };

/// One loaded MPI: its entry points and the handles of the objects Axon uses.
pub const Mpi = struct {
    flavor: Flavor,
    init_thread: InitThreadFn,
    finalize: FinalizeFn,
    comm_rank: CommIntFn,
    comm_size: CommIntFn,
    allreduce: AllreduceFn,
    bcast: BcastFn,
    allgather: AllgatherFn,
    reduce_scatter_block: ReduceScatterBlockFn,
    barrier: BarrierFn,
    abort: AbortFn,
    error_string: ErrorStringFn,
    comm_world: Handle,
    in_place: ?*anyopaque,
    types: [3]Handle,
    ops: [3]Handle,

    pub fn dtype(self: *const Mpi, t: Type) Handle {
        return self.types[@intFromEnum(t)];
    }

    pub fn op(self: *const Mpi, o: Op) Handle {
        return self.ops[@intFromEnum(o)];
    }
};

/// Libraries tried in order when no path is given: Open MPI's soname, MPICH's, then the dev link.
pub const default_names = [_][:0]const u8{ "libmpi.so.40", "libmpi.so.12", "libmpi.so" };

/// Why loading failed, for the message TypeScript shows ("MPI is not available: <reason>").
pub const LoadError = struct {
    buf: [768]u8 = undefined,
    len: usize = 0,

    fn append(self: *LoadError, comptime fmt: []const u8, args: anytype) void {
        const written = std.fmt.bufPrint(self.buf[self.len..], fmt, args) catch return;
        self.len += written.len;
    }

    pub fn text(self: *const LoadError) []const u8 {
        return self.buf[0..self.len];
    }
};

fn dlerrorText() []const u8 {
    const e = std.c.dlerror() orelse return "unknown dlopen error";
    return std.mem.span(e);
}

/// Opens `path` (or each of `default_names`) and resolves every entry point and handle.
pub fn load(path: ?[:0]const u8, why: *LoadError) ?Mpi {
    const mode: std.c.RTLD = .{ .NOW = true, .GLOBAL = true };
    var lib: ?*anyopaque = null;
    if (path) |p| {
        lib = std.c.dlopen(p.ptr, mode);
        if (lib == null) why.append("could not load {s} ({s})", .{ p, dlerrorText() });
    } else {
        for (default_names, 0..) |name, i| {
            lib = std.c.dlopen(name.ptr, mode);
            if (lib != null) break;
            why.append("{s}{s}", .{ if (i == 0) "could not load " else ", ", name });
        }
        if (lib == null) why.append(" ({s})", .{dlerrorText()});
    }
    const h = lib orelse return null;
    return resolve(h, why);
}

fn symbol(comptime T: type, h: *anyopaque, comptime name: [:0]const u8, why: *LoadError) ?T {
    const p = std.c.dlsym(h, name.ptr) orelse {
        why.append("the MPI library lacks {s}", .{name});
        return null;
    };
    return @ptrCast(@alignCast(p));
}

fn address(h: *anyopaque, comptime name: [:0]const u8, why: *LoadError) ?Handle {
    const p = std.c.dlsym(h, name.ptr) orelse {
        why.append("the Open MPI library lacks {s}", .{name});
        return null;
    };
    return @intFromPtr(p);
}

fn resolve(h: *anyopaque, why: *LoadError) ?Mpi {
    var m: Mpi = .{
        .flavor = undefined,
        .init_thread = symbol(InitThreadFn, h, "MPI_Init_thread", why) orelse return null,
        .finalize = symbol(FinalizeFn, h, "MPI_Finalize", why) orelse return null,
        .comm_rank = symbol(CommIntFn, h, "MPI_Comm_rank", why) orelse return null,
        .comm_size = symbol(CommIntFn, h, "MPI_Comm_size", why) orelse return null,
        .allreduce = symbol(AllreduceFn, h, "MPI_Allreduce", why) orelse return null,
        .bcast = symbol(BcastFn, h, "MPI_Bcast", why) orelse return null,
        .allgather = symbol(AllgatherFn, h, "MPI_Allgather", why) orelse return null,
        .reduce_scatter_block = symbol(ReduceScatterBlockFn, h, "MPI_Reduce_scatter_block", why) orelse return null,
        .barrier = symbol(BarrierFn, h, "MPI_Barrier", why) orelse return null,
        .abort = symbol(AbortFn, h, "MPI_Abort", why) orelse return null,
        .error_string = symbol(ErrorStringFn, h, "MPI_Error_string", why) orelse return null,
        .comm_world = 0,
        .in_place = null,
        .types = undefined,
        .ops = undefined,
    };
    if (std.c.dlsym(h, "ompi_mpi_comm_world") != null) {
        m.flavor = .open_mpi;
        m.comm_world = address(h, "ompi_mpi_comm_world", why) orelse return null;
        m.in_place = @ptrFromInt(1);
        m.types = .{
            address(h, "ompi_mpi_float", why) orelse return null,
            address(h, "ompi_mpi_int", why) orelse return null,
            address(h, "ompi_mpi_unsigned_short", why) orelse return null,
        };
        m.ops = .{
            address(h, "ompi_mpi_op_sum", why) orelse return null,
            address(h, "ompi_mpi_op_max", why) orelse return null,
            address(h, "ompi_mpi_op_min", why) orelse return null,
        };
    } else {
        // The MPICH ABI's fixed handles (mpi.h of MPICH ≥ 3.1 and its ABI-compatible family).
        m.flavor = .mpich;
        m.comm_world = 0x44000000;
        m.in_place = @ptrFromInt(std.math.maxInt(usize)); // (void *) -1
        m.types = .{ 0x4c00040a, 0x4c000405, 0x4c000204 }; // MPI_FLOAT, MPI_INT, MPI_UNSIGNED_SHORT
        m.ops = .{ 0x58000003, 0x58000001, 0x58000002 }; // MPI_SUM, MPI_MAX, MPI_MIN
    }
    return m;
}

/// MPI's text for an error code (empty when MPI cannot say); `buf` is MPICH's MPI_MAX_ERROR_STRING.
pub fn errorText(m: *const Mpi, code: c_int, buf: *[1024]u8) []const u8 {
    var len: c_int = 0;
    if (m.error_string(code, buf, &len) != 0 or len < 0) return "";
    return buf[0..@min(@as(usize, @intCast(len)), buf.len)];
}

test "a missing library is reported with its name" {
    var why: LoadError = .{};
    try std.testing.expect(load("/nonexistent/libmpi-axon-test.so", &why) == null);
    try std.testing.expect(std.mem.indexOf(u8, why.text(), "/nonexistent/libmpi-axon-test.so") != null);
}
