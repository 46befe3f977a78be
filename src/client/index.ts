// The browser SDK's public surface, bundled by scripts/build-client.mjs into web/sdk/cdn-sdk.js as
// the global `CDN` (e.g. `CDN.createSession({urlServer})`). docs/sdk.md documents it.
export { createSession, Session } from './Session';
export type { SessionOptions, SessionEvents } from './Session';
export { Stream } from './Stream';
export type { StreamOptions, StreamEvents } from './Stream';
export { SESSION_STATUS, STREAM_STATUS, STREAM_EVENT, CLIENT_ERRORS, SdkError } from './constants';
export type { SessionStatus, StreamStatus, ErrorCode, ErrorInfo, Layers, RetryInfo } from './constants';
export { SIMULCAST_ENCODINGS } from './Publication';
export const version = '0.1.0';
