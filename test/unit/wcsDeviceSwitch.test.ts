// switchCam()/switchMic() without a device id cycle through the browser's devices of the kind
// (src/client/wcs/deviceSwitch.ts, docs/wcs-migration.md): the next one, wrapping round, or
// nothing when there is no other; and the constraints keep what the page asked of the kind.
import { deviceConstraints, nextDeviceId } from '../../src/client/wcs/deviceSwitch';

describe('nextDeviceId', () => {
  const cams = ['front', 'back', 'usb'];

  test('with no device named, the one after the current, wrapping round to the first', () => {
    expect(nextDeviceId(cams, 'front', undefined)).toBe('back');
    expect(nextDeviceId(cams, 'back', undefined)).toBe('usb');
    expect(nextDeviceId(cams, 'usb', undefined)).toBe('front');
  });

  test('pressing the button once per device comes back to the device it started from', () => {
    let current = 'back';
    const seen: string[] = [];
    for (let i = 0; i < cams.length; i++) {
      const next = nextDeviceId(cams, current, undefined);
      expect(next).not.toBeNull();
      current = next!;
      seen.push(current);
    }
    expect(seen).toEqual(['usb', 'front', 'back']);
  });

  test('two devices toggle', () => {
    expect(nextDeviceId(['a', 'b'], 'a', undefined)).toBe('b');
    expect(nextDeviceId(['a', 'b'], 'b', undefined)).toBe('a');
  });

  test('no devices, or only the current one: nothing to switch to', () => {
    expect(nextDeviceId([], undefined, undefined)).toBeNull();
    expect(nextDeviceId([], 'front', undefined)).toBeNull();
    expect(nextDeviceId(['front'], 'front', undefined)).toBeNull();
  });

  test('a current device the list does not know (unplugged, or unknown): the first of the list', () => {
    expect(nextDeviceId(cams, 'gone', undefined)).toBe('front');
    expect(nextDeviceId(cams, undefined, undefined)).toBe('front');
  });

  test('the device the page names is used as it is, whether or not the list has it', () => {
    expect(nextDeviceId(cams, 'front', 'usb')).toBe('usb');
    expect(nextDeviceId(cams, 'front', 'not-listed')).toBe('not-listed');
    expect(nextDeviceId([], undefined, 'usb')).toBe('usb');
  });

  test('naming the current device, or an empty id, switches nothing', () => {
    expect(nextDeviceId(cams, 'back', 'back')).toBeNull();
    expect(nextDeviceId(cams, 'back', '')).toBeNull();
  });
});

describe('deviceConstraints', () => {
  test('asks for exactly that device', () => {
    expect(deviceConstraints(true, 'back')).toEqual({ deviceId: { exact: 'back' } });
    expect(deviceConstraints(undefined, 'back')).toEqual({ deviceId: { exact: 'back' } });
    expect(deviceConstraints(false, 'back')).toEqual({ deviceId: { exact: 'back' } });
  });

  test("keeps the page's size and frame rate, and replaces the device it asked for", () => {
    const asked: MediaTrackConstraints = { width: 640, height: { ideal: 360 }, frameRate: 30, deviceId: 'front' };
    expect(deviceConstraints(asked, 'back')).toEqual({ width: 640, height: { ideal: 360 }, frameRate: 30, deviceId: { exact: 'back' } });
    // The page's own constraints are left as they were: the next switch starts from them again.
    expect(asked.deviceId).toBe('front');
  });
});
