// Flashphoner.constants: the names and strings WCS pages compare against. Status names are the
// WCS Web SDK's; the info strings are the texts WCS sends with a status (stream.getInfo()), so a
// page that shows or tests them keeps working. Frozen, like WCS's read-only definitions. The groups
// for what this server does not have (SIP calls, ...) are in constantsUnused.ts.
import { CALL_STATUS, CALL_STATUS_INFO, CONNECTION_QUALITY, CONTENT_HINT_TYPE, TRANSPORT_TYPE } from './constantsUnused';

export const SESSION_STATUS = Object.freeze({
  PENDING: 'PENDING',
  /** The WebSocket opened (fired right before ESTABLISHED here: connect is answered at once). */
  CONNECTED: 'CONNECTED',
  ESTABLISHED: 'ESTABLISHED',
  DISCONNECTED: 'DISCONNECTED',
  FAILED: 'FAILED',
  /** Never fired here (no REST hooks, no SIP): defined so pages that subscribe to them load. */
  WARN: 'WARN',
  DEBUG: 'DEBUG',
  APP_DATA: 'APP_DATA',
  SEND_DATA_STATUS: 'SEND_DATA_STATUS',
  REGISTERED: 'REGISTERED',
  UNREGISTERED: 'UNREGISTERED',
  INCOMING_CALL: 'INCOMING_CALL',
});

export const STREAM_STATUS = Object.freeze({
  NEW: 'NEW',
  PENDING: 'PENDING',
  PUBLISHING: 'PUBLISHING',
  PLAYING: 'PLAYING',
  /** Never fired here (no pause on the server); defined for pages that subscribe to it. */
  PAUSED: 'PAUSED',
  UNPUBLISHED: 'UNPUBLISHED',
  STOPPED: 'STOPPED',
  FAILED: 'FAILED',
  PLAYBACK_PROBLEM: 'PLAYBACK_PROBLEM',
  RESIZE: 'RESIZE',
  SNAPSHOT_COMPLETE: 'SNAPSHOT_COMPLETE',
  NOT_ENOUGH_BANDWIDTH: 'NOT_ENOUGH_BANDWIDTH',
});

/** The event name of stream events that are not statuses; the handler gets `{type, payload}`. */
export const STREAM_EVENT = 'STREAM_EVENT';

export const STREAM_EVENT_TYPE = Object.freeze({
  AUDIO_MUTED: 'audioMuted',
  AUDIO_UNMUTED: 'audioUnmuted',
  VIDEO_MUTED: 'videoMuted',
  VIDEO_UNMUTED: 'videoUnmuted',
  /** payload: what the publisher's sendData (or the REST call /rest-api/stream/event/send) sent. */
  DATA: 'data',
  /** payload `{info: "remoteBitrate/networkBandwidth"}` (bits/s, -1 when unknown), as WCS. */
  NOT_ENOUGH_BANDWIDTH: 'notEnoughBandwidth',
  /** payload `{streamerVideoWidth, streamerVideoHeight}`. */
  RESIZE: 'resize',
  /** The browser refused to start with sound; the page should offer an unmute button. */
  UNMUTE_REQUIRED: 'unmuteRequired',
  // This product's own events (failover, node, simulcast), payloads as in docs/sdk.md.
  RETRYING: 'retrying',
  NODE_CHANGED: 'nodeChanged',
  LAYERS_CHANGED: 'layersChanged',
  TRACK_FAILED: 'trackFailed',
});

export const STREAM_STATUS_INFO = Object.freeze({
  FAILED_BY_ICE_ERROR: 'Failed by ICE error',
  FAILED_BY_ICE_TIMEOUT: 'Failed by ICE timeout',
  FAILED_BY_KEEP_ALIVE: 'Failed by ICE keep alive',
  FAILED_BY_DTLS_FINGERPRINT_ERROR: 'Failed by DTLS fingerprint error',
  FAILED_BY_DTLS_ERROR: 'Failed by DTLS error',
  FAILED_BY_RTP_ACTIVITY: 'Failed by RTP activity',
  STOPPED_BY_SESSION_DISCONNECT: 'Stopped by session disconnect',
  STOPPED_BY_REST_TERMINATE: 'Stopped by rest /terminate',
  STOPPED_BY_PUBLISHER_STOP: 'Stopped by publisher stop',
  STOPPED_BY_USER: 'Stopped by user',
  FAILED_BY_ERROR: 'Failed by error',
  FAILED_TO_ADD_STREAM_TO_PROXY: 'Failed to add stream to proxy',
  PUBLISH_STREAM_IS_NOT_READY: 'Publish stream is not ready',
  STREAM_NOT_FOUND: 'Stream not found',
  STREAM_NAME_ALREADY_IN_USE: 'Stream name is already in use',
  SESSION_NOT_READY: 'Session not ready',
  SESSION_DOES_NOT_EXIST: 'Session does not exist',
  NO_COMMON_CODECS: 'No common codecs',
  FAILED_TO_CONNECT_TO_ORIGIN_STREAM: 'Failed to connect to origin stream',
  CDN_STREAM_NOT_FOUND: 'CDN stream not found',
  AGENT_SERVICING_ORIGIN_STREAM_IS_SHUTTING_DOWN: 'Agent servicing origin stream is shutting down',
  TRANSCODING_REQUIRED_BUT_DISABLED: 'Transcoding required, but disabled',
  RESTRICTED_ACCESS: 'Restricted access',
  NO_AVAILABLE_TRANSCODERS: 'No available transcoders',
  // Never sent here (no HLS, RTMP, RTSP, VOD, recording or mixer): defined for pages that compare with them.
  FAILED_BY_HLS_WRITER_ERROR: 'Failed by HLS writer error',
  FAILED_BY_RTMP_WRITER_ERROR: 'Failed by RTMP writer error',
  DISTRIBUTOR_STOPPED: 'Distributor stopped',
  MEDIASESSION_ID_NULL: 'MediaSessionId is null',
  MEDIASESSION_ID_ALREADY_IN_USE: 'MediaSessionId is already in use',
  RTSP_HAS_WRONG_FORMAT: 'Rtsp has wrong format',
  FILE_HAS_WRONG_FORMAT: 'File has wrong format',
  FAILED_TO_CONNECT_TO_RTSP_STREAM: 'Failed to connect to rtsp stream',
  RTSP_STREAM_NOT_FOUND: 'Rtsp stream not found',
  RTSPAGENT_SHUTDOWN: 'RtspAgent shutdown',
  STREAM_FAILED: 'Stream failed',
  BAD_URI: 'Bad URI',
  GOT_EXCEPTION_WHILE_STREAMING_FILE: 'Got exception while streaming file',
  REQUESTED_STREAM_SHUTDOWN: 'Requested stream shutdown',
  FAILED_TO_READ_FILE: 'Failed to read file',
  FILE_NOT_FOUND: 'File not found',
  FAILED_TO_GET_AGENT_STORAGE: 'Failed to get agent storage',
  TERMINATED_BY_KEEP_ALIVE: 'Terminated by keep-alive',
});

export const ERROR_INFO = Object.freeze({
  NONE_OF_MEDIAPROVIDERS_AVAILABLE: 'None of MediaProviders available',
  NONE_OF_PREFERRED_MEDIAPROVIDERS_AVAILABLE: 'None of preferred MediaProviders available',
  FLASHPHONER_API_NOT_INITIALIZED: 'Flashphoner API is not initialized',
  OPTIONS_URLSERVER_MUST_BE_PROVIDED: 'options.urlServer must be provided',
  INVALID_SESSION_STATE: 'Invalid session state',
  OPTIONS_MUST_BE_PROVIDED: 'options must be provided',
  INVALID_CALL_STATE: 'Invalid call state',
  EVENT_CANT_BE_NULL: "Event can't be null",
  CALLBACK_NEEDS_TO_BE_A_VALID_FUNCTION: 'Callback needs to be a valid function',
  OPTIONS_NAME_MUST_BE_PROVIDED: 'options.name must be provided',
  CAN_NOT_SWITCH_CAM: 'Number of cams is less than 2 or already used custom stream',
  CAN_NOT_SWITCH_MIC: 'Number of mics is less than 2 or already used custom stream',
  LOCAL_ERROR: 'Local error',
});

export const MEDIA_DEVICE_KIND = Object.freeze({ OUTPUT: 'output', INPUT: 'input', ALL: 'all' });

export const CONSTANTS = Object.freeze({
  SESSION_STATUS,
  STREAM_STATUS,
  STREAM_EVENT,
  STREAM_EVENT_TYPE,
  STREAM_STATUS_INFO,
  ERROR_INFO,
  MEDIA_DEVICE_KIND,
  CALL_STATUS,
  CALL_STATUS_INFO,
  TRANSPORT_TYPE,
  CONNECTION_QUALITY,
  CONTENT_HINT_TYPE,
});
