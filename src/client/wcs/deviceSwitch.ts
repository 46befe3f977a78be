// switchCam()/switchMic() as WCS pages use them: with no device named, the next device of the kind
// in the browser's list (wrapping round), so one button cycles through every camera.

/** The device to switch to: `asked`, or the one after `current` among `devices`; null when there is none other. */
export function nextDeviceId(devices: readonly string[], current: string | undefined, asked: string | undefined): string | null {
  const index = devices.findIndex((id) => id === current);
  const next = asked ?? (devices.length > 1 ? devices[(index + 1) % devices.length] : undefined);
  return !next || next === current ? null : next;
}

/** getUserMedia constraints for `deviceId`, keeping what the page asked of the kind (size, frame rate, ...). */
export function deviceConstraints(asked: boolean | MediaTrackConstraints | undefined, deviceId: string): MediaTrackConstraints {
  return { ...(typeof asked === 'object' ? asked : {}), deviceId: { exact: deviceId } };
}
