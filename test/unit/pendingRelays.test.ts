// The gate of relay sockets before they authenticate (src/cluster/pendingRelays.ts).
import { EventEmitter } from 'node:events';
import { PendingRelays } from '../../src/cluster/pendingRelays';

class FakeSocket extends EventEmitter {
  destroyed = false;
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.emit('close');
  }
}

afterEach(() => jest.useRealTimers());

test('one address holds at most perAddress slots, all addresses at most total', () => {
  const gate = new PendingRelays({ perAddress: 2, total: 3, deadlineMs: 1000 });
  expect(typeof gate.admit(new FakeSocket(), 'a')).toBe('object');
  expect(typeof gate.admit(new FakeSocket(), 'a')).toBe('object');
  expect(gate.admit(new FakeSocket(), 'a')).toBe('address');
  expect(typeof gate.admit(new FakeSocket(), 'b')).toBe('object');
  expect(gate.admit(new FakeSocket(), 'c')).toBe('total');
  expect(gate.size).toBe(3);
});

test('a socket frees its slot when it closes or authenticates, once', () => {
  const gate = new PendingRelays({ perAddress: 1, total: 10, deadlineMs: 1000 });
  const first = new FakeSocket();
  const admitted = gate.admit(first, 'a');
  if (typeof admitted === 'string') throw new Error('refused');
  admitted.authenticated();
  admitted.authenticated();
  expect(gate.size).toBe(0);
  const second = new FakeSocket();
  expect(typeof gate.admit(second, 'a')).toBe('object');
  second.destroy();
  expect(gate.size).toBe(0);
  // The first socket closing later (it authenticated) frees nothing more.
  first.destroy();
  expect(gate.size).toBe(0);
  expect(typeof gate.admit(new FakeSocket(), 'a')).toBe('object');
});

test('a socket that does not authenticate by the deadline is destroyed; one that did is left alone', () => {
  jest.useFakeTimers();
  const timedOut: string[] = [];
  const gate = new PendingRelays({ perAddress: 5, total: 5, deadlineMs: 500, onDeadline: (a) => timedOut.push(a) });
  const silent = new FakeSocket();
  const good = new FakeSocket();
  gate.admit(silent, 'a');
  const admitted = gate.admit(good, 'a');
  if (typeof admitted === 'string') throw new Error('refused');
  admitted.authenticated();
  jest.advanceTimersByTime(499);
  expect(silent.destroyed).toBe(false);
  jest.advanceTimersByTime(1);
  expect(silent.destroyed).toBe(true);
  expect(good.destroyed).toBe(false);
  expect(timedOut).toEqual(['a']);
  expect(gate.size).toBe(0);
});
