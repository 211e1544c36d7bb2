//! Builds Axon's native kernels (zig/) into one shared library, `libaxon.so`.
//!
//!   zig build -Doptimize=ReleaseFast        → zig-out/lib/libaxon.so
//!   zig build test                          → runs the `test` blocks of every kernel file
const std = @import("std");

pub fn build(b: *std.Build) void {
    const target = b.standardTargetOptions(.{});
    const optimize = b.standardOptimizeOption(.{});

    const root = b.createModule(.{
        .root_source_file = b.path("zig/root.zig"),
        .target = target,
        .optimize = optimize,
        // libc gives the worker threads pthreads, which the host runtimes (glibc processes) expect.
        .link_libc = true,
    });

    const lib = b.addLibrary(.{ .linkage = .dynamic, .name = "axon", .root_module = root });
    b.installArtifact(lib);

    const unit_tests = b.addTest(.{ .root_module = root });
    const run_unit_tests = b.addRunArtifact(unit_tests);
    const test_step = b.step("test", "Run the Zig unit tests of every kernel");
    test_step.dependOn(&run_unit_tests.step);
}
