// stream.available(): the find_all URL of the session's node, from its WebSocket URL, and whether
// find_all's answer lists the stream as published (src/client/wcs/streamAvailability.ts;
// docs/wcs-migration.md, docs/rest.md).
import { findAllUrl, listsPublished } from '../../src/client/wcs/streamAvailability';

describe('findAllUrl', () => {
  test('ws:// becomes http://, wss:// https://, host and port kept', () => {
    expect(findAllUrl('ws://127.0.0.1:8080')).toBe('http://127.0.0.1:8080/rest-api/stream/find_all');
    expect(findAllUrl('ws://127.0.0.1:8080/')).toBe('http://127.0.0.1:8080/rest-api/stream/find_all');
    expect(findAllUrl('wss://edge.example:8443/')).toBe('https://edge.example:8443/rest-api/stream/find_all');
  });

  test("a node's path prefix (http.path_prefix, docs/reverse-proxy.md) is kept, with or without a trailing slash", () => {
    expect(findAllUrl('wss://proxy.example/cdn/edge1')).toBe('https://proxy.example/cdn/edge1/rest-api/stream/find_all');
    expect(findAllUrl('wss://proxy.example/cdn/edge1/')).toBe('https://proxy.example/cdn/edge1/rest-api/stream/find_all');
  });

  test('only the scheme is rewritten: a host or path with "ws" in it stays', () => {
    expect(findAllUrl('ws://ws.example:8080/ws')).toBe('http://ws.example:8080/ws/rest-api/stream/find_all');
  });
});

describe('listsPublished', () => {
  test("a stream PUBLISHING on the node (WCS's field) or published (this product's) is listed", () => {
    expect(listsPublished([{ name: 'cam', status: 'PUBLISHING' }], 'cam')).toBe(true);
    expect(listsPublished([{ name: 'cam', published: true }], 'cam')).toBe(true);
    expect(
      listsPublished(
        [
          { name: 'other', status: 'PUBLISHING' },
          { name: 'cam', status: 'PUBLISHING' },
        ],
        'cam',
      ),
    ).toBe(true);
  });

  test('another name, another status, or published not exactly true: not listed', () => {
    expect(listsPublished([{ name: 'other', status: 'PUBLISHING' }], 'cam')).toBe(false);
    expect(listsPublished([{ name: 'Cam', status: 'PUBLISHING' }], 'cam')).toBe(false);
    expect(listsPublished([{ name: 'cam', status: 'PLAYING' }], 'cam')).toBe(false);
    expect(listsPublished([{ name: 'cam', status: 'UNPUBLISHED', published: false }], 'cam')).toBe(false);
    expect(listsPublished([{ name: 'cam', published: 'true' }], 'cam')).toBe(false);
    expect(listsPublished([{ name: 'cam' }], 'cam')).toBe(false);
  });

  test('an empty list, or an answer that is not a list, is not published', () => {
    expect(listsPublished([], 'cam')).toBe(false);
    expect(listsPublished({ name: 'cam', status: 'PUBLISHING' }, 'cam')).toBe(false);
    expect(listsPublished(null, 'cam')).toBe(false);
    expect(listsPublished('cam', 'cam')).toBe(false);
    expect(listsPublished(undefined, 'cam')).toBe(false);
  });

  test('entries that are not objects are skipped, not a TypeError that would make available() reject as if the node were unreachable', () => {
    expect(listsPublished([null, 'cam', 7, { name: 'cam', status: 'PUBLISHING' }], 'cam')).toBe(true);
    expect(listsPublished([null, undefined, 'cam'], 'cam')).toBe(false);
  });
});
