//! Builds Axon's native kernels (zig/) into one shared library, `libaxon.so`.
//!
//!   zig build -Doptimize=ReleaseFast        → zig-out/lib/libaxon.so for this machine's CPU
//!   zig build test                          → runs the `test` blocks of every kernel file
//!   zig build abi                           → writes src/native/abi_generated.ts (zig/abi_gen.zig)
//!   zig build -Dlevel=x86-64-v3 -Dstrip     → an x86-64 file for one dispatch level (zig/cpu/levels.zig);
//!                                             `tools/dev.sh release` builds every level and platform
const std = @import("std");
const levels = @import("zig/cpu/levels.zig");

pub fn build(b: *std.Build) void {
    const level_name = b.option([]const u8, "level", "x86-64 dispatch level (zig/cpu/levels.zig): builds for that level's CPU features instead of -Dcpu");
    const strip = b.option(bool, "strip", "Strip debug information (release files)") orelse false;
    const target = if (level_name) |name| levelTarget(b, name) else b.standardTargetOptions(.{});
    const optimize = b.standardOptimizeOption(.{});

    const root = b.createModule(.{
        .root_source_file = b.path("zig/root.zig"),
        .target = target,
        .optimize = optimize,
        // libc gives the worker threads pthreads, which the host runtimes (glibc processes) expect.
        .link_libc = true,
        .strip = strip,
    });

    const lib = b.addLibrary(.{ .linkage = .dynamic, .name = "axon", .root_module = root });
    b.installArtifact(lib);

    const unit_tests = b.addTest(.{ .root_module = root });
    const run_unit_tests = b.addRunArtifact(unit_tests);
    const test_step = b.step("test", "Run the Zig unit tests of every kernel");
    test_step.dependOn(&run_unit_tests.step);

    // The TypeScript side of the C ABI, generated from the Zig declarations (zig/abi_gen.zig).
    // Debug and no LLVM where the host allows: it only prints, so compile time is what counts.
    const gen = b.addExecutable(.{ .name = "abi_gen", .root_module = b.createModule(.{
        .root_source_file = b.path("zig/abi_gen.zig"),
        .target = b.graph.host,
        .optimize = .Debug,
        .link_libc = true,
    }) });
    const run_gen = b.addRunArtifact(gen);
    if (b.option([]const u8, "abi-out", "abi: where to write the generated TypeScript (default src/native/abi_generated.ts; - for stdout)")) |out| {
        if (!std.mem.eql(u8, out, "-")) run_gen.addArg(out);
    } else run_gen.addArg(b.pathFromRoot("src/native/abi_generated.ts"));
    run_gen.has_side_effects = true;
    const abi_step = b.step("abi", "Generate src/native/abi_generated.ts from the Zig declarations of the C ABI");
    abi_step.dependOn(&run_gen.step);
}

/// `-Dlevel=<name>`: x86-64 with the level's model and features; `-Dtarget` still picks the OS.
fn levelTarget(b: *std.Build, name: []const u8) std.Build.ResolvedTarget {
    const base = b.standardTargetOptionsQueryOnly(.{});
    for (levels.levels) |level| {
        if (!std.mem.eql(u8, level.name, name)) continue;
        var query = base;
        query.cpu_arch = .x86_64;
        query.cpu_model = .{ .explicit = level.model };
        for (level.extra) |f| query.cpu_features_add.addFeature(@intFromEnum(f));
        for (level.tune_add) |f| query.cpu_features_add.addFeature(@intFromEnum(f));
        for (level.tune_sub) |f| query.cpu_features_sub.addFeature(@intFromEnum(f));
        return b.resolveTargetQuery(query);
    }
    std.debug.print("unknown -Dlevel={s}; the levels are:", .{name});
    for (levels.levels) |level| std.debug.print(" {s}", .{level.name});
    std.debug.print("\n", .{});
    std.process.exit(1);
}
