// SilenceWatch and LinkHeartbeat (src/cluster/LinkHeartbeat.ts) with real timers and no sockets:
// when a peer counts as silent, and when a late timer means our own process stalled instead.
import pino from 'pino';
import { LinkHeartbeat, SilenceWatch } from '../../src/cluster/LinkHeartbeat';

const logger = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Keeps this process busy (no timer, no I/O) for `ms`, as a GC pause or starved CPU would. */
function stall(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // busy on purpose
  }
}

test('a watch that hears nothing calls onSilent once, after its timeout', async () => {
  const calls: number[] = [];
  const started = Date.now();
  const watch = new SilenceWatch({ timeoutMs: 150, onSilent: (ms) => calls.push(ms) });
  await sleep(400);
  watch.stop();
  expect(calls).toHaveLength(1);
  expect(calls[0]).toBeGreaterThanOrEqual(150);
  expect(Date.now() - started).toBeGreaterThanOrEqual(150);
});

test('a watch that keeps hearing its peer never calls onSilent', async () => {
  let silent = false;
  const watch = new SilenceWatch({ timeoutMs: 150, onSilent: () => (silent = true) });
  for (let i = 0; i < 8; i++) {
    await sleep(50);
    watch.heard();
  }
  watch.stop();
  expect(silent).toBe(false);
});

test("a stall of this process longer than the timeout is not taken for the peer's silence", async () => {
  let silent = false;
  const watch = new SilenceWatch({ timeoutMs: 150, onSilent: () => (silent = true) });
  stall(400);
  // The late timer gives the peer a new deadline; it is heard before that one.
  await sleep(60);
  watch.heard();
  await sleep(60);
  watch.heard();
  watch.stop();
  expect(silent).toBe(false);
});

test('a heartbeat whose pings are answered runs on; one whose answers stop calls onHung', async () => {
  let answer = true;
  let pings = 0;
  let hungAfter = -1;
  const started = Date.now();
  const heartbeat = new LinkHeartbeat({
    intervalMs: 30,
    timeoutMs: 200,
    logger,
    ping: () => {
      pings++;
      return answer ? Promise.resolve({}) : new Promise(() => undefined);
    },
    onHung: () => (hungAfter = Date.now() - started),
  });
  await sleep(300);
  expect(hungAfter).toBe(-1);
  expect(pings).toBeGreaterThanOrEqual(5);
  answer = false;
  const stoppedAt = Date.now() - started;
  await sleep(400);
  heartbeat.stop();
  expect(hungAfter - stoppedAt).toBeGreaterThanOrEqual(150);
  expect(hungAfter - stoppedAt).toBeLessThan(350);
  // No more pings once it called onHung.
  const count = pings;
  await sleep(100);
  expect(pings).toBe(count);
});
