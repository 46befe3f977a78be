// The relay session's decisions (src/cluster/relayGrace.ts): when an edge keeps an origin's relays
// through a blip of the control link, and what the origin restores after one.
import { graceExpired, notePipeBytes, reconcileHeld, sessionOnLink, silentPipes } from '../../src/cluster/relayGrace';

test('a pipe is active from its first sample and each time its received bytes change', () => {
  const first = notePipeBytes(undefined, 0, 1000);
  expect(first).toEqual({ bytes: 0, changedAt: 1000 });
  expect(notePipeBytes(first, 0, 1500)).toBe(first);
  expect(notePipeBytes(first, 1200, 1700)).toEqual({ bytes: 1200, changedAt: 1700 });
});

test('pipes silent for the silence time are dead, the others live', () => {
  const pipes = new Map([
    ['quiet', { bytes: 10, changedAt: 1000 }],
    ['busy', { bytes: 99, changedAt: 2400 }],
  ]);
  expect(silentPipes(pipes, 2499, 1500)).toEqual([]);
  expect(silentPipes(pipes, 2500, 1500)).toEqual(['quiet']);
  expect(silentPipes(pipes, 4000, 1500)).toEqual(['quiet', 'busy']);
  expect(silentPipes(new Map(), 4000, 1500)).toEqual([]);
});

test('the grace period runs from the moment the link went down', () => {
  expect(graceExpired(1000, 10_999, 10_000)).toBe(false);
  expect(graceExpired(1000, 11_000, 10_000)).toBe(true);
});

test('the same origin instance resumes its session; a new instance (a restart) replaces it', () => {
  expect(sessionOnLink(null, 'i1')).toBe('new');
  expect(sessionOnLink({ instanceId: 'i1' }, 'i1')).toBe('resume');
  expect(sessionOnLink({ instanceId: 'i1' }, 'i2')).toBe('replace');
});

test('what the origin listed and the edge no longer holds is restored; an answer to an older digest is ignored', () => {
  const snapshot = {
    seq: 7,
    pipes: new Set(['p1', 'p2']),
    relays: new Map([
      ['r1', 'cam1'],
      ['r2', 'cam2'],
      ['r3', 'cam3'],
    ]),
  };
  expect(reconcileHeld(snapshot, { seq: 7, pipes: ['p1', 'p2'], relayIds: ['r1', 'r2', 'r3'] })).toEqual({ missingPipes: [], missingRelays: [] });
  // The edge lost p2 (and the stream on it) and, alone, cam1; it holds r9, which the origin did not
  // list: the edge dropped that itself when it read the digest.
  expect(reconcileHeld(snapshot, { seq: 7, pipes: ['p1', 'p9'], relayIds: ['r2', 'r9'] })).toEqual({
    missingPipes: ['p2'],
    missingRelays: [
      { relayId: 'r1', stream: 'cam1' },
      { relayId: 'r3', stream: 'cam3' },
    ],
  });
  expect(reconcileHeld(snapshot, { seq: 6, pipes: [], relayIds: [] })).toBeNull();
  expect(reconcileHeld(null, { seq: 7, pipes: [], relayIds: [] })).toBeNull();
});
