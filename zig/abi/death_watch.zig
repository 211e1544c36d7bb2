//! Exports of the death watch (zig/cpu/death_watch.zig): native blocks whose deallocator records
//! that the JavaScript object holding them was collected, and the drain that reads those records.
//!
//! Bun hands a block to the collector with `toArrayBuffer(block, 0, 8, block, axon_watch_fired)`.
//! Deno has no deallocator in its FFI but runs Node-API addons, and frees a Node-API external
//! ArrayBuffer's memory during collection: the library is also a Node-API module
//! (`process.dlopen`), whose one function `watch(owner, token)` returns such an ArrayBuffer. The
//! Node-API functions are looked up in the host process (`dlsym`) when the module registers;
//! where there are none (the Zig tests) the module registers nothing.
const std = @import("std");
const watch = @import("../cpu/death_watch.zig");
const status = @import("../status.zig");
const host_memory = @import("../cpu/host_memory.zig");

/// A new owner id for the realm (main thread or Worker) calling it.
pub export fn axon_watch_owner() u32 {
    return watch.newOwner();
}

/// A watch block for `token` of `owner` (8 bytes), or null when out of memory. Hand it to the
/// garbage collector with `axon_watch_fired` as its deallocator and the block as the context.
pub export fn axon_watch_new(owner: u32, token: u32) ?*anyopaque {
    return watch.create(owner, token);
}

/// Deallocator of a watch block (JavaScriptCore's signature: bytes, context = the block).
pub export fn axon_watch_fired(bytes: ?*anyopaque, context: ?*anyopaque) void {
    _ = bytes;
    const w: *watch.Watch = @ptrCast(@alignCast(context orelse return));
    watch.fire(w);
}

/// Writes up to `out_bytes / 4` collected tokens of `owner` (u32) into `out`; returns how many,
/// or a negative status for a bad buffer.
pub export fn axon_watch_drain(owner: u32, out: ?[*]u8, out_bytes: i64) i64 {
    if (out_bytes < 0 or (out == null and out_bytes != 0)) return status.fail(.invalid_argument, "axon_watch_drain: bad output buffer ({d} bytes)", .{out_bytes});
    const n: usize = @intCast(@divFloor(out_bytes, 4));
    if (n == 0) return 0;
    const tokens: [*]align(1) u32 = @ptrCast(out.?);
    var buf: [256]u32 = undefined;
    var written: usize = 0;
    while (written < n) {
        const got = watch.drain(owner, buf[0..@min(buf.len, n - written)]);
        if (got == 0) break;
        for (buf[0..got], 0..) |t, i| tokens[written + i] = t;
        written += got;
    }
    return @intCast(written);
}

// ---- Node-API (Deno) -------------------------------------------------------------------------

const Env = ?*anyopaque;
const Value = ?*anyopaque;
const CallbackInfo = ?*anyopaque;
const Finalize = *const fn (Env, ?*anyopaque, ?*anyopaque) callconv(.c) void;
const Callback = *const fn (Env, CallbackInfo) callconv(.c) Value;

const CreateExternalArrayBuffer = *const fn (Env, ?*anyopaque, usize, Finalize, ?*anyopaque, *Value) callconv(.c) c_int;
const CreateFunction = *const fn (Env, ?[*]const u8, usize, Callback, ?*anyopaque, *Value) callconv(.c) c_int;
const SetNamedProperty = *const fn (Env, Value, [*:0]const u8, Value) callconv(.c) c_int;
const GetCbInfo = *const fn (Env, CallbackInfo, *usize, [*]Value, ?*Value, ?*?*anyopaque) callconv(.c) c_int;
const GetValueUint32 = *const fn (Env, Value, *u32) callconv(.c) c_int;
const GetValueInt64 = *const fn (Env, Value, *i64) callconv(.c) c_int;
const AdjustExternalMemory = *const fn (Env, i64, *i64) callconv(.c) c_int;

/// The host's Node-API functions, looked up when the module registers (not linked: the same
/// library must load where no Node-API host exists).
const Api = struct {
    create_external_arraybuffer: CreateExternalArrayBuffer,
    create_function: CreateFunction,
    set_named_property: SetNamedProperty,
    get_cb_info: GetCbInfo,
    get_value_uint32: GetValueUint32,
    get_value_int64: GetValueInt64,
    adjust_external_memory: AdjustExternalMemory,
};
var api: ?Api = null;

extern "c" fn dlsym(handle: ?*anyopaque, name: [*:0]const u8) ?*anyopaque;
const RTLD_DEFAULT: ?*anyopaque = null;

fn lookup(comptime T: type, name: [*:0]const u8) ?T {
    return @ptrCast(@alignCast(dlsym(RTLD_DEFAULT, name) orelse return null));
}

fn loadApi() ?Api {
    return .{
        .create_external_arraybuffer = lookup(CreateExternalArrayBuffer, "napi_create_external_arraybuffer") orelse return null,
        .create_function = lookup(CreateFunction, "napi_create_function") orelse return null,
        .set_named_property = lookup(SetNamedProperty, "napi_set_named_property") orelse return null,
        .get_cb_info = lookup(GetCbInfo, "napi_get_cb_info") orelse return null,
        .get_value_uint32 = lookup(GetValueUint32, "napi_get_value_uint32") orelse return null,
        .get_value_int64 = lookup(GetValueInt64, "napi_get_value_int64") orelse return null,
        .adjust_external_memory = lookup(AdjustExternalMemory, "napi_adjust_external_memory") orelse return null,
    };
}

fn finalizeWatch(_: Env, data: ?*anyopaque, _: ?*anyopaque) callconv(.c) void {
    axon_watch_fired(data, data);
}

/// `watch(owner, token)`: an 8-byte external ArrayBuffer whose collection records the token;
/// undefined (a null value) when an argument is not a u32 or memory runs out.
fn napiWatch(env: Env, info: CallbackInfo) callconv(.c) Value {
    const n = api orelse return null;
    var argc: usize = 2;
    var argv: [2]Value = .{ null, null };
    if (n.get_cb_info(env, info, &argc, &argv, null, null) != 0 or argc < 2) return null;
    var owner: u32 = 0;
    var token: u32 = 0;
    if (n.get_value_uint32(env, argv[0], &owner) != 0 or n.get_value_uint32(env, argv[1], &token) != 0) return null;
    const w = watch.create(owner, token) orelse return null;
    var result: Value = null;
    if (n.create_external_arraybuffer(env, w, @sizeOf(watch.Watch), finalizeWatch, null, &result) != 0) {
        std.heap.c_allocator.destroy(w);
        return null;
    }
    return result;
}

fn finalizeStorage(_: Env, _: ?*anyopaque, lease: ?*anyopaque) callconv(.c) void {
    host_memory.leaseFinalize(@ptrCast(@alignCast(lease orelse return)));
}

/// `storage(bytes, zero)`: tensor storage from the caching allocator (zig/cpu/host_memory.zig) as
/// an external ArrayBuffer whose collection returns the block (unless a dispose did already);
/// undefined (a null value) for a bad argument or out of memory.
///
/// V8 is also told the bytes (`napi_adjust_external_memory`), so that its heuristics see the
/// native memory that dead tensors hold. (Measured: that alone did not stop a loop of ReLUs over
/// 6.4 MB from piling up 1.7 GB of dead outputs, since V8's incremental marking does not finish
/// inside a synchronous loop; src/tensor/storage.ts forces collections.) Blocks come back on other threads (finalizers run on Deno's
/// sweeper) where no Node-API call is allowed, so they add their size to the module's counter
/// (the function's data, one per environment) and the next call reports the difference.
fn napiStorage(env: Env, info: CallbackInfo) callconv(.c) Value {
    const n = api orelse return null;
    var argc: usize = 2;
    var argv: [2]Value = .{ null, null };
    var data: ?*anyopaque = null;
    if (n.get_cb_info(env, info, &argc, &argv, null, &data) != 0 or argc < 2) return null;
    var bytes: i64 = 0;
    var zero: u32 = 0;
    if (n.get_value_int64(env, argv[0], &bytes) != 0 or n.get_value_uint32(env, argv[1], &zero) != 0) return null;
    if (bytes < 1) return null;
    const returned: ?*std.atomic.Value(i64) = @ptrCast(@alignCast(data));
    const storage = host_memory.storageNew(@intCast(bytes), zero != 0) orelse return null;
    const lease = host_memory.leaseOf(storage).?;
    lease.returned = returned;
    var result: Value = null;
    if (n.create_external_arraybuffer(env, storage, @intCast(bytes), finalizeStorage, lease, &result) != 0) {
        host_memory.leaseFinalize(lease);
        return null;
    }
    if (returned) |r| {
        var total: i64 = 0;
        _ = n.adjust_external_memory(env, @as(i64, @intCast(lease.total)) - r.swap(0, .monotonic), &total);
    }
    return result;
}

/// Node-API entry point: `process.dlopen(module, path)` calls it with the module's exports.
export fn napi_register_module_v1(env: Env, exports: Value) Value {
    const n = loadApi() orelse return exports;
    api = n;
    var f: Value = null;
    if (n.create_function(env, "watch", 5, napiWatch, null, &f) != 0) return exports;
    _ = n.set_named_property(env, exports, "watch", f);
    // One counter per environment (main thread, each Worker). Never freed: finalizers of its
    // blocks may run after the environment is gone; 8 bytes per environment.
    const returned = std.heap.c_allocator.create(std.atomic.Value(i64)) catch return exports;
    returned.* = .init(0);
    var s: Value = null;
    if (n.create_function(env, "storage", 7, napiStorage, returned, &s) != 0) return exports;
    _ = n.set_named_property(env, exports, "storage", s);
    return exports;
}

test "a fired block is drained once by its owner" {
    const owner = axon_watch_owner();
    const block = axon_watch_new(owner, 42) orelse return error.OutOfMemory;
    axon_watch_fired(block, block);
    var out: [4]u32 = undefined;
    try std.testing.expectEqual(@as(i64, 1), axon_watch_drain(owner, @ptrCast(&out), 16));
    try std.testing.expectEqual(@as(u32, 42), out[0]);
    try std.testing.expectEqual(@as(i64, 0), axon_watch_drain(owner, @ptrCast(&out), 16));
    try std.testing.expect(axon_watch_drain(owner, null, 16) < 0);
    // Outside a Node-API host the module registers nothing and returns its exports.
    try std.testing.expectEqual(@as(Value, null), napi_register_module_v1(null, null));
}
