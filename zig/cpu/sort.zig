//! Sorting and scanning kernels (see zig/ABI.md, "ops A additions"):
//!
//! - `argsort`: for each row of a contiguous `[rows, n]` tensor, the permutation that sorts it,
//!   stably (equal values keep their order), NaN ordered as the largest value (PyTorch's rule:
//!   last when ascending, first when descending). `-0.0` and `0.0` are equal.
//! - `scan`: inclusive cumulative sum or product along the middle axis of `[outer, r, inner]`,
//!   forwards or backwards (a reverse cumsum is cumsum's gradient). f32 accumulates in f64, as
//!   PyTorch's CPU kernels do (`acc_type<float>` is double).
//! - `cumprodBackward`: the gradient of cumprod that stays exact with zeros in the input
//!   (PyTorch's rule: division by x only before the first zero of a line, the first zero's own
//!   term recomputed, zero after it).
//!
//! Work is split over independent rows/lines only, each computed in a fixed order, so results are
//! bitwise deterministic for any thread count. Nothing here allocates: argsort sorts the caller's
//! index buffer in place with a block (WikiSort) merge sort.
const std = @import("std");
const pool = @import("pool.zig");

/// Elements of work per parallel chunk (below this a kernel stays on the calling thread).
const grain: usize = 16384;

fn isNan(comptime T: type, v: T) bool {
    return switch (@typeInfo(T)) {
        .float => v != v,
        else => false,
    };
}

fn SortCtx(comptime T: type, comptime descending: bool) type {
    return struct {
        row: []const T,
        fn less(self: @This(), a: i32, b: i32) bool {
            const x = self.row[@intCast(a)];
            const y = self.row[@intCast(b)];
            const xn = isNan(T, x);
            const yn = isNan(T, y);
            // NaN is the largest value; two NaNs are equal (stability keeps their order).
            if (descending) return (xn and !yn) or (!xn and !yn and x > y);
            return (!xn and yn) or (!xn and !yn and x < y);
        }
    };
}

/// Writes into `idx` (contiguous `[rows, n]`, i32) the stable sorting permutation of each row of
/// `x`. Cost: O(n log n) comparisons per row, no allocation.
pub fn argsort(comptime T: type, descending: bool, rows: usize, n: usize, x: []const T, idx: []i32) void {
    const Body = struct {
        const Ctx = struct { x: []const T, idx: []i32, n: usize, descending: bool };
        fn run(c: Ctx, begin: usize, end: usize) void {
            for (begin..end) |r| {
                const row = c.x[r * c.n ..][0..c.n];
                const out = c.idx[r * c.n ..][0..c.n];
                for (out, 0..) |*o, i| o.* = @intCast(i);
                if (c.descending) {
                    std.sort.block(i32, out, SortCtx(T, true){ .row = row }, SortCtx(T, true).less);
                } else {
                    std.sort.block(i32, out, SortCtx(T, false){ .row = row }, SortCtx(T, false).less);
                }
            }
        }
    };
    if (n == 0) return;
    pool.parallelFor(rows, @max(1, grain / (n * 8)), Body.Ctx{ .x = x, .idx = idx, .n = n, .descending = descending }, Body.run);
}

/// The selection algorithms of libstdc++ (`std::nth_element`, `std::sort`, `std::partial_sort`),
/// step for step, on an index array whose order is decided by `comp` over the row's values. PyTorch's
/// CPU topk runs exactly these on (value, index) pairs, so equal values come out in the same order
/// as in PyTorch (e.g. `[2, 4, 0]` for three tied maxima at 0, 2, 4), which no stable rule gives.
fn Stl(comptime T: type, comptime largest: bool) type {
    return struct {
        row: []const T,
        a: []i32,

        const Self = @This();
        const threshold = 16; // libstdc++'s _S_threshold

        fn comp(self: Self, x: i32, y: i32) bool {
            const u = self.row[@intCast(x)];
            const v = self.row[@intCast(y)];
            // PyTorch's topk comparators: NaN is the top value.
            if (largest) return (isNan(T, u) and !isNan(T, v)) or u > v;
            return (!isNan(T, u) and isNan(T, v)) or u < v;
        }

        fn swap(self: Self, i: usize, j: usize) void {
            std.mem.swap(i32, &self.a[i], &self.a[j]);
        }

        fn lg(n: usize) usize {
            return std.math.log2_int(usize, n);
        }

        fn unguardedLinearInsert(self: Self, at: usize) void {
            const val = self.a[at];
            var last = at;
            var next = at -% 1; // the sentinel before `first` stops the loop first
            while (self.comp(val, self.a[next])) {
                self.a[last] = self.a[next];
                last = next;
                next -%= 1;
            }
            self.a[last] = val;
        }

        fn insertionSort(self: Self, first: usize, last: usize) void {
            if (first == last) return;
            var i = first + 1;
            while (i != last) : (i += 1) {
                if (self.comp(self.a[i], self.a[first])) {
                    const val = self.a[i];
                    std.mem.copyBackwards(i32, self.a[first + 1 .. i + 1], self.a[first..i]);
                    self.a[first] = val;
                } else self.unguardedLinearInsert(i);
            }
        }

        fn moveMedianToFirst(self: Self, result: usize, x: usize, y: usize, z: usize) void {
            const a = self.a;
            if (self.comp(a[x], a[y])) {
                if (self.comp(a[y], a[z])) self.swap(result, y) else if (self.comp(a[x], a[z])) self.swap(result, z) else self.swap(result, x);
            } else if (self.comp(a[x], a[z])) self.swap(result, x) else if (self.comp(a[y], a[z])) self.swap(result, z) else self.swap(result, y);
        }

        fn unguardedPartition(self: Self, first_in: usize, last_in: usize, pivot: usize) usize {
            var first = first_in;
            var last = last_in;
            while (true) {
                while (self.comp(self.a[first], self.a[pivot])) first += 1;
                last -= 1;
                while (self.comp(self.a[pivot], self.a[last])) last -= 1;
                if (!(first < last)) return first;
                self.swap(first, last);
                first += 1;
            }
        }

        fn unguardedPartitionPivot(self: Self, first: usize, last: usize) usize {
            const mid = first + (last - first) / 2;
            self.moveMedianToFirst(first, first + 1, mid, last - 1);
            return self.unguardedPartition(first + 1, last, first);
        }

        fn pushHeap(self: Self, first: usize, hole_in: usize, top: usize, value: i32) void {
            var hole = hole_in;
            var parent = if (hole > 0) (hole - 1) / 2 else 0;
            while (hole > top and self.comp(self.a[first + parent], value)) {
                self.a[first + hole] = self.a[first + parent];
                hole = parent;
                parent = if (hole > 0) (hole - 1) / 2 else 0;
            }
            self.a[first + hole] = value;
        }

        fn adjustHeap(self: Self, first: usize, hole_in: usize, len: usize, value: i32) void {
            var hole = hole_in;
            const top = hole_in;
            var second = hole_in;
            while (second < (len - 1) / 2) {
                second = 2 * (second + 1);
                if (self.comp(self.a[first + second], self.a[first + second - 1])) second -= 1;
                self.a[first + hole] = self.a[first + second];
                hole = second;
            }
            if (len & 1 == 0 and second == (len - 2) / 2) {
                second = 2 * (second + 1);
                self.a[first + hole] = self.a[first + second - 1];
                hole = second - 1;
            }
            self.pushHeap(first, hole, top, value);
        }

        fn makeHeap(self: Self, first: usize, last: usize) void {
            if (last - first < 2) return;
            const len = last - first;
            var parent = (len - 2) / 2;
            while (true) {
                self.adjustHeap(first, parent, len, self.a[first + parent]);
                if (parent == 0) return;
                parent -= 1;
            }
        }

        fn popHeap(self: Self, first: usize, last: usize, result: usize) void {
            const value = self.a[result];
            self.a[result] = self.a[first];
            self.adjustHeap(first, 0, last - first, value);
        }

        fn heapSelect(self: Self, first: usize, middle: usize, last: usize) void {
            self.makeHeap(first, middle);
            var i = middle;
            while (i < last) : (i += 1) {
                if (self.comp(self.a[i], self.a[first])) self.popHeap(first, middle, i);
            }
        }

        fn sortHeap(self: Self, first: usize, last_in: usize) void {
            var last = last_in;
            while (last - first > 1) {
                last -= 1;
                self.popHeap(first, last, last);
            }
        }

        /// std::partial_sort(first, middle, last).
        fn partialSort(self: Self, first: usize, middle: usize, last: usize) void {
            self.heapSelect(first, middle, last);
            self.sortHeap(first, middle);
        }

        /// std::nth_element(first, nth, last).
        fn nthElement(self: Self, first_in: usize, nth: usize, last_in: usize) void {
            if (first_in == last_in or nth == last_in) return;
            var first = first_in;
            var last = last_in;
            var depth = lg(last - first) * 2;
            while (last - first > 3) {
                if (depth == 0) {
                    self.heapSelect(first, nth + 1, last);
                    self.swap(first, nth);
                    return;
                }
                depth -= 1;
                const cut = self.unguardedPartitionPivot(first, last);
                if (cut <= nth) first = cut else last = cut;
            }
            self.insertionSort(first, last);
        }

        fn introsortLoop(self: Self, first: usize, last_in: usize, depth_in: usize) void {
            var last = last_in;
            var depth = depth_in;
            while (last - first > threshold) {
                if (depth == 0) {
                    self.partialSort(first, last, last);
                    return;
                }
                depth -= 1;
                const cut = self.unguardedPartitionPivot(first, last);
                self.introsortLoop(cut, last, depth);
                last = cut;
            }
        }

        /// std::sort(first, last).
        fn sort(self: Self, first: usize, last: usize) void {
            if (first == last) return;
            self.introsortLoop(first, last, lg(last - first) * 2);
            if (last - first > threshold) {
                self.insertionSort(first, first + threshold);
                var i = first + threshold;
                while (i != last) : (i += 1) self.unguardedLinearInsert(i);
            } else self.insertionSort(first, last);
        }

        /// PyTorch's topk_impl_loop on one row: the first k entries of `a` become the indices.
        fn topk(self: Self, k: usize, sorted: bool) void {
            for (self.a, 0..) |*v, i| v.* = @intCast(i);
            const n = self.a.len;
            if (k == 0) return;
            if (k * 64 <= n) {
                self.partialSort(0, k, n);
            } else {
                self.nthElement(0, k - 1, n);
                if (sorted) self.sort(0, k - 1);
            }
        }
    };
}

/// For each row of contiguous `[rows, n]` x, fills the row of `idx` (contiguous `[rows, n]`, i32
/// scratch) so that its first k entries are PyTorch's topk indices, in PyTorch's order (its CPU
/// algorithm: `partial_sort` when `k·64 ≤ n`, else `nth_element` then, if sorted, `sort` of the
/// first k − 1). The rest of each row is left in the algorithm's order. O(n log n) per row at worst.
pub fn topk(comptime T: type, largest: bool, sorted: bool, rows: usize, n: usize, k: usize, x: []const T, idx: []i32) void {
    const Body = struct {
        const Ctx = struct { x: []const T, idx: []i32, n: usize, k: usize, largest: bool, sorted: bool };
        fn run(c: Ctx, begin: usize, end: usize) void {
            for (begin..end) |r| {
                const row = c.x[r * c.n ..][0..c.n];
                const out = c.idx[r * c.n ..][0..c.n];
                if (c.largest) {
                    (Stl(T, true){ .row = row, .a = out }).topk(c.k, c.sorted);
                } else {
                    (Stl(T, false){ .row = row, .a = out }).topk(c.k, c.sorted);
                }
            }
        }
    };
    if (n == 0) return;
    pool.parallelFor(rows, @max(1, grain / (n * 8)), Body.Ctx{ .x = x, .idx = idx, .n = n, .k = k, .largest = largest, .sorted = sorted }, Body.run);
}

/// Scan operations.
pub const ScanOp = enum(u32) { cumsum = 0, cumprod = 1 };

fn Acc(comptime T: type) type {
    return if (T == f32) f64 else T;
}

/// Inclusive scan of each line `x[o, :, i]` into `y[o, :, i]` (y may alias x). Integer sums and
/// products wrap (the caller widens to i64 first, as PyTorch does).
pub fn scan(comptime T: type, op: ScanOp, reverse: bool, outer: usize, r: usize, inner: usize, x: []const T, y: []T) void {
    const Body = struct {
        const Ctx = struct { x: []const T, y: []T, r: usize, inner: usize, op: ScanOp, reverse: bool };
        fn run(c: Ctx, begin: usize, end: usize) void {
            for (begin..end) |line| {
                const o = line / c.inner;
                const i = line % c.inner;
                const base = o * c.r * c.inner + i;
                var acc: Acc(T) = if (c.op == .cumsum) 0 else 1;
                for (0..c.r) |step| {
                    const k = if (c.reverse) c.r - 1 - step else step;
                    const at = base + k * c.inner;
                    const v: Acc(T) = c.x[at];
                    if (comptime @typeInfo(T) == .int) {
                        acc = if (c.op == .cumsum) acc +% v else acc *% v;
                    } else {
                        acc = if (c.op == .cumsum) acc + v else acc * v;
                    }
                    c.y[at] = if (T == f32) @floatCast(acc) else acc;
                }
            }
        }
    };
    if (r == 0) return;
    const ctx = Body.Ctx{ .x = x, .y = y, .r = r, .inner = inner, .op = op, .reverse = reverse };
    pool.parallelFor(outer * inner, @max(1, grain / r), ctx, Body.run);
}

/// `dx` for `y = cumprod(x)` along the middle axis, given `g = dL/dy`. Per line with first zero
/// at `z` (or none): `dx_k = Σ_{j≥k, j<z} g_j·y_j / x_k` for `k < z`;
/// `dx_z = Σ_{j≥z} g_j·y_{z−1}·Π_{z<i≤j} x_i`; `dx_k = 0` for `k > z`. O(r) per line.
pub fn cumprodBackward(comptime T: type, outer: usize, r: usize, inner: usize, x: []const T, g: []const T, dx: []T) void {
    const Body = struct {
        const Ctx = struct { x: []const T, g: []const T, dx: []T, r: usize, inner: usize };
        fn run(c: Ctx, begin: usize, end: usize) void {
            const A = Acc(T);
            for (begin..end) |line| {
                const o = line / c.inner;
                const i = line % c.inner;
                const base = o * c.r * c.inner + i;
                const at = struct {
                    fn f(b: usize, k: usize, s: usize) usize {
                        return b + k * s;
                    }
                }.f;
                var z: usize = c.r;
                var prefix: A = 1; // product of x before the first zero, i.e. y_{z-1}
                for (0..c.r) |k| {
                    const v: A = c.x[at(base, k, c.inner)];
                    if (v == 0) {
                        z = k;
                        break;
                    }
                    prefix *= v;
                }
                // k < z: reverse cumsum of g_j·y_j over j < z, divided by x_k.
                if (z > 0) {
                    var prods: A = 1;
                    // y_j recomputed forwards; accumulate backwards needs y_j, so first store g_j·y_j in dx.
                    for (0..z) |k| {
                        prods *= @as(A, c.x[at(base, k, c.inner)]);
                        const gy = @as(A, c.g[at(base, k, c.inner)]) * prods;
                        c.dx[at(base, k, c.inner)] = if (T == f32) @floatCast(gy) else gy;
                    }
                    var tail: A = 0;
                    var k = z;
                    while (k > 0) {
                        k -= 1;
                        const p = at(base, k, c.inner);
                        tail += if (T == f32) @as(A, c.dx[p]) else c.dx[p];
                        const val = tail / @as(A, c.x[p]);
                        c.dx[p] = if (T == f32) @floatCast(val) else val;
                    }
                }
                if (z < c.r) {
                    var q: A = prefix;
                    var sum: A = 0;
                    for (z..c.r) |j| {
                        if (j > z) q *= @as(A, c.x[at(base, j, c.inner)]);
                        sum += @as(A, c.g[at(base, j, c.inner)]) * q;
                    }
                    c.dx[at(base, z, c.inner)] = if (T == f32) @floatCast(sum) else sum;
                    for (z + 1..c.r) |j| c.dx[at(base, j, c.inner)] = 0;
                }
            }
        }
    };
    if (r == 0) return;
    pool.parallelFor(outer * inner, @max(1, grain / r), Body.Ctx{ .x = x, .g = g, .dx = dx, .r = r, .inner = inner }, Body.run);
}

const testing = std.testing;

test "argsort is stable and puts NaN last ascending, first descending" {
    const nan = std.math.nan(f32);
    const x = [_]f32{ 3, nan, 1, 3, -0.0, 0.0, nan, 1 };
    var idx: [8]i32 = undefined;
    argsort(f32, false, 1, 8, &x, &idx);
    try testing.expectEqualSlices(i32, &.{ 4, 5, 2, 7, 0, 3, 1, 6 }, &idx);
    argsort(f32, true, 1, 8, &x, &idx);
    try testing.expectEqualSlices(i32, &.{ 1, 6, 0, 3, 2, 7, 4, 5 }, &idx);
}

test "topk reproduces libstdc++'s selection order on ties" {
    // PyTorch 2.13: torch.topk(tensor([5,1,5,1,5] + [2]*25), 4) → indices [2, 4, 0, 20]
    var y: [30]f32 = undefined;
    for (&y) |*v| v.* = 2;
    y[0] = 5;
    y[1] = 1;
    y[2] = 5;
    y[3] = 1;
    y[4] = 5;
    var idx: [30]i32 = undefined;
    topk(f32, true, true, 1, 30, 4, &y, &idx);
    try testing.expectEqualSlices(i32, &.{ 2, 4, 0, 20 }, idx[0..4]);
    topk(f32, false, true, 1, 30, 4, &y, &idx);
    try testing.expectEqualSlices(i32, &.{ 1, 3, 20, 19 }, idx[0..4]);
}

test "scan forwards and backwards; cumprod backward with zeros matches the sum of products" {
    const x = [_]f64{ 2, 3, 0, 5, 0, 7 };
    var y: [6]f64 = undefined;
    scan(f64, .cumsum, false, 1, 6, 1, &x, &y);
    try testing.expectEqualSlices(f64, &.{ 2, 5, 5, 10, 10, 17 }, &y);
    scan(f64, .cumsum, true, 1, 6, 1, &x, &y);
    try testing.expectEqualSlices(f64, &.{ 17, 15, 12, 12, 7, 7 }, &y);
    scan(f64, .cumprod, false, 2, 3, 1, &x, &y);
    try testing.expectEqualSlices(f64, &.{ 2, 6, 0, 5, 0, 0 }, &y);
    // Brute force: dx_k = Σ_{j≥k} g_j Π_{i≤j, i≠k} x_i.
    const g = [_]f64{ 1, -2, 3, 0.5, 4, -1 };
    var dx: [6]f64 = undefined;
    cumprodBackward(f64, 1, 6, 1, &x, &g, &dx);
    for (0..6) |k| {
        var want: f64 = 0;
        for (k..6) |j| {
            var p: f64 = 1;
            for (0..j + 1) |i| {
                if (i != k) p *= x[i];
            }
            want += g[j] * p;
        }
        try testing.expectApproxEqAbs(want, dx[k], 1e-12);
    }
}
