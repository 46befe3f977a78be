// The certificate a node shows on its relay links: the operator's tls.cert_file/tls.key_file when
// set (docs/tls.md), else one made at start, self-signed, kept in memory only. A made one needs no
// trust: the relay proofs are bound to the TLS session (secret.ts), so whoever shows a different
// certificate on the path still cannot prove cdn_secret. ECDSA P-256: made in tens of
// milliseconds, so a node's start does not wait on RSA key generation.
import fs from 'node:fs';
import selfsigned from 'selfsigned';
import type { NodeConfig } from '../config/types';

export interface NodeCertificate {
  cert: string;
  key: string;
  /** True when made at start (no tls.cert_file). */
  generated: boolean;
}

/** Validity of a made certificate: longer than any node runs, since it is made again at each start. */
const GENERATED_DAYS = 3650;

export async function nodeCertificate(config: Pick<NodeConfig, 'tlsCertFile' | 'tlsKeyFile' | 'nodeId'>): Promise<NodeCertificate> {
  if (config.tlsCertFile && config.tlsKeyFile) {
    return { cert: fs.readFileSync(config.tlsCertFile, 'utf8'), key: fs.readFileSync(config.tlsKeyFile, 'utf8'), generated: false };
  }
  const made = await selfsigned.generate([{ name: 'commonName', value: `cdn-relay ${config.nodeId}`.slice(0, 64) }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + GENERATED_DAYS * 86_400_000),
  });
  return { cert: made.cert, key: made.private, generated: true };
}
