// The reload rule: which edits of a <node> re-create the origin's link to it (and so drop its
// players), and which are applied in place.
import { edgeChange, LINK_FIELDS } from '../../src/cluster/edgeChange';
import type { EdgeNodeConfig } from '../../src/config/types';

const edge: EdgeNodeConfig = {
  id: 'edge1',
  ip: '10.0.0.1',
  ws: 8081,
  wss: 8444,
  relay: 8445,
  maxConnections: 500,
  cluster: 'default',
  pathPrefix: '',
  distribution: 'push',
};

test('an unchanged node is the same', () => {
  expect(edgeChange(edge, { ...edge })).toBe('same');
});

test('max_connections, cluster membership and the wss port are updated in place, alone or together', () => {
  expect(edgeChange(edge, { ...edge, maxConnections: 10 })).toBe('update');
  expect(edgeChange(edge, { ...edge, cluster: 'eu' })).toBe('update');
  expect(edgeChange(edge, { ...edge, wss: 0 })).toBe('update');
  expect(edgeChange(edge, { ...edge, maxConnections: 10, cluster: 'eu', wss: 0 })).toBe('update');
});

test('a new address, ws or relay port or path prefix re-creates the link, whatever else changed', () => {
  expect(edgeChange(edge, { ...edge, ip: '10.0.0.2' })).toBe('recreate');
  expect(edgeChange(edge, { ...edge, ws: 9081 })).toBe('recreate');
  expect(edgeChange(edge, { ...edge, relay: 9445 })).toBe('recreate');
  expect(edgeChange(edge, { ...edge, pathPrefix: '/cdn' })).toBe('recreate');
  expect(edgeChange(edge, { ...edge, ip: '10.0.0.2', maxConnections: 10 })).toBe('recreate');
});

test('exactly the fields of the relay URL are link fields', () => {
  expect([...LINK_FIELDS].sort()).toEqual(['ip', 'pathPrefix', 'relay', 'ws']);
});
