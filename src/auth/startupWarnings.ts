// What an operator must hear about at start: settings that leave a node open to strangers or
// break the cluster. Pure; the node logs each line at warn.
import { isIP } from 'node:net';
import { MIN_SECRET_LENGTH } from '../config/propertiesSchema';
import type { NodeConfig } from '../config/types';
import { directPublishAllowed } from './access';

type WarningConfig = Pick<
  NodeConfig,
  'cdnSecret' | 'loadBalancingEnabled' | 'adminToken' | 'ipLocal' | 'publishAuth' | 'playAuth' | 'publishAllowDirect' | 'tokenSecret' | 'cdnRelayTls'
>;

/** True when the node binds only a loopback address (the demo, tests): strangers cannot reach it. */
export function loopbackOnly(ipLocal: string): boolean {
  if (isIP(ipLocal) === 4) return ipLocal.startsWith('127.');
  return ipLocal === '::1';
}

/** Every warning for this configuration, most serious first; empty when there is nothing to say. */
export function securityWarnings(config: WarningConfig): string[] {
  const out: string[] = [];
  const { cdnSecret, loadBalancingEnabled } = config;
  if (cdnSecret === '' && loadBalancingEnabled) {
    out.push('cdn_secret is empty on this origin: every edge will refuse its relay links. Set the same long random value on every node');
  } else if (cdnSecret !== '' && cdnSecret.length < MIN_SECRET_LENGTH) {
    out.push(
      `cdn_secret is weak (${cdnSecret.length} characters, fewer than ${MIN_SECRET_LENGTH}): whoever guesses it can relay streams to the edges. Use a long random value`,
    );
  }
  // Loud even on loopback: the setting is usually copied to nodes in other data centres.
  if (!config.cdnRelayTls && cdnSecret !== '') {
    out.push(
      'cdn.relay_tls=false: relay links between nodes are plain ws://. Anyone on the path reads the SRTP keys of the relay pipes and every stream name, and can inject or forge relay commands after the handshake. Use it only inside one trusted network (docs/security.md)',
    );
  }
  if (loopbackOnly(config.ipLocal)) return out;
  // Every role: an edge's find_all lists its players' addresses as an origin's lists its own.
  if (config.adminToken === '') {
    out.push(
      `this ${loadBalancingEnabled ? 'origin' : 'node'} listens on ${config.ipLocal} without admin.token: anyone can list its clients' addresses (/rest-api/connection/find_all) and use the admin routes`,
    );
  }
  if (config.publishAuth === 'open' && directPublishAllowed(config)) {
    out.push(`auth.publish=open on a node listening on ${config.ipLocal}: anyone who reaches it may publish any stream name (see docs/security.md)`);
  }
  return out;
}
