//! Process liveness, for cleaning up what killed processes left behind (src/io/temporary_file.ts).
//! JavaScript cannot ask portably: Deno reads /proc only with --allow-all and signals processes only
//! with --allow-run, Bun has no Deno APIs; `kill(pid, 0)` from here needs neither.
const std = @import("std");
const status = @import("../status.zig");

/// 1 when process `pid` exists (also when it belongs to another user), 0 when it does not, a
/// negative status for a pid that is not a positive `pid_t`.
pub export fn axon_process_alive(pid: i64) i32 {
    if (pid <= 0 or pid > std.math.maxInt(std.posix.pid_t)) return status.fail(.invalid_argument, "axon_process_alive: pid {d} is not a positive process id", .{pid});
    std.posix.kill(@intCast(pid), 0) catch |e| return switch (e) {
        error.PermissionDenied => 1,
        error.ProcessNotFound => 0,
        else => 1, // cannot tell: treat as alive, so nothing of a live process is ever removed
    };
    return 1;
}

test "this process is alive, a reaped child is not, bad pids are refused" {
    try std.testing.expectEqual(@as(i32, 1), axon_process_alive(std.c.getpid()));
    var child = std.process.Child.init(&.{"true"}, std.testing.allocator);
    try child.spawn();
    const pid = child.id;
    _ = try child.wait();
    try std.testing.expectEqual(@as(i32, 0), axon_process_alive(pid));
    try std.testing.expect(axon_process_alive(0) < 0);
    try std.testing.expect(axon_process_alive(-5) < 0);
}
