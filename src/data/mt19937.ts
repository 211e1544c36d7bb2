/**
 * PyTorch's CPU generator: the 32-bit Mersenne Twister (`at::mt19937`, the same sequence as
 * C++'s `std::mt19937`) seeded as `torch.Generator().manual_seed(seed)` seeds it, and
 * `torch.randperm(n, generator=g)` on top — so samplers that must split data exactly as PyTorch
 * does (DistributedSampler) can reproduce its permutations.
 * @module
 */

const N = 624;
const M = 397;

/** `at::mt19937`: `next()` returns the next 32-bit output (PyTorch's `generator->random()`). */
export class Mt19937 {
  #state = new Uint32Array(N);
  #index = N;

  /** Seeds as `torch.Generator().manual_seed(seed)`: the low 32 bits of the seed. */
  constructor(seed: number | bigint) {
    const s = Number(BigInt.asUintN(32, BigInt(seed)));
    const st = this.#state;
    st[0] = s;
    for (let j = 1; j < N; j++) {
      const prev = st[j - 1] ^ (st[j - 1] >>> 30);
      // 1812433253 · prev + j mod 2³², split to stay exact in doubles.
      st[j] = (((((prev & 0xffff0000) >>> 16) * 1812433253) << 16) + (prev & 0x0000ffff) * 1812433253 + j) >>> 0;
    }
  }

  /** The next 32-bit output. */
  next(): number {
    const st = this.#state;
    if (this.#index >= N) {
      for (let k = 0; k < N; k++) {
        const y = (st[k] & 0x80000000) | (st[(k + 1) % N] & 0x7fffffff);
        st[k] = st[(k + M) % N] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      this.#index = 0;
    }
    let y = st[this.#index++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }
}

/** Largest `n` for which PyTorch uses the swap-with-`random() % (n - i)` algorithm reproduced here. */
export const RANDPERM_MAX = Math.floor(0xffffffff / 20) - 1;

/**
 * `torch.randperm(n, generator=torch.Generator().manual_seed(seed))` on the CPU: for each
 * `i < n - 1`, `z = random() % (n - i)` and swap elements `i` and `i + z`.
 *
 * @example
 * ```ts
 * torchRandperm(10, 5); // Int32Array [1, 4, 9, 6, 3, 5, 0, 2, 8, 7], as PyTorch 2.13
 * ```
 */
export function torchRandperm(n: number, seed: number | bigint): Int32Array {
  if (!Number.isSafeInteger(n) || n < 0 || n > RANDPERM_MAX) {
    throw new RangeError(`torchRandperm: n must be an integer in [0, ${RANDPERM_MAX}], got ${n}`);
  }
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  const g = new Mt19937(seed);
  for (let i = 0; i < n - 1; i++) {
    const z = g.next() % (n - i);
    const t = perm[i];
    perm[i] = perm[i + z];
    perm[i + z] = t;
  }
  return perm;
}
