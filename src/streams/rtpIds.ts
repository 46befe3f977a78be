// The identifiers by which a mediasoup transport tells one producer's packets from another's:
// SSRCs (RTX ones included), the MID and RIDs. Two producers on one transport must not share any.
// Pure; read defensively, since the parameters come from the client.
import type * as ms from 'mediasoup/types';

export function usedRtpIds(list: readonly ms.RtpParameters[]): string[] {
  const ids: string[] = [];
  for (const p of list) {
    if (typeof p.mid === 'string') ids.push(`mid "${p.mid}"`);
    for (const e of Array.isArray(p.encodings) ? p.encodings : []) {
      if (typeof e !== 'object' || e === null) continue;
      if (typeof e.ssrc === 'number') ids.push(`ssrc ${e.ssrc}`);
      if (typeof e.rtx?.ssrc === 'number') ids.push(`ssrc ${e.rtx.ssrc}`);
      if (typeof e.rid === 'string') ids.push(`rid "${e.rid}"`);
    }
  }
  return ids;
}
