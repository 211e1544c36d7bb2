//! Prints src/native/abi_generated.ts: the TypeScript side of the C ABI, generated from the one
//! declaration of it in Zig (`zig build abi` writes the file; `tools/dev.sh abi` runs that).
//!
//! What it reads, by reflection over `root.families` (zig/root.zig):
//! - every `pub export fn` named axon_* of a family → an entry of `SYMBOLS` (the `cpu` family's go to
//!   `CPU_SYMBOLS`, which the loader binds apart), its parameter and result types mapped to the
//!   neutral names of src/native/symbols.ts (`?[*]T` → "buffer", `?*anyopaque` → "pointer");
//! - every public enum type of a family → a `const` object of the same name, fields in camelCase:
//!   op codes (`UnaryOp`), flag bits (`AdamFlag`: values are bits), hyper-parameter and meta
//!   layouts (`AdamHyper`, `Pool2dMeta`: values are positions in the f64 / i64 array).
//! - `root.abi_version` → `ABI_VERSION`.
//!
//! Usage: `abi_gen [output path]` (no path: standard output).
const std = @import("std");
const lib = @import("root.zig");

pub fn main() !void {
    var buffer = std.ArrayList(u8).init(std.heap.page_allocator);
    defer buffer.deinit();
    try write(buffer.writer());
    const args = try std.process.argsAlloc(std.heap.page_allocator);
    defer std.process.argsFree(std.heap.page_allocator, args);
    if (args.len > 1) {
        try std.fs.cwd().writeFile(.{ .sub_path = args[1], .data = buffer.items });
    } else {
        try std.io.getStdOut().writeAll(buffer.items);
    }
}

const families = @typeInfo(lib.families).@"struct".decls;

fn write(w: anytype) !void {
    @setEvalBranchQuota(100_000);
    try w.writeAll(
        \\// GENERATED from zig/ by zig/abi_gen.zig (`tools/dev.sh abi`): do not edit. Change the Zig
        \\// declarations and regenerate; tests/native/abi_generated_test.ts fails while they differ.
        \\/**
        \\ * The C ABI as Zig declares it: export signatures, op codes, flag bits and the layouts of the
        \\ * hyper-parameter and meta arrays (see zig/ABI.md).
        \\ * @module
        \\ */
        \\
        \\
    );
    try w.print("/** Version of the C ABI (zig/root.zig `abi_version`). */\nexport const ABI_VERSION = {d};\n", .{lib.abi_version});
    try writeSymbols(w, "SYMBOLS", "Every export of the native library with its signature, by family.", false);
    try writeSymbols(w, "CPU_SYMBOLS", "The CPU-level probe (zig/abi/cpu.zig), bound apart by the loader.", true);
    inline for (families) |family| {
        const F = @field(lib.families, family.name);
        inline for (@typeInfo(F).@"struct".decls) |d| {
            const value = @field(F, d.name);
            if (@TypeOf(value) == type and @typeInfo(value) == .@"enum") try writeEnum(w, family.name, d.name, value);
        }
    }
}

fn writeSymbols(w: anytype, comptime name: []const u8, comptime doc: []const u8, comptime cpu: bool) !void {
    @setEvalBranchQuota(100_000);
    try w.print("\n/** {s} */\nexport const {s} = {{\n", .{ doc, name });
    inline for (families) |family| {
        if (comptime std.mem.eql(u8, family.name, "cpu") == cpu) {
            const F = @field(lib.families, family.name);
            if (!cpu) try w.print("  // {s} (zig/abi/{s}.zig)\n", .{ family.name, family.name });
            inline for (@typeInfo(F).@"struct".decls) |d| {
                if (comptime std.mem.startsWith(u8, d.name, "axon_")) {
                    const info = @typeInfo(@TypeOf(@field(F, d.name))).@"fn";
                    try w.print("  {s}: {{ parameters: [", .{d.name});
                    inline for (info.params, 0..) |p, i| {
                        try w.print("{s}\"{s}\"", .{ if (i == 0) "" else ", ", comptime nativeType(p.type.?) });
                    }
                    try w.print("], result: \"{s}\" }},\n", .{comptime nativeType(info.return_type.?)});
                }
            }
        }
    }
    try w.writeAll("} as const;\n");
}

/// The neutral type name TypeScript binds a Zig parameter or result type as.
fn nativeType(comptime T: type) []const u8 {
    switch (@typeInfo(T)) {
        .int, .float, .void => for ([_][]const u8{ "u32", "i32", "i64", "u64", "f32", "f64", "void" }) |n| {
            if (std.mem.eql(u8, n, @typeName(T))) return n;
        },
        .optional => |o| switch (@typeInfo(o.child)) {
            .pointer => |p| {
                if (p.size == .many) return "buffer";
                if (p.size == .one and p.child == anyopaque) return "pointer";
            },
            else => {},
        },
        else => {},
    }
    @compileError("the C ABI has no TypeScript type for " ++ @typeName(T) ++ ": use u32, i32, i64, u64, f32, f64, ?[*]T (a buffer) or ?*anyopaque (a pointer)");
}

fn writeEnum(w: anytype, comptime family: []const u8, comptime name: []const u8, comptime E: type) !void {
    @setEvalBranchQuota(100_000);
    const kind = comptime if (std.mem.endsWith(u8, name, "Flag"))
        "flag bits"
    else if (std.mem.endsWith(u8, name, "Hyper"))
        "hyper-parameter layout (positions in the f64 array)"
    else if (std.mem.endsWith(u8, name, "Meta"))
        "meta layout (positions in the i64 array)"
    else
        "codes";
    try w.print("\n/** `{s}` {s} (zig/abi/{s}.zig). */\nexport const {s} = {{", .{ name, kind, family, name });
    inline for (@typeInfo(E).@"enum".fields, 0..) |f, i| {
        try w.print("{s}{s}: {d}", .{ if (i == 0) " " else ", ", comptime camel(f.name), f.value });
    }
    try w.writeAll(" } as const;\n");
}

/// `sum_of_squares` → `sumOfSquares`.
fn camel(comptime snake: []const u8) []const u8 {
    comptime {
        var out: []const u8 = "";
        var upper = false;
        for (snake) |c| {
            if (c == '_') {
                upper = true;
            } else {
                out = out ++ &[_]u8{if (upper) std.ascii.toUpper(c) else c};
                upper = false;
            }
        }
        return out;
    }
}
