// The relay handshake's proofs (src/cluster/secret.ts): bound to the secret, the role, the TLS
// session's exported keying material, both nonces and the prover's ids; any one of them different
// and the proof fails.
import { randomBytes } from 'node:crypto';
import { newNonce, relayProof, relayProofMatches, type HandshakeTranscript } from '../../src/cluster/secret';

const SECRET = 'a-long-shared-cluster-secret';
const transcript = (): HandshakeTranscript => ({ binding: randomBytes(32), originNonce: newNonce(), edgeNonce: newNonce() });

test('a proof checks with the same secret, role, session, nonces and ids', () => {
  const t = transcript();
  const proof = relayProof(SECRET, 'edge', t, ['edge1']);
  expect(proof).toMatch(/^[\w-]{43}$/);
  expect(relayProofMatches(SECRET, 'edge', t, ['edge1'], proof)).toBe(true);
});

test('another TLS session (a man in the middle has one with each side) fails', () => {
  const t = transcript();
  const proof = relayProof(SECRET, 'origin', t, ['origin', 'i1']);
  expect(relayProofMatches(SECRET, 'origin', { ...t, binding: randomBytes(32) }, ['origin', 'i1'], proof)).toBe(false);
  // A plain link's proof is not one over a TLS session, nor the other way round.
  expect(relayProofMatches(SECRET, 'origin', { ...t, binding: null }, ['origin', 'i1'], proof)).toBe(false);
});

test('a wrong secret fails, and no secret never proves anything', () => {
  const t = transcript();
  expect(relayProofMatches(SECRET, 'edge', t, ['edge1'], relayProof('another-secret', 'edge', t, ['edge1']))).toBe(false);
  expect(relayProof('', 'edge', t, ['edge1'])).toBe('');
  expect(relayProofMatches('', 'edge', t, ['edge1'], '')).toBe(false);
  expect(relayProofMatches('', 'edge', t, ['edge1'], relayProof(SECRET, 'edge', t, ['edge1']))).toBe(false);
});

test('swapped roles fail: an edge proof cannot be reflected as an origin proof, nor the other way', () => {
  const t = transcript();
  // Same ids on purpose: only the role differs.
  const asEdge = relayProof(SECRET, 'edge', t, ['node-a']);
  expect(relayProofMatches(SECRET, 'origin', t, ['node-a'], asEdge)).toBe(false);
  const asOrigin = relayProof(SECRET, 'origin', t, ['node-a']);
  expect(relayProofMatches(SECRET, 'edge', t, ['node-a'], asOrigin)).toBe(false);
});

test('other nonces (a recorded handshake replayed) or swapped nonces fail', () => {
  const t = transcript();
  const proof = relayProof(SECRET, 'origin', t, ['origin', 'i1']);
  expect(relayProofMatches(SECRET, 'origin', { ...t, edgeNonce: newNonce() }, ['origin', 'i1'], proof)).toBe(false);
  expect(relayProofMatches(SECRET, 'origin', { ...t, originNonce: newNonce() }, ['origin', 'i1'], proof)).toBe(false);
  expect(relayProofMatches(SECRET, 'origin', { ...t, originNonce: t.edgeNonce, edgeNonce: t.originNonce }, ['origin', 'i1'], proof)).toBe(false);
});

test('other ids fail, and parts cannot be shifted between fields', () => {
  const t = transcript();
  const proof = relayProof(SECRET, 'origin', t, ['origin', 'i1']);
  expect(relayProofMatches(SECRET, 'origin', t, ['origin2', 'i1'], proof)).toBe(false);
  expect(relayProofMatches(SECRET, 'origin', t, ['origini1'], proof)).toBe(false);
  expect(relayProofMatches(SECRET, 'origin', t, ['origin', 'i1', ''], proof)).toBe(false);
});

test('a malformed or truncated proof is refused without throwing', () => {
  const t = transcript();
  const proof = relayProof(SECRET, 'edge', t, ['edge1']);
  expect(relayProofMatches(SECRET, 'edge', t, ['edge1'], proof.slice(0, 20))).toBe(false);
  expect(relayProofMatches(SECRET, 'edge', t, ['edge1'], '!!!')).toBe(false);
  expect(relayProofMatches(SECRET, 'edge', t, ['edge1'], '')).toBe(false);
});
