import { whipAlternates } from '../../src/http/whipAlternates';

const origins = [
  { id: 'oa', ip: '10.0.0.1', ws: 8080, wss: 8443, pathPrefix: '' },
  { id: 'ob', ip: '10.0.0.2', ws: 8080, wss: 0, pathPrefix: '/media' },
  { id: 'oc', ip: 'fd00::3', ws: 8080, wss: 8443, pathPrefix: '' },
];

test('names every other origin at its WHIP URL for the stream, with its id as the title', () => {
  expect(whipAlternates(origins, 'oa', 'cam 1', false)).toEqual([
    '<http://10.0.0.2:8080/media/whip/cam%201>; rel="alternate"; title="ob"',
    '<http://[fd00::3]:8080/whip/cam%201>; rel="alternate"; title="oc"',
  ]);
});

test('a client that came over https is given only the origins with a secure port', () => {
  expect(whipAlternates(origins, 'oa', 'cam', true)).toEqual(['<https://[fd00::3]:8443/whip/cam>; rel="alternate"; title="oc"']);
});

test('one origin: nothing to name; an id that cannot go in a header as it is loses only its title', () => {
  expect(whipAlternates([origins[0]], 'oa', 'cam', false)).toEqual([]);
  expect(whipAlternates([origins[0], { ...origins[1], id: 'o"b' }], 'oa', 'cam', false)).toEqual(['<http://10.0.0.2:8080/media/whip/cam>; rel="alternate"']);
});
