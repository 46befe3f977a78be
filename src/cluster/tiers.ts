// Relay tiers (loadbalancing.xml `parent`), the decisions alone, pure. A <node> with parent="R" is
// fed by node R (a relay) instead of by the origin; R is fed by its own parent, or by the origin.
// Every feeder (the origin, or a relay: `null` names the origin) links to the nodes it feeds, over
// the same relay link and pipes the origin uses for its edges.
//
// A relay that is lost (its feeder's link to it is down, or never came up) leaves its children
// without a feed: its feeder takes them on directly (feedSet), so a failed relay's nodes get their
// streams from one tier up within the link's detection bound. When the relay is back, it feeds its
// children again, and its feeder lets go of them (handBack). An edge that receives a stream from
// two feeders keeps one: the one nearer to it in the tree (feedRank; relayTakeover.ts).
//
// A group (parent="r1 r2"): r1 feeds the node; r2, a fall-back, keeps a standby link to it
// (standbyOf) on which it relays only what the node asks for: when its session of r1 goes into
// grace, the node asks for what it held (EdgeSessions -> EdgeRelayService.pull), r2 sends it, and
// the node takes it over in place. r1's feeder does not stand in for such a node.
import type { EdgeNodeConfig } from '../config/types';

type TreeNode = Pick<EdgeNodeConfig, 'id' | 'parent' | 'fallbacks'>;

/** The relays of a node's `parent` group, in order (empty: the origins feed it). */
function groupOf(node: TreeNode | undefined): string[] {
  return node?.parent === undefined ? [] : [node.parent, ...(node.fallbacks ?? [])];
}

/** The nodes that list `feeder` as a fall-back of their group: it keeps a standby link to each. */
export function standbyOf(nodes: readonly TreeNode[], feeder: string): string[] {
  return nodes.filter((n) => n.fallbacks?.includes(feeder)).map((n) => n.id);
}

/** The nodes `feeder` (a node id, or null for the origins) feeds when every relay is up: its children. */
export function childrenOf(nodes: readonly TreeNode[], feeder: string | null): string[] {
  return nodes.filter((n) => (n.parent ?? null) === feeder).map((n) => n.id);
}

/** Whether `id` feeds any node of the file, first or as a fall-back (a relay). */
export function isRelay(nodes: readonly TreeNode[], id: string): boolean {
  return nodes.some((n) => groupOf(n).includes(id));
}

/**
 * The nodes `feeder` links to now: its children, and the children of each of those it has lost
 * (`lost(id)`: its link to that node is down, or never came up), and so on down a chain of lost
 * relays. In file order of discovery; each node once.
 */
export function feedSet(nodes: readonly TreeNode[], feeder: string | null, lost: (id: string) => boolean): string[] {
  const fed: string[] = [];
  const queue = childrenOf(nodes, feeder);
  while (queue.length > 0) {
    const id = queue.shift()!;
    if (fed.includes(id)) continue;
    fed.push(id);
    // A node with fall-backs in its group is stood in for by them, not by this feeder.
    if (lost(id)) queue.push(...childrenOf(nodes, id).filter((c) => !nodes.find((n) => n.id === c)?.fallbacks?.length));
  }
  // The standby links of a fall-back relay: idle until the node asks (relayProtocol.ts pullStream).
  if (feeder !== null) for (const id of standbyOf(nodes, feeder)) if (!fed.includes(id)) fed.push(id);
  return fed;
}

/**
 * How near `feeder` is to `node` in the tree: 0 for its parent (the first of its group), 1, 2 ...
 * for the group's fall-backs, then the first parent's parent and so on up, and the origins (feeder
 * null) after the last relay (0 for a node without parent). A node keeps the stream of the nearest
 * feeder relaying it (lower rank). null when `feeder` is not above `node`.
 */
export function feedRank(nodes: readonly TreeNode[], node: string, feeder: string | null): number | null {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const group = groupOf(byId.get(node));
  // Its group first, in order (the first relay 0, its fall-backs 1, 2, ...), then up the first's chain.
  if (feeder !== null && group.includes(feeder)) return group.indexOf(feeder);
  let rank = group.length;
  // Bounded by the node count: the file was checked for loops, this keeps a bad input finite too.
  for (let up = byId.get(group[0] ?? '')?.parent; up !== undefined && rank <= 2 * nodes.length; up = byId.get(up)?.parent) {
    if (up === feeder) return rank;
    rank++;
  }
  return feeder === null ? rank : null;
}

/**
 * Whether a feeder that took a lost relay's child on may let go of it now that the relay is back:
 * once the relay's own report says it holds there every stream the feeder sends it (each taken over
 * in place, no player disturbed), or after `maxMs` whatever it says.
 */
export function handBack(sent: readonly string[], heldViaRelay: ReadonlySet<string> | null, sinceMs: number, maxMs: number): boolean {
  if (sinceMs >= maxMs) return true;
  return heldViaRelay !== null && sent.every((s) => heldViaRelay.has(s));
}
