// Relay links with the operator's own certificates and CA (cdn.relay_ca_file, docs/tls.md): nodes
// whose certificates the CA signed link up; a node showing a certificate from elsewhere fails the
// TLS handshake on either side, whatever secret it knows.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { TestClient } from '../helpers/client';
import { Cleanup, routes, streamsOn } from '../helpers/cluster';
import { freePort, type NodeProcess, startNode, until } from '../helpers/nodes';
import { removeTempDirs, tempDir } from '../helpers/tempDirs';

const cleanup = new Cleanup();
let dir: string;

const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore', cwd: dir });

/** A CA (EC P-256) in <name>-ca.pem / <name>-ca.key. */
function makeCa(name: string): void {
  openssl(
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-days',
    '1',
    '-subj',
    `/CN=${name} CA`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign',
    '-keyout',
    `${name}-ca.key`,
    '-out',
    `${name}-ca.pem`,
  );
}

/** A node certificate for 127.0.0.1 signed by the CA `ca`, in <name>.pem / <name>.key. */
function makeNodeCert(name: string, ca: string): void {
  openssl(
    'req',
    '-new',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-subj',
    `/CN=${name}`,
    '-addext',
    'subjectAltName=IP:127.0.0.1',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
  );
  openssl(
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${ca}-ca.pem`,
    '-CAkey',
    `${ca}-ca.key`,
    '-CAcreateserial',
    '-days',
    '1',
    '-copy_extensions',
    'copy',
    '-out',
    `${name}.pem`,
  );
}

/** A node showing <cert>.pem and trusting <trust>-ca.pem for relay links. */
async function node(name: string, cert: string, trust: string, extra: Record<string, string | number | boolean> = {}, xml?: string): Promise<NodeProcess> {
  const started = await startNode({
    name,
    xml,
    props: {
      'tls.cert_file': path.join(dir, `${cert}.pem`),
      'tls.key_file': path.join(dir, `${cert}.key`),
      'wss.port': await freePort(),
      'cdn.relay_ca_file': path.join(dir, `${trust}-ca.pem`),
      ...extra,
    },
  });
  cleanup.add(() => started.stop());
  return started;
}

const xmlFor = (edge: NodeProcess) =>
  '<loadbalancer stream_distribution="webrtc" mode="ROUNDROBIN">\n' +
  `  <node id="edge1"><ip>127.0.0.1</ip><ws>${edge.port}</ws><wss>0</wss><relay>${edge.relayPort}</relay></node>\n` +
  '</loadbalancer>\n';

type Route = { state: string; lastError?: string };

beforeAll(() => {
  dir = tempDir('cdn-relay-ca-');
  makeCa('ours');
  makeCa('other');
  makeNodeCert('edge', 'ours');
  makeNodeCert('origin', 'ours');
  makeNodeCert('stranger', 'other');
});

afterEach(() => cleanup.run());
afterAll(() => removeTempDirs());

test('nodes whose certificates the CA signed link up and relay', async () => {
  const edge = await node('edge1', 'edge', 'ours', { 'cdn.load_report_ms': 100 });
  const origin = await node('origin', 'origin', 'ours', { load_balancing_enabled: true }, xmlFor(edge));
  await until(async () => ((await routes(origin)).edges as Route[])[0].state === 'up', 10000, 'the link up');
  const publisher = await TestClient.connect(origin.url);
  cleanup.track(publisher);
  cleanup.track(await publisher.publishRtp('signed'));
  await until(async () => (await streamsOn(edge)).some((s) => s.name === 'signed' && s.source === 'relay'), 5000, 'relayed');
}, 30000);

test("an origin whose certificate another CA signed is refused by the edge's TLS, though it knows the secret", async () => {
  const edge = await node('edge1', 'edge', 'ours');
  const origin = await node('origin', 'stranger', 'ours', { load_balancing_enabled: true }, xmlFor(edge));
  await until(async () => (((await routes(origin)).edges as Route[])[0].lastError ?? '') !== '', 10000, 'the origin to report the failure');
  await new Promise((r) => setTimeout(r, 1000));
  const route = ((await routes(origin)).edges as Route[])[0];
  expect(route.state).not.toBe('up');
  // TLS 1.3: the origin's side of the handshake ends before the edge checks its certificate, so
  // the origin only sees the edge hang up; the edge says why.
  expect(route.lastError).toBe('socket hang up');
  expect(edge.output()).toMatch(/"err":"peer certificate not accepted: UNABLE_TO_VERIFY_LEAF_SIGNATURE","msg":"relay TLS handshake failed"/);
  // Refused without harm: the edge lives on (an upgrade already buffered on the refused socket once crashed it).
  expect(edge.exited).toBe(false);
  expect((await fetch(`${edge.http}/healthz`)).status).toBe(200);
}, 30000);

test("an edge whose certificate another CA signed is refused by the origin's TLS", async () => {
  const edge = await node('edge1', 'stranger', 'ours');
  const origin = await node('origin', 'origin', 'ours', { load_balancing_enabled: true }, xmlFor(edge));
  await until(async () => (((await routes(origin)).edges as Route[])[0].lastError ?? '') !== '', 10000, 'the origin to report the failure');
  const route = ((await routes(origin)).edges as Route[])[0];
  expect(route.state).not.toBe('up');
  expect(route.lastError).toMatch(/certificate/i);
}, 30000);
