// A SHA-256-signed ECDSA P-256 certificate for the workers' DTLS, made at start-up when the
// configuration names none: mediasoup 3.8.4's own default certificate is signed with SHA-1.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generate } from 'selfsigned';

export interface DtlsCertificate {
  certFile: string;
  keyFile: string;
  /** Removes the files. Idempotent. */
  dispose(): void;
}

export async function createDtlsCertificate(commonName: string): Promise<DtlsCertificate> {
  const notBeforeDate = new Date(Date.now() - 24 * 3600 * 1000); // tolerate peers' clock skew
  const notAfterDate = new Date(Date.now() + 30 * 24 * 3600 * 1000);
  const pems = await generate([{ name: 'commonName', value: commonName.slice(0, 64) }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdn-dtls-'));
  const certFile = path.join(dir, 'dtls-cert.pem');
  const keyFile = path.join(dir, 'dtls-key.pem');
  fs.writeFileSync(certFile, pems.cert, { mode: 0o600 });
  fs.writeFileSync(keyFile, pems.private, { mode: 0o600 });
  let disposed = false;
  return {
    certFile,
    keyFile,
    dispose() {
      if (disposed) return;
      disposed = true;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
