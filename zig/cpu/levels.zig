//! The x86-64 levels Axon's release is built at, one library file each (see build.zig's `-Dlevel`),
//! and how to tell at run time which of them this CPU and OS can run.
//!
//! Zig has no per-function target attributes, and every kernel picks its vector width and paths at
//! comptime from `builtin.cpu`, so a level is a whole build of the library. The baseline
//! (`x86-64-v2`) file is always loaded first: its `axon_cpu_best_level` probes the CPU, and the
//! loader (src/native/locate.ts) then opens the best level's file instead. build.zig imports this
//! file too, so the list below is the one source of the levels' names and features.
const std = @import("std");
const builtin = @import("builtin");
const Feature = std.Target.x86.Feature;

/// One build level: a CPU model (which also sets the tuning) plus ISA features on top of it.
pub const Level = struct {
    name: []const u8,
    model: *const std.Target.Cpu.Model,
    /// ISA features beyond the model's that the build enables.
    extra: []const Feature,
    /// ISA features the CPU (and the OS, for register state) must offer to run the file.
    required: []const Feature,
    /// Tuning flags (no run-time requirement) added to and removed from the model's.
    tune_add: []const Feature = &.{},
    tune_sub: []const Feature = &.{},
};

const v2_isa = [_]Feature{ .cx16, .popcnt, .sahf, .sse3, .sse4_1, .sse4_2, .ssse3 };
const v3_isa = v2_isa ++ [_]Feature{ .avx, .avx2, .bmi, .bmi2, .f16c, .fma, .lzcnt, .movbe };
const v4_isa = v3_isa ++ [_]Feature{ .avx512f, .avx512bw, .avx512cd, .avx512dq, .avx512vl };
// Every CPU with AMX (Sapphire Rapids and later) has these. They, and the tuning below, are what
// -Dcpu=native gives on this project's Sapphire Rapids Xeon apart from system instructions that
// compiled code never uses (rdrand, tsx, serialize, …), so the AMX file is the host build's code.
const amx_extra = [_]Feature{
    .avx512bf16, .avx512fp16, .avx512vnni, .avx512vbmi, .avx512vbmi2, .avx512bitalg, .avx512vpopcntdq,
    .avx512ifma, .gfni,       .vaes,       .vpclmulqdq, .amx_tile,    .amx_bf16,     .amx_int8,
    .adx,        .avxvnni,    .prfchw,     .ermsb,      .fsrm,
};
const spr_tune_add = [_]Feature{ .no_bypass_delay_blend, .no_bypass_delay_mov, .no_bypass_delay_shuffle, .tuning_fast_imm_vector_shift };
const spr_tune_sub = [_]Feature{ .false_deps_popcnt, .slow_3ops_lea };

/// Lowest first; a level's file runs only where every `required` feature is present.
pub const levels = [_]Level{
    .{ .name = "x86-64-v2", .model = &std.Target.x86.cpu.x86_64_v2, .extra = &.{}, .required = &v2_isa },
    .{ .name = "x86-64-v3", .model = &std.Target.x86.cpu.x86_64_v3, .extra = &.{}, .required = &v3_isa },
    .{ .name = "x86-64-v4", .model = &std.Target.x86.cpu.x86_64_v4, .extra = &.{}, .required = &v4_isa },
    .{ .name = "avx512-bf16", .model = &std.Target.x86.cpu.x86_64_v4, .extra = &.{.avx512bf16}, .required = &(v4_isa ++ [_]Feature{.avx512bf16}) },
    .{ .name = "amx", .model = &std.Target.x86.cpu.x86_64_v4, .extra = &amx_extra, .required = &(v4_isa ++ amx_extra), .tune_add = &spr_tune_add, .tune_sub = &spr_tune_sub },
};

/// The index in `levels` of the highest level whose features are all in `features`, or -1 when
/// not even the baseline's are (or the CPU is not x86).
pub fn highestLevel(features: std.Target.Cpu.Feature.Set) i32 {
    var best: i32 = -1;
    for (levels, 0..) |level, i| {
        for (level.required) |f| {
            if (!std.Target.x86.featureSetHas(features, f)) break;
        } else best = @intCast(i);
    }
    return best;
}

/// The level this file was compiled for (the highest whose features the build target has).
pub const build_level: i32 = if (builtin.cpu.arch == .x86_64) highestLevel(builtin.cpu.features) else -1;

/// Detects the running CPU's features and returns the highest level it runs: CPUID, and XGETBV
/// for the register state the OS saves (as LLVM and the Zig compiler do for -mcpu=native). AMX
/// also needs Linux to support granting the tile state (`amxGrantable`).
pub fn bestLevel() i32 {
    if (builtin.cpu.arch != .x86_64) return -1;
    return highestLevel(detect());
}

fn detect() std.Target.Cpu.Feature.Set {
    var set = std.Target.Cpu.Feature.Set.empty;
    const add = struct {
        fn f(s: *std.Target.Cpu.Feature.Set, feature: Feature, on: bool) void {
            if (on) s.addFeature(@intFromEnum(feature));
        }
    }.f;
    const max_leaf = cpuid(0, 0)[0];
    const l1 = cpuid(1, 0);
    const ecx1 = l1[2];
    const osxsave = bit(ecx1, 27);
    const xcr0: u64 = if (osxsave) xgetbv() else 0;
    const avx_state = (xcr0 & 0b110) == 0b110;
    // macOS saves the AVX-512 state lazily, on first use, so XCR0 does not show it yet.
    const avx512_state = avx_state and (builtin.os.tag.isDarwin() or (xcr0 & 0xe0) == 0xe0);
    const amx_state = (xcr0 & (3 << 17)) == (3 << 17) and amxGrantable();
    add(&set, .sse3, bit(ecx1, 0));
    add(&set, .ssse3, bit(ecx1, 9));
    add(&set, .fma, bit(ecx1, 12) and avx_state);
    add(&set, .cx16, bit(ecx1, 13));
    add(&set, .sse4_1, bit(ecx1, 19));
    add(&set, .sse4_2, bit(ecx1, 20));
    add(&set, .movbe, bit(ecx1, 22));
    add(&set, .popcnt, bit(ecx1, 23));
    add(&set, .avx, bit(ecx1, 28) and avx_state);
    add(&set, .f16c, bit(ecx1, 29) and avx_state);
    if (max_leaf >= 7) {
        const l7 = cpuid(7, 0);
        const ebx = l7[1];
        const ecx = l7[2];
        const edx = l7[3];
        add(&set, .bmi, bit(ebx, 3));
        add(&set, .avx2, bit(ebx, 5) and avx_state);
        add(&set, .bmi2, bit(ebx, 8));
        add(&set, .avx512f, bit(ebx, 16) and avx512_state);
        add(&set, .avx512dq, bit(ebx, 17) and avx512_state);
        add(&set, .avx512ifma, bit(ebx, 21) and avx512_state);
        add(&set, .avx512cd, bit(ebx, 28) and avx512_state);
        add(&set, .avx512bw, bit(ebx, 30) and avx512_state);
        add(&set, .avx512vl, bit(ebx, 31) and avx512_state);
        add(&set, .ermsb, bit(ebx, 9));
        add(&set, .adx, bit(ebx, 19));
        add(&set, .fsrm, bit(edx, 4));
        add(&set, .avx512vbmi, bit(ecx, 1) and avx512_state);
        add(&set, .avx512vbmi2, bit(ecx, 6) and avx512_state);
        add(&set, .gfni, bit(ecx, 8));
        add(&set, .vaes, bit(ecx, 9) and avx_state);
        add(&set, .vpclmulqdq, bit(ecx, 10) and avx_state);
        add(&set, .avx512vnni, bit(ecx, 11) and avx512_state);
        add(&set, .avx512bitalg, bit(ecx, 12) and avx512_state);
        add(&set, .avx512vpopcntdq, bit(ecx, 14) and avx512_state);
        add(&set, .amx_bf16, bit(edx, 22) and amx_state);
        add(&set, .avx512fp16, bit(edx, 23) and avx512_state);
        add(&set, .amx_tile, bit(edx, 24) and amx_state);
        add(&set, .amx_int8, bit(edx, 25) and amx_state);
        if (cpuid(7, 0)[0] >= 1) {
            const eax71 = cpuid(7, 1)[0];
            add(&set, .avxvnni, bit(eax71, 4) and avx_state);
            add(&set, .avx512bf16, bit(eax71, 5) and avx512_state);
        }
    }
    if (cpuid(0x80000000, 0)[0] >= 0x80000001) {
        const ecx = cpuid(0x80000001, 0)[2];
        add(&set, .sahf, bit(ecx, 0));
        add(&set, .lzcnt, bit(ecx, 5));
        add(&set, .prfchw, bit(ecx, 8));
    }
    return set;
}

inline fn bit(word: u32, comptime index: u5) bool {
    return (word >> index) & 1 == 1;
}

fn cpuid(leaf: u32, subleaf: u32) [4]u32 {
    var eax: u32 = undefined;
    var ebx: u32 = undefined;
    var ecx: u32 = undefined;
    var edx: u32 = undefined;
    asm volatile ("cpuid"
        : [eax] "={eax}" (eax),
          [ebx] "={ebx}" (ebx),
          [ecx] "={ecx}" (ecx),
          [edx] "={edx}" (edx),
        : [leaf] "{eax}" (leaf),
          [subleaf] "{ecx}" (subleaf),
    );
    return .{ eax, ebx, ecx, edx };
}

fn xgetbv() u64 {
    var lo: u32 = undefined;
    var hi: u32 = undefined;
    asm volatile ("xgetbv"
        : [lo] "={eax}" (lo),
          [hi] "={edx}" (hi),
        : [index] "{ecx}" (@as(u32, 0)),
    );
    return (@as(u64, hi) << 32) | lo;
}

/// Whether Linux can give this process the AMX tile state (ARCH_GET_XCOMP_SUPP lists
/// XFEATURE_XTILEDATA). Only asks: the permission itself (ARCH_REQ_XCOMP_PERM) is requested by
/// gemm_half.zig at the first bf16 GEMM, as before, which falls back to the portable kernel when
/// refused. Requesting it here, at load, made every process pay for AMX: measured, Deno's resident
/// memory then grew by ~100-230 MB over tests/memory_test.ts's 8,000 f32 steps (< 64 MB without).
fn amxGrantable() bool {
    if (builtin.os.tag != .linux) return false;
    var supported: u64 = 0;
    const rc = std.os.linux.syscall2(.arch_prctl, 0x1021, @intFromPtr(&supported));
    return std.os.linux.E.init(rc) == .SUCCESS and (supported >> 18) & 1 == 1;
}

test "levels are ordered: each requires everything the one below does" {
    for (levels[1..], 0..) |level, i| {
        for (levels[i].required) |f| {
            try std.testing.expect(std.mem.indexOfScalar(Feature, level.required, f) != null);
        }
    }
}

test "the running CPU supports at least the level this test binary was built for" {
    // Not x86: no levels at all (-1 from both).
    try std.testing.expect(bestLevel() >= build_level);
    if (builtin.cpu.arch != .x86_64) try std.testing.expectEqual(@as(i32, -1), bestLevel());
}
