// WCS's `on(event, callback)`: one callback per event, and calling `on` again for the same event
// REPLACES the callback (WCS pages rely on that, e.g. `session.on(DISCONNECTED, function(){})` to
// silence a session before disconnecting it). A callback that throws is reported, not propagated,
// so one page bug cannot stall the SDK's state machine.
import { ERROR_INFO } from './constants';

export type Callback = (...args: never[]) => void;

export class Handlers {
  readonly #callbacks = new Map<string, Callback>();

  set(event: string, callback: Callback): void {
    if (!event) throw new TypeError(ERROR_INFO.EVENT_CANT_BE_NULL);
    if (typeof callback !== 'function') throw new TypeError(ERROR_INFO.CALLBACK_NEEDS_TO_BE_A_VALID_FUNCTION);
    this.#callbacks.set(event, callback);
  }

  fire(event: string, ...args: unknown[]): void {
    const callback = this.#callbacks.get(event) as ((...a: unknown[]) => void) | undefined;
    if (!callback) return;
    try {
      callback(...args);
    } catch (err) {
      console.error(`[flashphoner] the page's callback for "${event}" threw`, err);
    }
  }
}
