/**
 * Prints (when run as a program) or returns the hex bytes of a seeded augmented MNIST batch;
 * transforms_test.ts compares them across Deno and Bun.
 */
import { Compose, manualSeed, MNIST, Normalize, RandomCrop, RandomHorizontalFlip, RandomRotation } from "../../mod.ts";

/** SHA-free fingerprint: the hex of every byte of a batch of 8 augmented digits (seed 123). */
export function augmentedBytes(): string {
  manualSeed(123);
  const augment = new Compose([
    new RandomCrop(28, { padding: 3 }),
    new RandomHorizontalFlip(),
    new RandomRotation(25, { interpolation: "bilinear" }),
    new Normalize([0.1307], [0.3081]),
  ]);
  const ds = MNIST.npmDigits(false, { transform: augment });
  const [x] = ds.getBatch(Int32Array.of(0, 1, 2, 3, 4, 5, 6, 7));
  const bytes = new Uint8Array((x.toArray() as Float32Array).buffer);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

if (import.meta.main) console.log(augmentedBytes());
