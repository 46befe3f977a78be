// The streams of this node by name. The only place that decides whether a name is free; the
// cluster layer listens to its events to relay streams out (origin) and the REST API reads it.
import type * as ms from 'mediasoup/types';
import { AppError } from '../errors';
import { TypedEmitter } from '../util/TypedEmitter';
import { Stream, type StreamSource } from './Stream';

type Events = {
  add: [stream: Stream];
  remove: [stream: Stream];
};

export class StreamRegistry extends TypedEmitter<Events> {
  readonly #streams = new Map<string, Stream>();

  get size(): number {
    return this.#streams.size;
  }

  get(name: string): Stream | undefined {
    return this.#streams.get(name);
  }

  all(): Stream[] {
    return [...this.#streams.values()];
  }

  /** Registers a new stream; STREAM_NAME_TAKEN when the name is in use. */
  create(name: string, router: ms.Router, source: StreamSource): Stream {
    if (this.#streams.has(name)) throw new AppError('STREAM_NAME_TAKEN', `stream "${name}" is already published`);
    const stream = new Stream(name, router, source);
    this.#streams.set(name, stream);
    stream.once('close', () => {
      if (this.#streams.get(name) === stream) this.#streams.delete(name);
      this.emit('remove', stream);
    });
    this.emit('add', stream);
    return stream;
  }

  closeAll(): void {
    for (const stream of [...this.#streams.values()]) stream.close();
  }
}
