// What one origin may tell another over a peer link: validated and bounded (peerProtocol.ts).
import { MAX_CLAIMS, parsePeerNotification, parsePeerRequest, streamEdgesAnswer } from '../../src/cluster/peerProtocol';

describe('peer link notifications', () => {
  test('claims, claim and release in their shapes', () => {
    expect(parsePeerNotification('claims', { claims: [{ stream: 'cam', gen: 1, at: 1700000000000 }] })).toEqual({
      method: 'claims',
      data: { claims: [{ stream: 'cam', gen: 1, at: 1700000000000 }] },
    });
    expect(parsePeerNotification('claim', { stream: 'cam', gen: 2, at: 5 })?.data).toEqual({ stream: 'cam', gen: 2, at: 5 });
    expect(parsePeerNotification('release', { stream: 'cam', gen: 2 })?.data).toEqual({ stream: 'cam', gen: 2 });
  });

  test('an origin id is never taken from the frame, a gen below 1, a bad name or an unknown method is refused (null, never a throw)', () => {
    expect(parsePeerNotification('claim', { stream: 'cam', gen: 1, at: 5, originId: 'someone-else' })).toBeNull();
    expect(parsePeerNotification('claim', { stream: 'cam', gen: 0, at: 5 })).toBeNull();
    expect(parsePeerNotification('claim', { stream: 'cam', gen: 1.5, at: 5 })).toBeNull();
    expect(parsePeerNotification('claim', { stream: '../x', gen: 1, at: 5 })).toBeNull();
    expect(parsePeerNotification('release', { stream: 'cam' })).toBeNull();
    expect(parsePeerNotification('relayDigest', {})).toBeNull();
    expect(parsePeerNotification('toString', {})).toBeNull();
    expect(parsePeerNotification('claims', null)).toBeNull();
  });

  test('a digest is bounded', () => {
    const claims = (n: number) => Array.from({ length: n }, (_, i) => ({ stream: `s${i}`, gen: 1, at: 1 }));
    expect(parsePeerNotification('claims', { claims: claims(MAX_CLAIMS) })).not.toBeNull();
    expect(parsePeerNotification('claims', { claims: claims(MAX_CLAIMS + 1) })).toBeNull();
    // At about 80 bytes a claim, a full digest stays under the relay link's 1 MiB frame limit.
    const bytes = JSON.stringify({
      method: 'claims',
      data: { claims: claims(MAX_CLAIMS).map((c) => ({ ...c, stream: 'x'.repeat(40), at: Date.now() })) },
    }).length;
    expect(bytes).toBeLessThan(1024 * 1024);
  });
});

describe('peer link requests', () => {
  test('ping and streamEdges; anything else is UNKNOWN_COMMAND, a bad one BAD_REQUEST', () => {
    expect(parsePeerRequest('ping', {})).toEqual({ method: 'ping', data: {} });
    expect(parsePeerRequest('streamEdges', { stream: 'cam' })).toEqual({ method: 'streamEdges', data: { stream: 'cam' } });
    expect(() => parsePeerRequest('relayStream', { stream: 'cam' })).toThrow(expect.objectContaining({ code: 'UNKNOWN_COMMAND' }));
    expect(() => parsePeerRequest('streamEdges', { stream: 'cam', extra: 1 })).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
    expect(() => parsePeerRequest('streamEdges', {})).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
  });

  test('the answer to streamEdges is checked on the asking side', () => {
    expect(streamEdgesAnswer.safeParse({ edges: ['edge1'] }).success).toBe(true);
    expect(streamEdgesAnswer.safeParse({ edges: [''] }).success).toBe(false);
    expect(streamEdgesAnswer.safeParse({ edges: 'edge1' }).success).toBe(false);
  });
});
