// The watchdog's verdict on a worker that answers its probe late: hung (kill and replace it) or
// busy (running and burning CPU: wait, up to the hard timeout).
import { probeVerdict, readProcSample } from '../../src/media/WorkerWatchdog';

const running = (cpuTicks: number) => ({ state: 'R', cpuTicks });

test('a worker stopped with SIGSTOP (state T) is hung', () => {
  expect(probeVerdict(running(100), { state: 'T', cpuTicks: 100 }, 1600, 15000)).toBe('hung');
  expect(probeVerdict(running(100), { state: 't', cpuTicks: 100 }, 1600, 15000)).toBe('hung');
});

test('a running worker whose CPU time has not moved since the probe was sent is hung (deadlocked)', () => {
  expect(probeVerdict(running(100), { state: 'S', cpuTicks: 100 }, 1600, 15000)).toBe('hung');
});

test('a running worker that keeps using CPU is busy, not hung, until the hard timeout', () => {
  expect(probeVerdict(running(100), running(180), 1600, 15000)).toBe('busy');
  expect(probeVerdict(running(100), running(180), 15000, 15000)).toBe('hung');
});

test('without /proc the deadline alone decides', () => {
  expect(probeVerdict(null, null, 1600, 15000)).toBe('hung');
});

test('/proc/<pid>/stat of this process reads as a live process with CPU time', () => {
  const sample = readProcSample(process.pid);
  expect(sample).not.toBeNull();
  expect(['R', 'S', 'D']).toContain(sample!.state);
  expect(sample!.cpuTicks).toBeGreaterThan(0);
  expect(readProcSample(2 ** 30)).toBeNull();
});
