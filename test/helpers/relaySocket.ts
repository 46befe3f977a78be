// A raw relay socket to a node's TLS relay port, as an origin (or an impostor) opens it, and the
// proofs an origin of protocol 2 sends (src/cluster/secret.ts): for tests that speak the relay
// protocol by hand.
import WebSocket from 'ws';
import { channelBinding } from '../../src/cluster/relayTls';
import { newNonce, RELAY_PROTOCOL_VERSION, relayProof } from '../../src/cluster/secret';

export interface RawRelay {
  ws: WebSocket;
  /** The TLS session's exported keying material, as the node exports it on its side. */
  binding: Buffer;
}

/** Opens wss://127.0.0.1:<port>/cdn/relay without verifying the node's self-signed certificate. */
export async function openRelay(port: number): Promise<RawRelay> {
  const ws = new WebSocket(`wss://127.0.0.1:${port}/cdn/relay`, { rejectUnauthorized: false, minVersion: 'TLSv1.3' });
  let binding: Buffer | null = null;
  ws.once('upgrade', (res) => (binding = channelBinding(res.socket)));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  if (!binding) throw new Error('no TLS session under the relay socket');
  return { ws, binding };
}

/** The handshake of an origin: the challenge to send, then its hello for the edge's answer (binding null: a plain link). */
export function originHandshake(secret: string, binding: Buffer | null) {
  const originNonce = newNonce();
  return {
    challenge: { version: RELAY_PROTOCOL_VERSION, nonce: originNonce },
    hello(edgeNonce: string, originId: string, instanceId: string) {
      const proof = relayProof(secret, 'origin', { binding, originNonce, edgeNonce }, [originId, instanceId]);
      return { originId, instanceId, proof };
    },
  };
}
