// mediasoup-client's SDP helpers, used server-side (docs/mediasoup.md). The package exports them
// as `mediasoup-client/handlers/sdp/*` (its `exports` map); TypeScript's "node" resolution does
// not read `exports`, so the types come from the files under lib/ and the code through require().
import type * as RemoteSdpModule from 'mediasoup-client/lib/handlers/sdp/RemoteSdp';
import type * as CommonUtilsModule from 'mediasoup-client/lib/handlers/sdp/commonUtils';
import type * as UnifiedPlanUtilsModule from 'mediasoup-client/lib/handlers/sdp/unifiedPlanUtils';

/* eslint-disable @typescript-eslint/no-require-imports */
export const { RemoteSdp } = require('mediasoup-client/handlers/sdp/RemoteSdp') as typeof RemoteSdpModule;
export const commonUtils = require('mediasoup-client/handlers/sdp/commonUtils') as typeof CommonUtilsModule;
export const unifiedPlanUtils = require('mediasoup-client/handlers/sdp/unifiedPlanUtils') as typeof UnifiedPlanUtilsModule;
