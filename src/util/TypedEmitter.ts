// An EventEmitter with a typed event map whose listener errors are caught and logged instead of
// being thrown into the emitter (which, mid-way through a mediasoup callback, would lose them).
import { EventEmitter } from 'node:events';

type EventMap = Record<string, unknown[]>;

export type ListenerErrorHandler = (event: string, err: unknown) => void;

let onListenerError: ListenerErrorHandler = (event, err) => {
  // Replaced at start-up by index.ts with the root logger; this default keeps errors visible.
  process.stderr.write(`listener of "${event}" threw: ${(err as Error)?.stack ?? String(err)}\n`);
};

export function setListenerErrorHandler(handler: ListenerErrorHandler): void {
  onListenerError = handler;
}

export class TypedEmitter<E extends EventMap> {
  readonly #emitter = new EventEmitter();

  constructor() {
    this.#emitter.setMaxListeners(Infinity);
  }

  on<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): this {
    this.#emitter.on(event, listener as (...args: unknown[]) => void);
    return this;
  }

  once<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): this {
    this.#emitter.once(event, listener as (...args: unknown[]) => void);
    return this;
  }

  off<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): this {
    this.#emitter.off(event, listener as (...args: unknown[]) => void);
    return this;
  }

  protected emit<K extends keyof E & string>(event: K, ...args: E[K]): void {
    // rawListeners, not listeners: a `once` listener is stored as a wrapper that removes itself
    // when called; listeners() hands out the bare function, which would then run on every emit.
    // The copy also keeps a listener added or removed by another listener from changing this emit.
    for (const listener of this.#emitter.rawListeners(event)) {
      try {
        (listener as (...a: E[K]) => void)(...args);
      } catch (err) {
        onListenerError(event, err);
      }
    }
  }

  protected removeAllListeners(): void {
    this.#emitter.removeAllListeners();
  }
}
