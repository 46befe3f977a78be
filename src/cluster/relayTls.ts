// The TLS of relay links (docs/security.md "The relay link"): TLS 1.3 only, and the keying material
// both ends export from the session to bind their proofs of cdn_secret to it (secret.ts).
//
// Without cdn.relay_ca_file the certificates are not verified: a node's certificate is
// self-signed (nodeCertificate.ts) and the proofs, bound to the session, are what authenticates
// both ends; a man in the middle may complete TLS with each side but cannot make either proof.
// With a CA file, each end also verifies the other's certificate against it (the edge asks the
// origin for one), as an operator with a PKI expects; the proofs are still required.
import type { ConnectionOptions, TlsOptions } from 'node:tls';
import { TLSSocket } from 'node:tls';
import type { NodeCertificate } from './nodeCertificate';

/** The exporter label (RFC 5705): names what the exported bytes are for, so they are ours alone. */
export const RELAY_EXPORTER_LABEL = 'EXPORTER-cdn-relay-v2';
export const RELAY_EXPORTER_LENGTH = 32;

/** The session's exported keying material, or null when the socket is not a TLS session. */
export function channelBinding(socket: unknown): Buffer | null {
  // A socket already destroyed (refused, or its peer gone) has no session left: Node would throw.
  if (!(socket instanceof TLSSocket) || !socket.encrypted || socket.destroyed) return null;
  try {
    return socket.exportKeyingMaterial(RELAY_EXPORTER_LENGTH, RELAY_EXPORTER_LABEL, Buffer.alloc(0));
  } catch {
    return null; // the session ended between the check and the export: treated as no session
  }
}

/**
 * The edge side: this node's certificate; with a CA, origins must show one it signed. The verdict
 * is left to the listener (`rejectUnauthorized: false` here), which refuses an unauthorized peer
 * itself so it can log why (RelayListener's 'secureConnection'): Node would destroy it silently.
 */
export function relayServerTls(certificate: NodeCertificate, ca: Buffer | null): TlsOptions {
  return {
    cert: certificate.cert,
    key: certificate.key,
    minVersion: 'TLSv1.3',
    ...(ca ? { ca, requestCert: true } : { requestCert: false }),
    rejectUnauthorized: false,
  };
}

/** The origin side: verify the edge's certificate only against the operator's CA (and show ours then). */
export function relayClientTls(certificate: NodeCertificate, ca: Buffer | null): ConnectionOptions {
  return ca
    ? { minVersion: 'TLSv1.3', ca, cert: certificate.cert, key: certificate.key, rejectUnauthorized: true }
    : { minVersion: 'TLSv1.3', rejectUnauthorized: false };
}
