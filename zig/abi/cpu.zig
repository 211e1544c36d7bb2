//! CPU-level exports for the loader's run-time dispatch (zig/cpu/levels.zig). Added after ABI
//! version 7 without changing any existing export, so the ABI version is unchanged: the loader
//! binds these two only when present (a library built before them is simply "not dispatched").
const levels = @import("../cpu/levels.zig");

/// The level this file was built for: an index into zig/cpu/levels.zig's `levels`
/// (0 x86-64-v2 … 4 amx), or -1 when not built for x86-64.
pub export fn axon_cpu_build_level() i32 {
    return levels.build_level;
}

/// The highest level this CPU and OS run (same numbering), or -1 when not x86-64.
pub export fn axon_cpu_best_level() i32 {
    return levels.bestLevel();
}
