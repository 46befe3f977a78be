// The origin's relay pacing (issue 22, item 3): the relays' worker requests at most
// RELAY_WORKER_REQUESTS at a time, in order, and a stream's relays waiting for its publisher to settle.
import { RELAY_WORKER_REQUESTS, RelayGate } from '../../src/cluster/relayGate';
import { RELAY_SETTLE_MS, settleWait } from '../../src/cluster/relayPacing';

/** A task that resolves (or rejects) when the test says, recording when it started. */
function manual(started: number[], id: number) {
  let finish!: (fail?: boolean) => void;
  const task = () =>
    new Promise<number>((resolve, reject) => {
      started.push(id);
      finish = (fail) => (fail ? reject(new Error(`task ${id} failed`)) : resolve(id));
    });
  return { task, finish: (fail?: boolean) => finish(fail) };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('RelayGate', () => {
  test('runs at most its limit at once, the others in the order they came, each slot handed on as a task ends', async () => {
    const gate = new RelayGate(2);
    const started: number[] = [];
    const tasks = [0, 1, 2, 3, 4].map((i) => manual(started, i));
    // Settled as they end: a rejection is the caller's, seen here rather than left unhandled.
    const results = Promise.allSettled(tasks.map((t) => gate.run(t.task)));
    await tick();
    expect(started).toEqual([0, 1]);
    expect([gate.running, gate.waiting]).toEqual([2, 3]);
    tasks[1].finish();
    await tick();
    expect(started).toEqual([0, 1, 2]);
    tasks[0].finish(true); // a failure frees its slot too, and is the caller's
    await tick();
    expect(started).toEqual([0, 1, 2, 3]);
    tasks[2].finish();
    tasks[3].finish();
    await tick();
    tasks[4].finish();
    expect(await results).toEqual([
      { status: 'rejected', reason: new Error('task 0 failed') },
      ...[1, 2, 3, 4].map((value) => ({ status: 'fulfilled', value })),
    ]);
    expect([gate.running, gate.waiting]).toEqual([0, 0]);
  });

  test('a task arriving while a slot is handed over waits its turn rather than slipping in', async () => {
    const gate = new RelayGate(1);
    const started: number[] = [];
    const [a, b, c] = [0, 1, 2].map((i) => manual(started, i));
    void gate.run(a.task);
    void gate.run(b.task);
    await tick();
    a.finish();
    void gate.run(c.task); // comes before b has started, but after it in line
    await tick();
    expect(started).toEqual([0, 1]);
    b.finish();
    await tick();
    expect(started).toEqual([0, 1, 2]);
    c.finish();
  });

  test('the default limit is a small constant; a limit below 1 is refused', () => {
    expect(RELAY_WORKER_REQUESTS).toBeGreaterThanOrEqual(1);
    expect(RELAY_WORKER_REQUESTS).toBeLessThanOrEqual(4);
    expect(() => new RelayGate(0)).toThrow(RangeError);
  });
});

describe('settleWait', () => {
  test('waits until the last change is RELAY_SETTLE_MS old; nothing for a settled or unknown stream', () => {
    expect(settleWait(1000, 1000)).toBe(RELAY_SETTLE_MS);
    expect(settleWait(1000, 1010)).toBe(RELAY_SETTLE_MS - 10);
    expect(settleWait(1000, 1000 + RELAY_SETTLE_MS)).toBe(0);
    expect(settleWait(1000, 99999)).toBe(0);
    expect(settleWait(undefined, 1000)).toBe(0);
    expect(settleWait(1000, 1000, 0)).toBe(0);
  });
});
