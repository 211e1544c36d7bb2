/**
 * Learning, during a synchronous loop, that the garbage collector freed an object.
 *
 * `FinalizationRegistry` calls back only when the event loop turns, and Axon's training and
 * evaluation loops are synchronous (the DataLoader is a plain iterator): bookkeeping that waits for
 * those callbacks piles up for as long as the loop runs. Both runtimes do, however, free native
 * memory given to the collector with a deallocator while the loop runs. A {@link DeathWatch}
 * hangs an 8-byte native "watch block" on each watched object; when the object is collected the
 * block's deallocator records its token natively (zig/cpu/death_watch.zig), and the watch reads
 * those records back ({@link DeathWatch.drain}) every few hundred registrations and whenever
 * asked, calling `onDeath` for each. Where no watch blocks exist it falls back to a
 * FinalizationRegistry.
 * @module
 */
import { watchBlock } from "../native/library.ts";
import { drainWatch, newWatchOwner } from "../native/runtime.ts";

/** One native owner id per realm (main thread or Worker), so realms never drain each other's tokens. */
const owner: number = newWatchOwner();

/**
 * What {@link DeathWatch.watch} returns. Whatever holds `keepAlive` is watched: when the last of
 * its holders is collected, so is `keepAlive`, and the watch reports the death.
 */
export interface Watched {
  /** The token to {@link DeathWatch.forget} when the object is released explicitly. */
  readonly token: number;
  /**
   * A native watch block (an 8-byte ArrayBuffer), or with the FinalizationRegistry fallback an
   * empty object registered there. Nothing but the watched objects may reference it.
   */
  readonly keepAlive: object;
}

/** Registrations between two automatic drains. */
const DRAIN_INTERVAL = 256;
/** Every live watch in this realm, for drains that must find tokens of any DeathWatch. */
const watches = new Set<DeathWatch<unknown>>();
/** Tokens are unique across the realm's watches (the native drain does not know which watch). */
let nextToken = 1;
let sinceDrain = 0;

/**
 * Calls `onDeath(held)` once for each watched object that was garbage-collected before it was
 * forgotten.
 */
export class DeathWatch<T> {
  readonly #onDeath: (held: T) => void;
  readonly #pending = new Map<number, T>();
  readonly #fallback: FinalizationRegistry<number>;
  readonly #blocks: typeof watchBlock | null;

  /**
   * A watch that reports collected objects to `onDeath`. `blocks` makes the native watch blocks
   * (the runtime's, by default); with `null` the watch uses a FinalizationRegistry.
   */
  constructor(onDeath: (held: T) => void, blocks: typeof watchBlock | null = watchBlock) {
    this.#onDeath = onDeath;
    this.#blocks = blocks;
    this.#fallback = new FinalizationRegistry((token) => this.#fire(token));
    watches.add(this as DeathWatch<unknown>);
  }

  /**
   * Starts a watch; `held` is what `onDeath` receives (it must not reference the watched
   * objects). Store the result's `keepAlive` on every object whose collection it should report.
   */
  watch(held: T): Watched {
    if (++sinceDrain >= DRAIN_INTERVAL) drainAll();
    let token = nextToken;
    while (this.#pending.has(token)) token = (token % 0xffffffff) + 1; // after 2^32 tokens, skip live ones
    nextToken = (token % 0xffffffff) + 1;
    this.#pending.set(token, held);
    const block = this.#blocks?.(owner, token);
    if (block !== undefined) return { token, keepAlive: block };
    const anchor = {};
    this.#fallback.register(anchor, token, anchor);
    return { token, keepAlive: anchor };
  }

  /** Stops a watch (its objects were released explicitly); their later collection is ignored. */
  forget(watched: Watched): void {
    this.#pending.delete(watched.token);
    if (!(watched.keepAlive instanceof ArrayBuffer)) this.#fallback.unregister(watched.keepAlive);
  }

  /** Objects watched and neither collected (as far as known) nor forgotten. */
  get pendingCount(): number {
    return this.#pending.size;
  }

  /** Runs `onDeath` for every object the collector has freed so far. */
  drain(): void {
    drainAll();
  }

  /** Reports `token`'s death when it is still pending here; returns whether it was. */
  #fire(token: number): boolean {
    const held = this.#pending.get(token);
    if (held === undefined) return false;
    this.#pending.delete(token);
    this.#onDeath(held);
    return true;
  }

  /** For the realm-wide drain. */
  static fire(token: number): void {
    for (const w of watches) if (w.#fire(token)) return;
  }
}

const drained = new Uint32Array(1024);

/** Reads every recorded death of this realm and reports it to the watch that holds its token. */
function drainAll(): void {
  sinceDrain = 0;
  for (;;) {
    const n = drainWatch(owner, drained);
    for (let i = 0; i < n; i++) DeathWatch.fire(drained[i]);
    if (n < drained.length) return;
  }
}
