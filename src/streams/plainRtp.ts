// Where a plain-RTP transport may be connected. A plain player's connectTransport names the address
// the node sends the stream to, so an open rule makes the node a reflector (a stranger points a
// stream at any address: broadcast, private ranges, a cloud metadata service). A plain publisher's
// names the only source the node takes RTP from. Either way the address must be the one the
// session comes from, or one of `rtp.plain_allowed_destinations` (IPs and CIDR blocks).
import { BlockList, isIP } from 'node:net';
import type * as ms from 'mediasoup/types';
import { normalizeIp } from '../auth/tokens';
import { AppError } from '../errors';

/** The allow-list as a matcher (node's BlockList does the CIDR arithmetic). */
export function plainAllowList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address, bits] = entry.split('/');
    const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(bits), type);
  }
  return list;
}

/**
 * NOT_ALLOWED unless `ip` is the session's own address (`::ffff:a.b.c.d` and `a.b.c.d` are the
 * same) or on the allow-list. `role` only words the message.
 */
export function checkPlainAddress(ip: string, sessionAddress: string, allowList: BlockList, role: 'publisher' | 'player'): void {
  const family = isIP(ip);
  if (family === 0) throw new AppError('BAD_REQUEST', `connectTransport: "${ip.slice(0, 64)}" is not an IP address`);
  const wanted = normalizeIp(ip);
  if (wanted === normalizeIp(sessionAddress)) return;
  if (allowList.check(wanted, isIP(wanted) === 6 ? 'ipv6' : 'ipv4')) return;
  const what = role === 'player' ? 'send a stream to' : 'take RTP from';
  throw new AppError(
    'NOT_ALLOWED',
    `connectTransport: this node will not ${what} ${wanted}: a plain transport connects only to the address the session comes from (${normalizeIp(sessionAddress)}) or one of rtp.plain_allowed_destinations`,
  );
}

/** Checks the address, then connects the plain transport to it. */
export async function connectPlain(
  transport: ms.PlainTransport,
  target: { ip: string; port: number },
  sessionAddress: string,
  allowList: BlockList,
  role: 'publisher' | 'player',
): Promise<void> {
  checkPlainAddress(target.ip, sessionAddress, allowList, role);
  await transport.connect({ ip: normalizeIp(target.ip), port: target.port });
}
