// Where an edge sends a publisher (in one process: RelayWorld, in-memory links): the URLs its
// origin gave it over the relay link (originInfo), plain or secure as the client came, through the
// same PublishService.redirect every way in asks; none for a secure client when the origin has no
// secure URL, and none once the origin's link is gone.
import type { MediaPool } from '../../src/media/MediaPool';
import { PublishService } from '../../src/streams/PublishService';
import { StreamRegistry } from '../../src/streams/StreamRegistry';
import { logger, mediaPool, nodeConfig, RelayWorld } from '../helpers/relayCore';
import { until } from '../helpers/until';

let originPool: MediaPool;
let edgePool: MediaPool;
let world: RelayWorld;

beforeAll(async () => {
  [originPool, edgePool] = await Promise.all([mediaPool(), mediaPool()]);
});

afterEach(async () => {
  await world?.close();
});

afterAll(() => {
  originPool?.close();
  edgePool?.close();
});

/** The edge's publish service, as its ways in use it, with the edge's linked origins plugged in. */
function edgePublish(): PublishService {
  const publish = new PublishService({ config: nodeConfig('edge1'), logger, media: edgePool, streams: new StreamRegistry() });
  publish.setRedirector((secure) => world.edge().service.publishRedirect(secure));
  return publish;
}

test('an edge sends a publisher to the URLs its origin told it: plain for a plain client, secure for a secure one', async () => {
  world = new RelayWorld({
    originPool,
    edgePools: [edgePool],
    originInfo: () => ({
      url: 'ws://origin.example:8080/cdn/',
      httpBase: 'http://origin.example:8080/cdn',
      secureUrl: 'wss://origin.example:8443/cdn/',
      secureHttpBase: 'https://origin.example:8443/cdn',
    }),
  });
  await world.start();
  const publish = edgePublish();
  await until(() => publish.redirect('cam', false) !== null, 2000, "the origin's URLs on the edge");
  expect(publish.redirect('cam', false)).toEqual({ nodeId: 'origin', url: 'ws://origin.example:8080/cdn/', httpBase: 'http://origin.example:8080/cdn' });
  expect(publish.redirect('cam', true)).toEqual({ nodeId: 'origin', url: 'wss://origin.example:8443/cdn/', httpBase: 'https://origin.example:8443/cdn' });
  // The name rule holds here too.
  expect(() => publish.redirect('a/b', false)).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));

  // The origin's link gone (and not back): nowhere to send a publisher, so the edge says NOT_ALLOWED.
  world.edge().reachable = false;
  world.edge().pairs.at(-1)!.server.terminate();
  await until(() => world.link().state === 'down', 2000, 'the link down');
  expect(() => publish.redirect('cam', false)).toThrow(expect.objectContaining({ code: 'NOT_ALLOWED' }));
});

test('an origin without TLS gives no secure URL: a secure publisher reaching the edge is refused, a plain one sent on', async () => {
  world = new RelayWorld({ originPool, edgePools: [edgePool], originInfo: () => ({ url: 'ws://10.0.0.1:8080/', httpBase: 'http://10.0.0.1:8080' }) });
  await world.start();
  const publish = edgePublish();
  await until(() => publish.redirect('cam', false) !== null, 2000, "the origin's URLs on the edge");
  expect(() => publish.redirect('cam', true)).toThrow(
    expect.objectContaining({ code: 'NOT_ALLOWED', message: expect.stringContaining('publish.allow_direct') }),
  );
});
