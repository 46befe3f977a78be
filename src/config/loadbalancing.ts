// Parser of WCS's loadbalancing.xml: the origin's list of edges. Pure: takes the text and the file
// name (for messages), returns a LoadBalancingConfig or throws a ConfigError naming file, line and
// element/attribute path (e.g. `loadbalancer/cluster[1]/node[2]/ws`).
//
//   <loadbalancer stream_distribution="webrtc" mode="FEWESTCALLS" randomize="false" distribution="push">
//     <node id="e1" max_connections="500" path_prefix=""><ip>host</ip><ws>8080</ws><wss>8443</wss><relay>8445</relay></node>
//     <cluster name="eu" distribution="on_demand"> <node ...>...</node> </cluster>
//                                                         (our extensions: named clusters; push or on-demand edges)
//     <origin id="o1"><ip>host</ip><ws>8080</ws><wss>0</wss><relay>8445</relay></origin>  (our extension: every
//                                                         origin of the cluster, this one included)
//     <node id="e2" parent="e1">...</node>               (our extension: relay tiers; e1 feeds e2)
//   </loadbalancer>
//
// Defaults are WCS's: mode FEWESTCALLS, randomize false, <ws> 8080, no <wss> = no secure port;
// ours: <relay> 8445 (the edge's cdn.relay_port, where the origin's TLS relay link goes).
// WCS's `<http>`/`<https>` (its REST port, which here is the node's <ws> port) are read, checked
// and reported as ignored, like randomize with a mode other than FEWESTCALLS. Attributes and
// elements not described here are taken for another product's (WCS's) and reported as unknown,
// except where that could hide a mistake: a name close to one of ours ("did you mean"), one of
// this file's own element names in the wrong place, an unknown element that holds elements of ours
// (a misnamed <node> or <cluster>: its edges would silently go missing), elements inside an element
// that holds text, and anything unknown at all with config.strict=true.

import * as path from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { ConfigError } from './errors';
import type { IgnoredSetting } from './ignored';
import { nearest } from './nearest';
import { parseHost, parseInteger, parsePathPrefix, parsePort, PROPERTY_SPECS, type ParseResult } from './propertiesSchema';
import { BALANCING_MODES, DEFAULT_CLUSTER, DISTRIBUTIONS, type BalancingMode, type Distribution, type EdgeNodeConfig, type LoadBalancingConfig } from './types';

/** WCS's default for an edge's `<ws>`; our default connection cap. Without `<wss>` an edge has no secure port. */
export const DEFAULT_EDGE_WS_PORT = 8080;
/** WCS's default `mode`. */
export const DEFAULT_MODE: BalancingMode = 'FEWESTCALLS';
export const DEFAULT_EDGE_MAX_CONNECTIONS = 500;
/** Our `distribution` default: every stream pushed to every edge, as the static CDN always did. */
export const DEFAULT_DISTRIBUTION: Distribution = 'push';

/** An element of the document with what messages need: its path and line. */
interface Element {
  readonly name: string;
  /** XPath-like: `loadbalancer/node[2]`, the index counting same-named siblings from 1. */
  readonly path: string;
  /** Index of its `<` in the text. */
  readonly start: number;
  readonly line: number;
  readonly attributes: ReadonlyMap<string, string>;
  readonly children: readonly Element[];
  /** Its own text (not its children's), trimmed. */
  readonly text: string;
}

const ATTRIBUTES = ':@';
/** Every element name this file gives a meaning to. */
const OUR_ELEMENTS = new Set(['loadbalancer', 'node', 'cluster', 'origin', 'ip', 'ws', 'wss', 'relay', 'http', 'https']);
/** Elements that may repeat among their siblings, always shown with an index in paths. */
const REPEATABLE = new Set(['node', 'cluster', 'origin']);
const TEXT = '#text';
const META = XMLParser.getMetaDataSymbol() as unknown as symbol;

const parser = new XMLParser({
  // Ordered output keeps every element an object, so each carries its start index.
  preserveOrder: true,
  captureMetaData: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  // Values stay strings: validation below decides what a number is.
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
});

export interface ParseLoadBalancingOptions {
  /** Told of every WCS setting read but not used here (for the start-up warning). Default: none. */
  readonly onIgnored?: (setting: IgnoredSetting) => void;
  /** Random source of `randomize="true"`. Default Math.random. */
  readonly random?: () => number;
  /** config.strict: an unknown attribute or element is refused instead of reported. Default false. */
  readonly strict?: boolean;
  /**
   * This node's node_id: an `<origin>` list must name it (an origin that is not in its own list
   * would link to its peers as a stranger). Not checked when absent (the parser alone, in tests).
   */
  readonly selfId?: string;
}

/** Parses loadbalancing.xml; `file` is used as given in messages and resolved for `config.file`. */
export function parseLoadBalancing(text: string, file: string, options: ParseLoadBalancingOptions = {}): LoadBalancingConfig {
  const doc = new Document(text, file, options);
  const root = doc.root();
  const children = doc.allowOnly(root, ['stream_distribution', 'mode', 'randomize', 'distribution'], ['node', 'cluster', 'origin']);
  const ignore = (element: Element, attribute: string | null, why: string): void =>
    options.onIgnored?.({
      file,
      line: attribute === null ? element.line : doc.attributeLine(element, attribute),
      key: attribute === null ? element.path : `${element.path}@${attribute}`,
      why,
    });

  const distribution = root.attributes.get('stream_distribution') ?? 'webrtc';
  // WCS also accepts "rtmp"; we relay over WebRTC only. Case is forgiven, as WCS examples vary.
  if (distribution.toLowerCase() !== 'webrtc') {
    doc.fail(root, 'stream_distribution', `${JSON.stringify(distribution)} is not supported (only "webrtc")`);
  }
  const modeText = root.attributes.get('mode') ?? DEFAULT_MODE;
  const mode = BALANCING_MODES.find((m) => m === modeText.toUpperCase());
  if (mode === undefined) {
    doc.fail(root, 'mode', `${JSON.stringify(modeText)} is not one of ${BALANCING_MODES.join(', ')}`);
  }

  const randomizeText = root.attributes.get('randomize');
  const randomize = randomizeText === undefined ? false : doc.boolean(root, 'randomize', randomizeText);
  if (randomize && mode !== 'FEWESTCALLS') ignore(root, 'randomize', `WCS applies it to mode FEWESTCALLS only, this file has ${mode}`);

  const rootDistribution = doc.distribution(root, DEFAULT_DISTRIBUTION);
  const nodes: EdgeNodeConfig[] = [];
  const nodeLines = new Map<string, number>();
  const clusterLines = new Map<string, number>();
  // Ids are unique among nodes and origins alike: both name a node of the cluster (in logs, metrics
  // and the peer handshake).
  const claimId = (element: Element, id: string): void => {
    const first = nodeLines.get(id);
    if (first !== undefined) {
      const derived = element.attributes.has('id') ? '' : ' derived from <ip>:<ws>';
      doc.fail(element, 'id', `duplicate node id ${JSON.stringify(id)}${derived} (first on line ${first})`);
    }
    nodeLines.set(id, doc.attributeLine(element, 'id'));
  };
  /** The element of each node (by id), for the `parent` checks that need the whole file. */
  const nodeElements = new Map<string, Element>();
  const addNode = (element: Element, cluster: string, distribution: Distribution): void => {
    const node = doc.node(element, cluster, ignore, 'node', distribution);
    claimId(element, node.id);
    nodes.push(node);
    nodeElements.set(node.id, element);
  };

  const origins: EdgeNodeConfig[] = [];
  for (const child of children) {
    if (child.name === 'node') {
      addNode(child, DEFAULT_CLUSTER, rootDistribution);
      continue;
    }
    if (child.name === 'origin') {
      // The same elements and defaults as <node>.
      const origin = doc.node(child, DEFAULT_CLUSTER, ignore, 'origin');
      claimId(child, origin.id);
      origins.push(origin);
      continue;
    }
    const clusterNodes = doc.allowOnly(child, ['name', 'distribution'], ['node']);
    const name = doc.required(child, 'name');
    // Names travel in `/rtcloadbalance?cluster=NAME`: keep them URL-safe.
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(name)) {
      doc.fail(child, 'name', `${JSON.stringify(name)} must be 1-64 letters, digits, ".", "_" or "-"`);
    }
    const first = clusterLines.get(name);
    if (first !== undefined) doc.fail(child, 'name', `duplicate cluster name ${JSON.stringify(name)} (first on line ${first})`);
    clusterLines.set(name, doc.attributeLine(child, 'name'));
    const distribution = doc.distribution(child, rootDistribution);
    for (const node of clusterNodes) addNode(node, name, distribution);
  }

  checkParents(doc, nodes, nodeElements, origins);

  // WCS's randomize: equally loaded edges are chosen at random instead of in file order. Edge
  // selection breaks FEWESTCALLS ties by the order of the nodes, so a shuffled order (drawn at each
  // start and reload) spreads the ties over every edge instead of always the first listed.
  if (randomize && mode === 'FEWESTCALLS') shuffle(nodes, options.random ?? Math.random);
  if (origins.length > 0 && options.selfId !== undefined && !origins.some((o) => o.id === options.selfId)) {
    const first = children.find((c) => c.name === 'origin')!;
    doc.fail(
      first,
      null,
      `the <origin> list (${origins.map((o) => o.id).join(', ')}) does not name this node (node_id ${JSON.stringify(options.selfId)}): list every origin of the cluster, this one included, with the id its node_id has`,
    );
  }
  return { file: path.resolve(file), streamDistribution: 'webrtc', mode: mode as BalancingMode, nodes, origins };
}

/**
 * Relay tiers: every `parent` names a `<node>` of this file (not an `<origin>`: a node without
 * `parent` is the origins' already), and no node is its own ancestor (a loop of any length would
 * relay a stream round in a circle and leave its nodes without a feed from the origin).
 */
function checkParents(doc: Document, nodes: readonly EdgeNodeConfig[], elements: ReadonlyMap<string, Element>, origins: readonly EdgeNodeConfig[]): void {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const groupOf = (n: EdgeNodeConfig): string[] => (n.parent === undefined ? [] : [n.parent, ...(n.fallbacks ?? [])]);
  for (const node of nodes) {
    for (const id of groupOf(node)) {
      if (byId.has(id)) continue;
      const element = elements.get(node.id)!;
      if (origins.some((o) => o.id === id)) {
        doc.fail(
          element,
          'parent',
          `${JSON.stringify(id)} is an <origin>: a node without parent is fed by the origins; parent names the <node> (a relay) that feeds this one`,
        );
      }
      const close = nearest(id, [...byId.keys()]);
      doc.fail(element, 'parent', `no <node> with id ${JSON.stringify(id)} in this file${close !== null ? ` (did you mean "${close}"?)` : ''}`);
    }
  }
  // A loop through any relay of a group: a fall-back that stands in feeds the node as well.
  const loopFrom = (start: string): string[] | null => {
    const path: string[] = [];
    const visit = (id: string): string[] | null => {
      if (id === start && path.length > 0) return [...path, id];
      if (path.includes(id)) return null;
      path.push(id);
      for (const up of groupOf(byId.get(id)!)) {
        const loop = visit(up);
        if (loop) return loop;
      }
      path.pop();
      return null;
    };
    return visit(start);
  };
  for (const node of nodes) {
    const loop = loopFrom(node.id);
    if (loop) doc.fail(elements.get(node.id)!, 'parent', `a loop: ${loop.join(' -> ')} (a node cannot feed its own ancestor)`);
  }
}

/** Fisher-Yates, in place. */
function shuffle<T>(items: T[], random: () => number): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.min(i, Math.floor(random() * (i + 1)));
    [items[i], items[j]] = [items[j], items[i]];
  }
}

/** The parsed text plus the helpers that turn positions into lines and mistakes into ConfigErrors. */
class Document {
  readonly #text: string;
  readonly #file: string;
  readonly #options: ParseLoadBalancingOptions;

  constructor(text: string, file: string, options: ParseLoadBalancingOptions) {
    this.#text = text;
    this.#file = file;
    this.#options = options;
  }

  /** Validates, parses and returns the single root element, which must be `<loadbalancer>`. */
  root(): Element {
    const valid = XMLValidator.validate(this.#text);
    if (valid !== true) {
      throw new ConfigError({ file: this.#file, line: valid.err.line ?? null, key: null }, `malformed XML: ${valid.err.msg}`);
    }
    const top = (parser.parse(this.#text) as RawNode[]).filter((n) => !tagOf(n).startsWith('?') && tagOf(n) !== TEXT);
    const [root, second] = this.#elements(top, '', 1);
    if (root === undefined) {
      throw new ConfigError({ file: this.#file, line: null, key: null }, 'no root element: the document must hold one <loadbalancer>');
    }
    if (root.name !== 'loadbalancer') {
      throw this.#error(root, null, `the root element must be <loadbalancer>, not <${root.name}>`);
    }
    if (second !== undefined) {
      throw this.#error(second, null, 'a second root element: the document must hold one <loadbalancer>');
    }
    return root;
  }

  /**
   * Checks the element's attributes, child elements and text against what it may have, and returns
   * the children it may have. Unknown ones are reported (or refused: see the file's header).
   */
  allowOnly(element: Element, attributes: readonly string[], children: readonly string[]): Element[] {
    for (const name of element.attributes.keys()) {
      if (attributes.includes(name)) continue;
      const known = attributes.length > 0 ? `known: ${attributes.join(', ')}` : `<${element.name}> has none`;
      const close = nearest(name, attributes);
      if (close !== null) this.fail(element, name, `unknown attribute (did you mean "${close}"?)`);
      if (this.#options.strict) this.fail(element, name, `unknown attribute (${known}); config.strict=true refuses it`);
      this.#unknown(element, name);
    }
    const kept: Element[] = [];
    for (const child of element.children) {
      if (children.includes(child.name)) {
        kept.push(child);
        continue;
      }
      const known = children.length > 0 ? `expected ${children.map((c) => `<${c}>`).join(' or ')}` : 'it holds text only';
      const refuse = (why: string): never => {
        throw this.#error(child, null, `unknown element <${child.name}> in <${element.name}> (${why})`);
      };
      const close = nearest(child.name, children);
      if (close !== null) refuse(`did you mean <${close}>?`);
      if (children.length === 0 || OUR_ELEMENTS.has(child.name)) refuse(known);
      const ours = findOurs(child);
      if (ours) refuse(`${known}; it holds <${ours.name}> on line ${ours.line}, as a <node> or <cluster> would, so its edges would be lost`);
      if (this.#options.strict) refuse(`${known}; config.strict=true refuses it`);
      this.#unknown(child, null);
    }
    if (children.length > 0 && element.text !== '') {
      throw this.#error(element, null, `unexpected text ${JSON.stringify(element.text)} in <${element.name}>`);
    }
    return kept;
  }

  /** Reports an attribute or element this product does not know, taken for another product's. */
  #unknown(element: Element, attribute: string | null): void {
    this.#options.onIgnored?.({
      file: this.#file,
      line: attribute === null ? element.line : this.attributeLine(element, attribute),
      key: attribute === null ? element.path : `${element.path}@${attribute}`,
      unknown: true,
    });
  }

  /** A required, non-empty attribute. */
  required(element: Element, attribute: string): string {
    const value = element.attributes.get(attribute);
    if (value === undefined || value === '') this.fail(element, attribute, value === undefined ? 'is required' : 'must not be empty');
    return value as string;
  }

  /** A boolean attribute, `true` or `false` in any case (WCS's examples write both). */
  boolean(element: Element, attribute: string, raw: string): boolean {
    const value = raw.toLowerCase();
    if (value !== 'true' && value !== 'false') this.fail(element, attribute, `${JSON.stringify(raw)} is not a boolean (true or false)`);
    return value === 'true';
  }

  /** The `distribution` attribute of `<loadbalancer>` or `<cluster>`, `fallback` when absent (case is forgiven). */
  distribution(element: Element, fallback: Distribution): Distribution {
    const raw = element.attributes.get('distribution');
    if (raw === undefined) return fallback;
    const value = DISTRIBUTIONS.find((d) => d === raw.toLowerCase());
    if (value === undefined) this.fail(element, 'distribution', `${JSON.stringify(raw)} is not one of ${DISTRIBUTIONS.join(', ')}`);
    return value as Distribution;
  }

  /** Reads one `<node>` or `<origin>` (already known to be one): the same attributes, elements and defaults. */
  node(
    element: Element,
    cluster: string,
    ignore: (element: Element, attribute: string | null, why: string) => void,
    kind: 'node' | 'origin' = 'node',
    distribution: Distribution = DEFAULT_DISTRIBUTION,
  ): EdgeNodeConfig {
    if (kind === 'origin' && element.attributes.has('parent')) {
      this.fail(element, 'parent', 'an <origin> has no parent: it is fed by its publishers; parent belongs on a <node> fed by a relay');
    }
    const attributes = kind === 'node' ? ['id', 'max_connections', 'path_prefix', 'parent'] : ['id', 'max_connections', 'path_prefix'];
    const known = this.allowOnly(element, attributes, ['ip', 'ws', 'wss', 'relay', 'http', 'https']);
    const fields = new Map<string, Element>();
    for (const child of known) {
      this.allowOnly(child, [], []);
      const first = fields.get(child.name);
      if (first !== undefined) throw this.#error(child, null, `<${child.name}> appears twice in <${kind}> (first on line ${first.line})`);
      fields.set(child.name, child);
    }

    const ipElement = fields.get('ip');
    if (ipElement === undefined) {
      throw this.#error(
        element,
        null,
        kind === 'node'
          ? 'missing <ip>: the address the origin and players reach the edge at'
          : 'missing <ip>: the address the other origins and clients reach this origin at',
      );
    }
    if (ipElement.text === '') throw this.#error(ipElement, null, 'must not be empty');
    const ip = this.#value(ipElement, null, parseHost(ipElement.text));

    const portOf = (name: 'ws' | 'wss' | 'relay', fallback: number, allowZero: boolean): number => {
      const child = fields.get(name);
      return child === undefined ? fallback : this.#value(child, null, parsePort(child.text, allowZero));
    };
    const ws = portOf('ws', DEFAULT_EDGE_WS_PORT, false);
    // As in WCS, a node without <wss> has no secure port (0); secure players then go through the
    // origin's secure proxy, rather than to a port nobody listens on.
    const wss = portOf('wss', 0, true);
    // The edge's cdn.relay_port: the origin's TLS relay link goes there, not to <ws> (unless cdn.relay_tls=false).
    const relay = portOf('relay', PROPERTY_SPECS.cdnRelayPort.default, false);
    // WCS's REST/HTTP ports: here a node serves HTTP and REST on its <ws> port (and HTTPS on its
    // <wss> port). Checked like the others, so a broken value is still caught, then reported.
    for (const name of ['http', 'https'] as const) {
      const child = fields.get(name);
      if (child === undefined) continue;
      this.#value(child, null, parsePort(child.text));
      ignore(child, null, `this product serves ${name === 'http' ? "HTTP and REST on the node's <ws>" : "HTTPS on the node's <wss>"} port`);
    }

    const attribute = <T>(name: string, fallback: T, parse: (raw: string) => ParseResult<T>): T => {
      const raw = element.attributes.get(name);
      return raw === undefined ? fallback : this.#value(element, name, parse(raw));
    };
    // Without an id, the edge is named like its own default node_id, `<ip>:<ws.port>`.
    const id = attribute('id', ip.includes(':') ? `[${ip}]:${ws}` : `${ip}:${ws}`, parseNodeName);
    const maxConnections = attribute('max_connections', DEFAULT_EDGE_MAX_CONNECTIONS, (raw) => parseInteger(raw, 0, 1_000_000));
    const pathPrefix = attribute('path_prefix', '', parsePathPrefix);
    const [parent, ...fallbacks] = attribute<string[]>('parent', [], parseParent);
    return {
      id,
      ip,
      ws,
      wss,
      relay,
      maxConnections,
      cluster,
      pathPrefix,
      distribution,
      ...(parent !== undefined ? { parent } : {}),
      ...(fallbacks.length > 0 ? { fallbacks } : {}),
    };
  }

  /** Throws a ConfigError about an element, or one of its attributes when `attribute` is given. */
  fail(element: Element, attribute: string | null, reason: string): never {
    throw this.#error(element, attribute, reason);
  }

  /** Line of an attribute inside a start tag that may span several lines. */
  attributeLine(element: Element, attribute: string): number {
    const offset = attributeOffsets(this.#text, element.start).get(attribute);
    return offset === undefined ? element.line : lineAt(this.#text, offset);
  }

  #value<T>(element: Element, attribute: string | null, result: ParseResult<T>): T {
    if (!result.ok) this.fail(element, attribute, result.reason);
    return result.value;
  }

  #error(element: Element, attribute: string | null, reason: string): ConfigError {
    const line = attribute === null ? element.line : this.attributeLine(element, attribute);
    const key = attribute === null ? element.path : `${element.path}@${attribute}`;
    return new ConfigError({ file: this.#file, line, key }, reason);
  }

  #elements(raw: readonly RawNode[], parentPath: string, parentLine: number): Element[] {
    const count = new Map<string, number>();
    for (const node of raw) count.set(tagOf(node), (count.get(tagOf(node)) ?? 0) + 1);
    const seen = new Map<string, number>();
    const out: Element[] = [];
    for (const node of raw) {
      const name = tagOf(node);
      if (name === TEXT) continue;
      const index = (seen.get(name) ?? 0) + 1;
      seen.set(name, index);
      // `node[2]`, `cluster[1]`, but `ip` unless repeated: the index is there when it tells apart.
      const indexed = REPEATABLE.has(name) || (count.get(name) ?? 0) > 1 ? `${name}[${index}]` : name;
      const elementPath = parentPath === '' ? name : `${parentPath}/${indexed}`;
      const start = (node[META] as { startIndex?: number } | undefined)?.startIndex;
      const line = start === undefined ? parentLine : lineAt(this.#text, start);
      const content = (node[name] as RawNode[] | undefined) ?? [];
      const text = content
        .filter((c) => tagOf(c) === TEXT)
        .map((c) => String(c[TEXT]))
        .join(' ')
        .trim();
      const attributes = new Map(Object.entries((node[ATTRIBUTES] as Record<string, unknown> | undefined) ?? {}).map(([k, v]) => [k, String(v)]));
      out.push({ name, path: elementPath, start: start ?? 0, line, attributes, children: this.#elements(content, elementPath, line), text });
    }
    return out;
  }
}

/** The first element at or below `element`'s children that this file gives a meaning to, if any. */
function findOurs(element: Element): Element | null {
  for (const child of element.children) {
    if (OUR_ELEMENTS.has(child.name)) return child;
    const deeper = findOurs(child);
    if (deeper) return deeper;
  }
  return null;
}

/** One node of fast-xml-parser's ordered output: `{ tag: children, ':@': attributes }`. */
type RawNode = Record<string | symbol, unknown>;

/** Ids travel in `?machine=ID`, logs and metric labels, like node_id: one printable token. */
function parseNodeName(raw: string): ParseResult<string> {
  if (raw === '') return { ok: false, reason: 'must not be empty' };
  if (raw.length > 128 || /[\s\p{Cc}]/u.test(raw)) {
    return { ok: false, reason: `${JSON.stringify(raw)} must be at most 128 characters without spaces or control characters` };
  }
  return { ok: true, value: raw };
}

/** `parent`: one node id, or a group separated by spaces (the first feeds the node; the next stand in, in order). */
function parseParent(raw: string): ParseResult<string[]> {
  const ids = raw
    .trim()
    .split(/\s+/)
    .filter((id) => id !== '');
  if (ids.length === 0) return { ok: false, reason: 'must not be empty: the id of the <node> that feeds this one (or a group of them)' };
  for (const id of ids) {
    const parsed = parseNodeName(id);
    if (!parsed.ok) return parsed;
  }
  const twice = ids.find((id, i) => ids.indexOf(id) !== i);
  if (twice !== undefined) return { ok: false, reason: `${JSON.stringify(twice)} appears twice in the group` };
  return { ok: true, value: ids };
}

function tagOf(node: RawNode): string {
  return Object.keys(node).find((k) => k !== ATTRIBUTES) ?? TEXT;
}

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/**
 * Offsets of the attribute names in the start tag beginning at `start`. The document is already
 * validated, so a small scanner that honours quotes is enough.
 */
function attributeOffsets(text: string, start: number): Map<string, number> {
  const offsets = new Map<string, number>();
  const tag = /<[^\s/>]+/y;
  tag.lastIndex = start;
  if (tag.exec(text) === null) return offsets;
  const attribute = /\s*([^\s=/>]+)\s*=\s*("[^"]*"|'[^']*')/y;
  attribute.lastIndex = tag.lastIndex;
  for (let m = attribute.exec(text); m !== null; m = attribute.exec(text)) {
    offsets.set(m[1], m.index + m[0].length - m[0].trimStart().length);
  }
  return offsets;
}
