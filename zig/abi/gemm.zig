//! Exports of the gemm kernel family: `axon_gemm` (see zig/ABI.md).
const std = @import("std");
const status = @import("../status.zig");
const check = @import("check.zig");
const gemm = @import("../cpu/gemm.zig");
const gemm_half = @import("../cpu/gemm_half.zig");
const Error = status.Error;

/// Span (largest element index + 1 relative to the operand's offset) of a batched row-major
/// matrix view: `rows × cols` with row stride `ld`, `batch` copies `bstride` apart.
fn operandSpan(batch: usize, rows: usize, cols: usize, ld: usize, bstride: usize) Error!usize {
    if (batch == 0 or rows == 0 or cols == 0) return 0;
    var last = try check.mul(rows - 1, ld);
    last = try check.add(last, cols - 1);
    last = try check.add(last, try check.mul(batch - 1, bstride));
    return check.add(last, 1);
}

fn run(
    dtype_code: u32,
    trans_a_code: u32,
    trans_b_code: u32,
    batch_i: i64,
    m_i: i64,
    n_i: i64,
    k_i: i64,
    alpha: f32,
    a: ?[*]u8,
    a_bytes: i64,
    a_off_i: i64,
    lda_i: i64,
    a_bstride_i: i64,
    b: ?[*]u8,
    b_bytes: i64,
    b_off_i: i64,
    ldb_i: i64,
    b_bstride_i: i64,
    beta: f32,
    c: ?[*]u8,
    c_bytes: i64,
    c_off_i: i64,
    ldc_i: i64,
    c_bstride_i: i64,
) Error!void {
    const dt = try check.dtype(dtype_code);
    switch (dt) {
        .f32, .f16, .bf16 => {},
        else => return status.err(error.UnsupportedDtype, "gemm: dtype {s} is not supported (f32, f16 and bf16)", .{dt.name()}),
    }
    if (trans_a_code > 1) return status.err(error.InvalidArgument, "gemm: trans_a must be 0 or 1, got {d}", .{trans_a_code});
    if (trans_b_code > 1) return status.err(error.InvalidArgument, "gemm: trans_b must be 0 or 1, got {d}", .{trans_b_code});
    const trans_a = trans_a_code == 1;
    const trans_b = trans_b_code == 1;

    const batch = try check.count(batch_i, "gemm: batch");
    const m = try check.count(m_i, "gemm: m");
    const n = try check.count(n_i, "gemm: n");
    const k = try check.count(k_i, "gemm: k");
    const a_off = try check.count(a_off_i, "gemm: a_off");
    const b_off = try check.count(b_off_i, "gemm: b_off");
    const c_off = try check.count(c_off_i, "gemm: c_off");
    const lda = try check.count(lda_i, "gemm: lda");
    const ldb = try check.count(ldb_i, "gemm: ldb");
    const ldc = try check.count(ldc_i, "gemm: ldc");
    const a_bs = try check.count(a_bstride_i, "gemm: a_bstride");
    const b_bs = try check.count(b_bstride_i, "gemm: b_bstride");
    const c_bs = try check.count(c_bstride_i, "gemm: c_bstride");

    // Stored shapes: A is m×k (k×m when transposed), B is k×n (n×k when transposed), C is m×n.
    const a_rows = if (trans_a) k else m;
    const a_cols = if (trans_a) m else k;
    const b_rows = if (trans_b) n else k;
    const b_cols = if (trans_b) k else n;
    if (lda < a_cols)
        return status.err(error.InvalidArgument, "gemm: lda = {d} is smaller than the {d} columns of the stored A ({s})", .{ lda, a_cols, if (trans_a) "k×m, trans_a" else "m×k" });
    if (ldb < b_cols)
        return status.err(error.InvalidArgument, "gemm: ldb = {d} is smaller than the {d} columns of the stored B ({s})", .{ ldb, b_cols, if (trans_b) "n×k, trans_b" else "k×n" });
    if (ldc < n)
        return status.err(error.InvalidArgument, "gemm: ldc = {d} is smaller than n = {d}", .{ ldc, n });

    const c_span_one = try operandSpan(1, m, n, ldc, 0);
    if (batch > 1 and c_span_one > 0 and c_bs < c_span_one)
        return status.err(error.InvalidArgument, "gemm: c_bstride = {d} makes the {d} outputs overlap (each spans {d} elements)", .{ c_bs, batch, c_span_one });

    // A and B are only read when the product is non-empty.
    const uses_ab = m > 0 and n > 0 and k > 0;
    const a_span = if (uses_ab) try operandSpan(batch, a_rows, a_cols, lda, a_bs) else 0;
    const b_span = if (uses_ab) try operandSpan(batch, b_rows, b_cols, ldb, b_bs) else 0;
    const c_span = try operandSpan(batch, m, n, ldc, c_bs);

    switch (dt) {
        inline .f32, .f16, .bf16 => |d| {
            // f32 elements, or the raw 16 bits of a half element.
            const T = if (d == .f32) f32 else u16;
            const a_buf = try check.buffer(T, a, a_bytes, a_off, a_span, "gemm: a");
            const b_buf = try check.buffer(T, b, b_bytes, b_off, b_span, "gemm: b");
            const c_buf = try check.buffer(T, c, c_bytes, c_off, c_span, "gemm: c");
            if (batch == 0 or m == 0 or n == 0) return;
            const a_ptr: [*]const T = if (uses_ab) a_buf.ptr + a_off else a_buf.ptr;
            const b_ptr: [*]const T = if (uses_ab) b_buf.ptr + b_off else b_buf.ptr;
            if (d == .f32) {
                try gemm.gemm(trans_a, trans_b, batch, m, n, k, alpha, a_ptr, lda, a_bs, b_ptr, ldb, b_bs, beta, c_buf.ptr + c_off, ldc, c_bs);
            } else {
                const args = gemm_half.Args{
                    .trans_a = trans_a,
                    .trans_b = trans_b,
                    .batch = batch,
                    .m = m,
                    .n = n,
                    .k = k,
                    .alpha = alpha,
                    .a = a_ptr,
                    .lda = lda,
                    .a_bstride = a_bs,
                    .b = b_ptr,
                    .ldb = ldb,
                    .b_bstride = b_bs,
                    .beta = beta,
                    .c = c_buf.ptr + c_off,
                    .ldc = ldc,
                    .c_bstride = c_bs,
                };
                try gemm_half.gemm(if (d == .f16) .f16 else .bf16, &args);
            }
        },
        else => unreachable,
    }
}

/// Row-major batched `C_i = alpha·op(A_i)·op(B_i) + beta·C_i`; see zig/ABI.md.
pub export fn axon_gemm(
    dtype: u32,
    trans_a: u32,
    trans_b: u32,
    batch: i64,
    m: i64,
    n: i64,
    k: i64,
    alpha: f32,
    a: ?[*]u8,
    a_bytes: i64,
    a_off: i64,
    lda: i64,
    a_bstride: i64,
    b: ?[*]u8,
    b_bytes: i64,
    b_off: i64,
    ldb: i64,
    b_bstride: i64,
    beta: f32,
    c: ?[*]u8,
    c_bytes: i64,
    c_off: i64,
    ldc: i64,
    c_bstride: i64,
) i32 {
    return status.wrap(run(dtype, trans_a, trans_b, batch, m, n, k, alpha, a, a_bytes, a_off, lda, a_bstride, b, b_bytes, b_off, ldb, b_bstride, beta, c, c_bytes, c_off, ldc, c_bstride));
}

// ---------------------------------------------------------------------------------------------
// Tests of the export's validation.

const testing = std.testing;

fn bytes(xs: []f32) ?[*]u8 {
    return @ptrCast(xs.ptr);
}

/// 2×3 · 3×2 with the given overrides of (a_bytes, lda, c_off); returns the status.
fn small(a_bytes: i64, lda: i64, c_off: i64) i32 {
    var a = [_]f32{ 1, 2, 3, 4, 5, 6 };
    var b = [_]f32{ 1, 0, 0, 1, 1, 1 };
    var c = [_]f32{ 0, 0, 0, 0 };
    return axon_gemm(0, 0, 0, 1, 2, 2, 3, 1, bytes(&a), a_bytes, 0, lda, 0, bytes(&b), 24, 0, 2, 0, 0, bytes(&c), 16, c_off, 2, 0);
}

test "axon_gemm computes and validates" {
    var a = [_]f32{ 1, 2, 3, 4, 5, 6 };
    var b = [_]f32{ 1, 0, 0, 1, 1, 1 };
    var c = [_]f32{ 9, 9, 9, 9 };
    try testing.expectEqual(@as(i32, 0), axon_gemm(0, 0, 0, 1, 2, 2, 3, 1, bytes(&a), 24, 0, 3, 0, bytes(&b), 24, 0, 2, 0, 0, bytes(&c), 16, 0, 2, 0));
    try testing.expectEqualSlices(f32, &.{ 4, 5, 10, 11 }, &c);
    // beta = 1 accumulates; k = 0 with null A/B only scales C.
    try testing.expectEqual(@as(i32, 0), axon_gemm(0, 0, 0, 1, 2, 2, 0, 1, null, 0, 0, 0, 0, null, 0, 0, 2, 0, 2, bytes(&c), 16, 0, 2, 0));
    try testing.expectEqualSlices(f32, &.{ 8, 10, 20, 22 }, &c);
    // Empty products touch nothing.
    try testing.expectEqual(@as(i32, 0), axon_gemm(0, 1, 1, 5, 0, 7, 3, 1, null, 0, 0, 0, 0, null, 0, 0, 3, 0, 0, null, 0, 0, 7, 0));
    try testing.expectEqual(@as(i32, 0), axon_gemm(0, 0, 0, 0, 4, 4, 4, 1, null, 0, 0, 4, 0, null, 0, 0, 4, 0, 0, null, 0, 0, 4, 0));

    try testing.expectEqual(@as(i32, 0), small(24, 3, 0));
    // A one element short.
    try testing.expectEqual(@as(i32, -2), small(20, 3, 0));
    try testing.expect(std.mem.indexOf(u8, status.lastMessage(), "gemm: a") != null);
    // lda smaller than k.
    try testing.expectEqual(@as(i32, -1), small(24, 2, 0));
    try testing.expect(std.mem.indexOf(u8, status.lastMessage(), "lda") != null);
    // C offset pushes the last element out.
    try testing.expectEqual(@as(i32, -2), small(24, 3, 1));
    try testing.expectEqual(@as(i32, -1), small(24, 3, -1));
    // Bad dtype / transpose flag / negative size.
    try testing.expectEqual(@as(i32, -4), axon_gemm(1, 0, 0, 1, 2, 2, 3, 1, bytes(&a), 24, 0, 3, 0, bytes(&b), 24, 0, 2, 0, 0, bytes(&c), 16, 0, 2, 0));
    try testing.expect(std.mem.indexOf(u8, status.lastMessage(), "f64") != null);
    try testing.expectEqual(@as(i32, -4), axon_gemm(99, 0, 0, 1, 2, 2, 3, 1, bytes(&a), 24, 0, 3, 0, bytes(&b), 24, 0, 2, 0, 0, bytes(&c), 16, 0, 2, 0));
    try testing.expectEqual(@as(i32, -1), axon_gemm(0, 2, 0, 1, 2, 2, 3, 1, bytes(&a), 24, 0, 3, 0, bytes(&b), 24, 0, 2, 0, 0, bytes(&c), 16, 0, 2, 0));
    try testing.expectEqual(@as(i32, -1), axon_gemm(0, 0, 0, 1, -2, 2, 3, 1, bytes(&a), 24, 0, 3, 0, bytes(&b), 24, 0, 2, 0, 0, bytes(&c), 16, 0, 2, 0));
    // Transposed A (stored k×m = 3×2) needs lda >= m = 2: lda = 1 is rejected.
    try testing.expectEqual(@as(i32, -1), axon_gemm(0, 1, 0, 1, 2, 2, 3, 1, bytes(&a), 24, 0, 1, 0, bytes(&b), 24, 0, 2, 0, 0, bytes(&c), 16, 0, 2, 0));
    // Null pointer with a non-empty span.
    try testing.expectEqual(@as(i32, -1), axon_gemm(0, 0, 0, 1, 2, 2, 3, 1, null, 24, 0, 3, 0, bytes(&b), 24, 0, 2, 0, 0, bytes(&c), 16, 0, 2, 0));
    // A batch stride walks past the buffer; a broadcast (0) stride does not.
    var c2 = [_]f32{0} ** 8;
    try testing.expectEqual(@as(i32, -2), axon_gemm(0, 0, 0, 2, 2, 2, 3, 1, bytes(&a), 24, 0, 3, 6, bytes(&b), 24, 0, 2, 0, 0, bytes(&c2), 32, 0, 2, 4));
    try testing.expectEqual(@as(i32, 0), axon_gemm(0, 0, 0, 2, 2, 2, 3, 1, bytes(&a), 24, 0, 3, 0, bytes(&b), 24, 0, 2, 0, 0, bytes(&c2), 32, 0, 2, 4));
    try testing.expectEqualSlices(f32, &.{ 4, 5, 10, 11, 4, 5, 10, 11 }, &c2);
    // Overlapping outputs of a batch are rejected.
    try testing.expectEqual(@as(i32, -1), axon_gemm(0, 0, 0, 2, 2, 2, 3, 1, bytes(&a), 24, 0, 3, 0, bytes(&b), 24, 0, 2, 0, 0, bytes(&c2), 32, 0, 2, 0));
    // Spans that overflow 64 bits.
    const big: i64 = 1 << 40;
    try testing.expectEqual(@as(i32, -3), axon_gemm(0, 0, 0, 1, big, 2, big, 1, bytes(&a), 24, 0, big, 0, bytes(&b), 24, 0, 2, 0, 0, bytes(&c), 16, 0, 2, 0));
    try testing.expectEqual(@as(i32, -3), axon_gemm(0, 0, 0, big, 2, 2, 3, 1, bytes(&a), 24, 0, 3, big, bytes(&b), 24, 0, 2, 0, 0, bytes(&c), 16, 0, 2, 4));
    try testing.expectEqual(@as(i32, -2), axon_gemm(0, 0, 0, 1, 2, 2, 3, 1, bytes(&a), 24, std.math.maxInt(i64), 3, 0, bytes(&b), 24, 0, 2, 0, 0, bytes(&c), 16, 0, 2, 0));
}

test "axon_gemm on f16 and bf16 computes and validates with 2-byte elements" {
    const half = @import("../cpu/half.zig");
    inline for (.{ .{ @as(u32, 2), half.Format.f16 }, .{ @as(u32, 3), half.Format.bf16 } }) |dc| {
        const code = dc[0];
        const fmt = dc[1];
        var a: [6]u16 = undefined;
        for (&a, [_]f32{ 1, 2, 3, 4, 5, 6 }) |*h, v| h.* = half.fromF32(fmt, v);
        var b: [6]u16 = undefined;
        for (&b, [_]f32{ 1, 0, 0, 1, 1, 1 }) |*h, v| h.* = half.fromF32(fmt, v);
        var c = [_]u16{ 0x7E00, 0x7E00, 0x7E00, 0x7E00, 0x1234 };
        const pa: ?[*]u8 = @ptrCast(&a);
        const pb: ?[*]u8 = @ptrCast(&b);
        const pc: ?[*]u8 = @ptrCast(&c);
        try testing.expectEqual(@as(i32, 0), axon_gemm(code, 0, 0, 1, 2, 2, 3, 1, pa, 12, 0, 3, 0, pb, 12, 0, 2, 0, 0, pc, 8, 0, 2, 0));
        for (c[0..4], [_]f32{ 4, 5, 10, 11 }) |h, v| try testing.expectEqual(v, half.toF32(fmt, h));
        try testing.expectEqual(@as(u16, 0x1234), c[4]);
        // beta = 0.5 with alpha = 2: C = 2·AB + 0.5·C.
        try testing.expectEqual(@as(i32, 0), axon_gemm(code, 0, 0, 1, 2, 2, 3, 2, pa, 12, 0, 3, 0, pb, 12, 0, 2, 0, 0.5, pc, 8, 0, 2, 0));
        for (c[0..4], [_]f32{ 10, 12.5, 25, 27.5 }) |h, v| try testing.expectEqual(v, half.toF32(fmt, h));
        // Bounds use 2-byte elements: A one element short, C offset past the end.
        try testing.expectEqual(@as(i32, -2), axon_gemm(code, 0, 0, 1, 2, 2, 3, 1, pa, 10, 0, 3, 0, pb, 12, 0, 2, 0, 0, pc, 8, 0, 2, 0));
        try testing.expect(std.mem.indexOf(u8, status.lastMessage(), "gemm: a") != null);
        try testing.expectEqual(@as(i32, -2), axon_gemm(code, 0, 0, 1, 2, 2, 3, 1, pa, 12, 0, 3, 0, pb, 12, 0, 2, 0, 0, pc, 8, 1, 2, 0));
        try testing.expectEqual(@as(i32, 0), axon_gemm(code, 0, 0, 1, 2, 2, 3, 1, pa, 12, 0, 3, 0, pb, 12, 0, 2, 0, 0, pc, 10, 1, 2, 0));
        try testing.expectEqual(@as(i32, -1), axon_gemm(code, 0, 0, 1, 2, 2, 3, 1, pa, 12, 0, 2, 0, pb, 12, 0, 2, 0, 0, pc, 8, 0, 2, 0));
        // Batch strides: walking past A is rejected, overlapping outputs too, broadcast is fine.
        var c2 = [_]u16{0} ** 8;
        const pc2: ?[*]u8 = @ptrCast(&c2);
        try testing.expectEqual(@as(i32, -2), axon_gemm(code, 0, 0, 2, 2, 2, 3, 1, pa, 12, 0, 3, 6, pb, 12, 0, 2, 0, 0, pc2, 16, 0, 2, 4));
        try testing.expectEqual(@as(i32, -1), axon_gemm(code, 0, 0, 2, 2, 2, 3, 1, pa, 12, 0, 3, 0, pb, 12, 0, 2, 0, 0, pc2, 16, 0, 2, 0));
        try testing.expectEqual(@as(i32, 0), axon_gemm(code, 0, 0, 2, 2, 2, 3, 1, pa, 12, 0, 3, 0, pb, 12, 0, 2, 0, 0, pc2, 16, 0, 2, 4));
        for (c2, [_]f32{ 4, 5, 10, 11, 4, 5, 10, 11 }) |h, v| try testing.expectEqual(v, half.toF32(fmt, h));
        // A misaligned (odd) pointer is rejected.
        const odd: ?[*]u8 = @ptrFromInt(@intFromPtr(pa.?) + 1);
        try testing.expectEqual(@as(i32, -1), axon_gemm(code, 0, 0, 1, 1, 1, 1, 1, odd, 4, 0, 1, 0, pb, 12, 0, 2, 0, 0, pc, 8, 0, 2, 0));
    }
    // Other dtypes are still refused.
    try testing.expectEqual(@as(i32, -4), axon_gemm(4, 0, 0, 1, 1, 1, 1, 1, null, 0, 0, 1, 0, null, 0, 0, 1, 0, 0, null, 0, 0, 1, 0));
    try testing.expect(std.mem.indexOf(u8, status.lastMessage(), "i32") != null);
}
