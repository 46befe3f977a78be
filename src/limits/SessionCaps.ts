// Per-session caps on what a command-channel session holds at once: published streams, played
// streams, and media transports (each publish or play opens one; each holds media ports, which is
// what an anonymous client exhausted by publishing hundreds of empty streams). A slot is reserved
// before the work starts, so requests sent together cannot slip past the cap. Pure.
import { AppError } from '../errors';

export interface SessionCapsOptions {
  /** `limits.session.publishes`. */
  publishes: number;
  /** `limits.session.plays`. */
  plays: number;
  /** `limits.session.transports`. */
  transports: number;
}

export type CapKind = 'publish' | 'play';

export class SessionCaps {
  readonly #options: SessionCapsOptions;
  readonly #held = { publish: 0, play: 0 };

  constructor(options: SessionCapsOptions) {
    this.#options = options;
  }

  get transports(): number {
    return this.#held.publish + this.#held.play;
  }

  /**
   * Reserves one transport of the kind; returns its release (idempotent). Throws LIMIT_REACHED
   * naming the cap and its key when the session holds as many as it may.
   */
  reserve(kind: CapKind): () => void {
    const cap = kind === 'publish' ? this.#options.publishes : this.#options.plays;
    if (this.#held[kind] >= cap) {
      const key = kind === 'publish' ? 'limits.session.publishes' : 'limits.session.plays';
      throw new AppError('LIMIT_REACHED', `this session already ${kind === 'publish' ? 'publishes' : 'plays'} ${cap} streams (${key})`);
    }
    if (this.transports >= this.#options.transports) {
      throw new AppError('LIMIT_REACHED', `this session already holds ${this.#options.transports} media transports (limits.session.transports)`);
    }
    this.#held[kind] += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#held[kind] -= 1;
    };
  }
}
