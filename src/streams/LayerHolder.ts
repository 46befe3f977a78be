// The layer hold applied to one simulcast consumer: the I/O side (mediasoup events, a timer,
// setPreferredLayers) of the pure policy in layerHold.ts.
import type * as ms from 'mediasoup/types';
import type { Logger } from '../log';
import { effectiveLayers, initialLayerHold, liftLayerHold, onLayerChange, type LayerHoldOptions, type LayerHoldState, type PreferredLayers } from './layerHold';

/**
 * The layer hold of one simulcast consumer (the policy is layerHold.ts): watches its spatial layer,
 * caps it with setPreferredLayers when the bandwidth estimate moves it down while the producer still
 * sends the layer it left, lifts the cap when the hold is up, and keeps the client's own preferred
 * layers. One timer at most, cleared by stop().
 */
export class LayerHolder {
  readonly #consumer: ms.Consumer;
  readonly #options: LayerHoldOptions;
  readonly #logger: Logger;
  /** The consumer's preferred layers as made (the highest it has): what applies without client or cap. */
  readonly #defaults: PreferredLayers;
  #client: PreferredLayers | null = null;
  #state: LayerHoldState = initialLayerHold();
  #spatial: number | null;
  #timer: NodeJS.Timeout | null = null;
  #stopped = false;

  constructor(consumer: ms.Consumer, options: LayerHoldOptions, logger: Logger) {
    this.#consumer = consumer;
    this.#options = options;
    this.#logger = logger;
    this.#defaults = consumer.preferredLayers ?? { spatialLayer: 255 };
    this.#spatial = consumer.currentLayers?.spatialLayer ?? null;
  }

  onLayers(layers: ms.ConsumerLayers | undefined): void {
    if (this.#stopped) return;
    const previous = this.#spatial;
    const current = layers?.spatialLayer ?? null;
    this.#spatial = current;
    if (previous === null || current === null || current >= previous) return;
    const now = Date.now();
    const before = this.#state;
    const allowed = effectiveLayers(before, this.#client, this.#defaults).spatialLayer;
    // The consumer's score carries the producer's per-layer scores: 0 once the publisher stopped
    // sending a layer (1.5 s without its packets).
    const producerSendsPrevious = (this.#consumer.score?.producerScores?.[previous] ?? 0) > 0;
    this.#state = onLayerChange(before, { previous, current, allowed, producerSendsPrevious, now }, this.#options);
    if (this.#state === before) return;
    this.#logger.info(
      { consumer: this.#consumer.id, from: previous, to: current, holdMs: this.#state.holdMs },
      'simulcast consumer moved down on bandwidth: held at its new layer',
    );
    this.#arm(this.#state.until - now);
    if (this.#state.cap !== before.cap) this.#apply();
  }

  async setClientLayers(layers: PreferredLayers): Promise<void> {
    this.#client = layers;
    await this.#consumer.setPreferredLayers(effectiveLayers(this.#state, this.#client, this.#defaults));
  }

  /** Lifts the hold, if any, and starts afresh (the next drop holds for the first hold again). */
  reset(): void {
    if (this.#stopped) return;
    const wasHeld = this.#state.cap !== null;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#state = initialLayerHold();
    if (wasHeld) this.#apply();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #arm(ms: number): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(
      () => {
        this.#timer = null;
        if (this.#stopped) return;
        this.#state = liftLayerHold(this.#state, Date.now());
        this.#logger.info({ consumer: this.#consumer.id }, 'simulcast consumer hold lifted');
        this.#apply();
      },
      Math.max(0, ms),
    );
  }

  #apply(): void {
    if (this.#stopped || this.#consumer.closed) return;
    this.#consumer.setPreferredLayers(effectiveLayers(this.#state, this.#client, this.#defaults)).catch((err: Error) => {
      if (!this.#consumer.closed) this.#logger.warn({ consumer: this.#consumer.id, err: err.message }, "could not set a held consumer's preferred layers");
    });
  }
}
