// Path parameters reach handlers percent-decoded; malformed encoding is the client's mistake.
import { Router } from '../../src/http/router';

const router = new Router().add('POST', '/whip/{stream}', () => undefined);

function param(path: string): string {
  const m = router.match('POST', path);
  if (!m || m === 'method') throw new Error(`no route for ${path}`);
  return m.params.stream;
}

test.each([
  ['%20 as a space', '/whip/my%20cam', 'my cam'],
  ['%C3%A9 as é (UTF-8)', '/whip/caf%C3%A9', 'café'],
  ['an encoded Chinese name', `/whip/${encodeURIComponent('直播')}`, '直播'],
  ['%2F as a slash inside the segment (for the name rule to refuse)', '/whip/a%2Fb', 'a/b'],
])('a path segment decodes %s', (_what, path, expected) => {
  expect(param(path)).toBe(expected);
});

test.each([
  ['an invalid escape', '/whip/%zz'],
  ['a truncated escape', '/whip/cam%'],
  ['an escape that is not UTF-8', '/whip/caf%E9'],
])('%s is BAD_REQUEST, not a server fault', (_what, path) => {
  expect(() => router.match('POST', path)).toThrow(expect.objectContaining({ code: 'BAD_REQUEST', message: expect.stringContaining('percent-encoding') }));
});
