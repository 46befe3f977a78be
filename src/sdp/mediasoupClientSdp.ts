// mediasoup-client's SDP helpers, used server-side (docs/mediasoup.md): the package exports them
// as `mediasoup-client/handlers/sdp/*` (its `exports` map, which the "node16" module resolution of
// tsconfig.json reads for the types as Node does for the code).
export { RemoteSdp } from 'mediasoup-client/handlers/sdp/RemoteSdp';
export * as commonUtils from 'mediasoup-client/handlers/sdp/commonUtils';
export * as unifiedPlanUtils from 'mediasoup-client/handlers/sdp/unifiedPlanUtils';
