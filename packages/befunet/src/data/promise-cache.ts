/**
 * A small least-recently-used cache of promises, for data sets that read files lazily: concurrent
 * requests for one key share one read, and a failed read is forgotten (so that it is retried).
 * Cached values are shared: callers must not change them (the augmentations never do).
 */
export class PromiseCache<K, V> {
  private readonly entries = new Map<K, Promise<V>>();

  /** Keeps the `capacity` most recent values; 0 keeps none, but still shares reads in flight. */
  constructor(private readonly capacity: number) {}

  /** The value of `key`, from the cache or from `load()`. */
  get(key: K, load: () => Promise<V>): Promise<V> {
    const cached = this.entries.get(key);
    if (cached) {
      // Re-insert: a Map iterates in insertion order, so the first key is the least recent.
      this.entries.delete(key);
      this.entries.set(key, cached);
      return cached;
    }
    const promise = load();
    this.entries.set(key, promise);
    const forget = () => {
      if (this.entries.get(key) === promise) this.entries.delete(key);
    };
    promise.then(() => {
      if (this.capacity === 0) forget();
    }, forget);
    while (this.capacity > 0 && this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value as K;
      this.entries.delete(oldest);
    }
    return promise;
  }
}
