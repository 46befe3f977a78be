import { setListenerErrorHandler, TypedEmitter } from '../../src/util/TypedEmitter';

class Emitter extends TypedEmitter<{ tick: [n: number]; done: [] }> {
  fire(n: number): void {
    this.emit('tick', n);
  }
}

test('a once listener runs on the first emit only', () => {
  const e = new Emitter();
  const seen: number[] = [];
  e.once('tick', (n) => seen.push(n));
  e.fire(1);
  e.fire(2);
  e.fire(3);
  expect(seen).toEqual([1]);
});

test('a once listener removed with off before the emit never runs', () => {
  const e = new Emitter();
  const seen: number[] = [];
  const listener = (n: number) => seen.push(n);
  e.once('tick', listener);
  e.off('tick', listener);
  e.fire(1);
  expect(seen).toEqual([]);
});

test('on listeners run on every emit, in order, next to a once listener', () => {
  const e = new Emitter();
  const seen: string[] = [];
  e.on('tick', (n) => seen.push(`on${n}`));
  e.once('tick', (n) => seen.push(`once${n}`));
  e.fire(1);
  e.fire(2);
  expect(seen).toEqual(['on1', 'once1', 'on2']);
});

test('a throwing once listener is reported, removed, and does not stop the others', () => {
  const errors: string[] = [];
  setListenerErrorHandler((event, err) => errors.push(`${event}: ${(err as Error).message}`));
  try {
    const e = new Emitter();
    const seen: number[] = [];
    e.once('tick', () => {
      throw new Error('boom');
    });
    e.on('tick', (n) => seen.push(n));
    e.fire(1);
    e.fire(2);
    expect(errors).toEqual(['tick: boom']);
    expect(seen).toEqual([1, 2]);
  } finally {
    setListenerErrorHandler((event, err) => process.stderr.write(`listener of "${event}" threw: ${String(err)}\n`));
  }
});
