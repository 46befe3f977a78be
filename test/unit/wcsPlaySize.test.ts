// playWidth/playHeight: the simulcast layer a player asks the node for, from the asked size, the
// picture received and the layer forwarded now (src/client/wcs/playSize.ts; docs/wcs-migration.md:
// "the largest simulcast layer that fits the size is preferred (layers are 1/4, 1/2, 1 of the camera)").
import { layerToAsk } from '../../src/client/wcs/playSize';

// A 1280x720 camera: layer 0 320x180, layer 1 640x360, layer 2 1280x720.
const top = { width: 1280, height: 720 };
const middle = { width: 640, height: 360 };
const bottom = { width: 320, height: 180 };

describe('layerToAsk', () => {
  test('the largest layer that fits, whichever layer is received now', () => {
    for (const [picture, spatialLayer] of [
      [top, 2],
      [middle, 1],
      [bottom, 0],
    ] as const) {
      const layers = { spatialLayer, temporalLayer: 2 };
      expect(layerToAsk({ width: 640, height: 360 }, picture, layers)).toBe(1);
      expect(layerToAsk({ width: 1920, height: 1080 }, picture, layers)).toBe(2);
      expect(layerToAsk({ width: 700 }, picture, layers)).toBe(1);
      expect(layerToAsk({ height: 200 }, picture, layers)).toBe(0);
    }
  });

  test('sizes as WCS pages pass them, numbers or strings', () => {
    expect(layerToAsk({ width: '640', height: '360' }, top, { spatialLayer: 2 })).toBe(1);
    expect(layerToAsk({ width: '1280' }, bottom, { spatialLayer: 0 })).toBe(2);
  });

  test('a size smaller than every layer gets the smallest layer', () => {
    expect(layerToAsk({ width: 100, height: 50 }, top, { spatialLayer: 2 })).toBe(0);
  });

  test('both sides must fit: a wide, short size is bound by its height', () => {
    expect(layerToAsk({ width: 1920, height: 360 }, top, { spatialLayer: 2 })).toBe(1);
  });

  test('nothing to ask with no usable size asked', () => {
    expect(layerToAsk({}, top, { spatialLayer: 2 })).toBeNull();
    expect(layerToAsk({ width: 0, height: '' }, top, { spatialLayer: 2 })).toBeNull();
    expect(layerToAsk({ width: -640, height: 'big' }, top, { spatialLayer: 2 })).toBeNull();
    expect(layerToAsk({ width: null, height: undefined }, top, { spatialLayer: 2 })).toBeNull();
  });

  test('nothing to ask before a picture or layers are known', () => {
    expect(layerToAsk({ width: 640 }, {}, { spatialLayer: 2 })).toBeNull();
    expect(layerToAsk({ width: 640 }, { width: 0, height: 0 }, { spatialLayer: 2 })).toBeNull();
    expect(layerToAsk({ width: 640 }, top, null)).toBeNull();
  });
});
