//! Axon's C ABI: the one surface between the Zig kernels and TypeScript (src/native/symbols.ts
//! mirrors it). Every export is prefixed `axon_`, validates all of its arguments and returns an
//! `i32` status (0 = ok, negative = error; message via `axon_last_error`). Families of kernels
//! export from zig/abi/<family>.zig; the kernels themselves live in zig/cpu/.
//!
//! Bump `abi_version` whenever any export's signature or meaning changes.
const std = @import("std");

pub const abi_version: u32 = 9;

/// Every family of exports, one file each (zig/abi/<family>.zig), in the order zig/ABI.md and the
/// generated TypeScript (src/native/abi_generated.ts, `tools/dev.sh abi`) list them. A family's
/// exports are `pub export fn`s named axon_* (public, so the generator sees them); its public enums are
/// the codes, flag bits and layouts TypeScript gets (zig/abi_gen.zig says which). A new family is
/// one line here. `cpu` is bound apart by the loader (CPU_SYMBOLS).
pub const families = struct {
    pub const core = @import("abi/core.zig");
    pub const gemm = @import("abi/gemm.zig");
    pub const elementwise = @import("abi/elementwise.zig");
    pub const reduce = @import("abi/reduce.zig");
    pub const rng = @import("abi/rng.zig");
    pub const conv = @import("abi/conv.zig");
    pub const index = @import("abi/index.zig");
    pub const loss = @import("abi/loss.zig");
    pub const prefetch = @import("abi/prefetch.zig");
    pub const memory = @import("abi/memory.zig");
    pub const death_watch = @import("abi/death_watch.zig");
    pub const process = @import("abi/process.zig");
    pub const optim = @import("abi/optim.zig");
    pub const amp = @import("abi/amp.zig");
    pub const distributed = @import("abi/distributed.zig");
    pub const cpu = @import("abi/cpu.zig");
    pub const sort = @import("abi/sort.zig");
};

comptime {
    for (@typeInfo(families).@"struct".decls) |d| _ = @field(families, d.name);
}

test {
    _ = @import("abi/prefetch.zig");
    _ = @import("cpu/levels.zig");
    _ = @import("abi/memory.zig");
    std.testing.refAllDecls(@This());
    std.testing.refAllDecls(families);
    _ = @import("abi/check.zig");
    _ = @import("cpu/pool.zig");
    _ = @import("abi/reduce.zig");
    _ = @import("abi/rng.zig");
    _ = @import("cpu/reduce.zig");
    _ = @import("cpu/softmax.zig");
    _ = @import("cpu/rng.zig");
    _ = @import("abi/elementwise.zig");
    _ = @import("cpu/copy.zig");
    _ = @import("cpu/half.zig");
    _ = @import("cpu/unary.zig");
    _ = @import("cpu/binary.zig");
    _ = @import("cpu/gemm.zig");
    _ = @import("cpu/gemm_half.zig");
    _ = @import("abi/conv.zig");
    _ = @import("cpu/im2col.zig");
    _ = @import("cpu/pool2d.zig");
    _ = @import("abi/index.zig");
    _ = @import("abi/sort.zig");
    _ = @import("cpu/sort.zig");
    _ = @import("abi/loss.zig");
    _ = @import("cpu/index.zig");
    _ = @import("cpu/cross_entropy.zig");
    _ = @import("abi/optim.zig");
    _ = @import("cpu/optim.zig");
    _ = @import("abi/amp.zig");
    _ = @import("cpu/amp.zig");
    _ = @import("abi/death_watch.zig");
    _ = @import("cpu/death_watch.zig");
    _ = @import("abi/process.zig");
    _ = @import("abi/distributed.zig");
    _ = @import("comm/mpi.zig");
}
