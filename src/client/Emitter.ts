// A tiny typed event emitter for the browser SDK. Node's EventEmitter is not in the browser, and a
// listener that throws must not break the SDK's own state machine, so listener errors are caught
// and reported on the console instead of propagating.

export type EventMap = Record<string, unknown[]>;
type Listener<A extends unknown[]> = (...args: A) => void;
type AnyListener = (...args: unknown[]) => void;

export class Emitter<E extends EventMap> {
  #listeners = new Map<keyof E, Set<AnyListener>>();

  /** Adds a listener; returns `this` so calls chain like the WCS SDK's `.on().on()`. */
  on<K extends keyof E>(event: K, listener: Listener<E[K]>): this {
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, (set = new Set()));
    set.add(listener as unknown as AnyListener);
    return this;
  }

  off<K extends keyof E>(event: K, listener: Listener<E[K]>): this {
    this.#listeners.get(event)?.delete(listener as unknown as AnyListener);
    return this;
  }

  protected emit<K extends keyof E>(event: K, ...args: E[K]): void {
    for (const listener of [...(this.#listeners.get(event) ?? [])]) {
      try {
        (listener as unknown as Listener<E[K]>)(...args);
      } catch (err) {
        console.error(`[cdn-sdk] listener for "${String(event)}" threw`, err);
      }
    }
  }

  protected removeAllListeners(): void {
    this.#listeners.clear();
  }
}
