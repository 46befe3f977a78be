// Status names and error codes, spelled as in the WCS Web SDK so its users feel at home.

export const SESSION_STATUS = {
  /** Not connected yet (the WebSocket is opening). */
  PENDING: 'PENDING',
  /** The command channel is open and `connect` was answered (again, after RECONNECTING). */
  ESTABLISHED: 'ESTABLISHED',
  /**
   * The origin was lost (its socket closed, or it stopped answering the heartbeat) and the session
   * is connecting to another origin it knows of; ESTABLISHED follows, or DISCONNECTED when none answers.
   */
  RECONNECTING: 'RECONNECTING',
  /** The connection closed after it was established (disconnect() or a network loss). */
  DISCONNECTED: 'DISCONNECTED',
  /** The connection could not be established. */
  FAILED: 'FAILED',
} as const;
export type SessionStatus = (typeof SESSION_STATUS)[keyof typeof SESSION_STATUS];

export const STREAM_STATUS = {
  NEW: 'NEW',
  /** Publish or play was asked for; media is being set up (also while failover looks for a node). */
  PENDING: 'PENDING',
  PUBLISHING: 'PUBLISHING',
  PLAYING: 'PLAYING',
  /** Publisher: stop() took effect. Player: the publisher stopped (failover may resume play). */
  UNPUBLISHED: 'UNPUBLISHED',
  /** Player: stop() took effect. */
  STOPPED: 'STOPPED',
  /** Terminal failure; getErrorInfo() says why. */
  FAILED: 'FAILED',
  /** Player: not even the lowest simulcast layer fits the link; play goes on when it fits again. */
  NOT_ENOUGH_BANDWIDTH: 'NOT_ENOUGH_BANDWIDTH',
} as const;
export type StreamStatus = (typeof STREAM_STATUS)[keyof typeof STREAM_STATUS];

/** Stream events that are not statuses: they tell a page what is going on without a state change. */
export const STREAM_EVENT = {
  /** Player failover: the next attempt is scheduled. Payload: RetryInfo. */
  RETRYING: 'RETRYING',
  /** Player: which node serves the stream changed (after a redirect or a failover). Payload: node id. */
  NODE_CHANGED: 'NODE_CHANGED',
  /** Player: the simulcast layers the node forwards changed. Payload: Layers or null. */
  LAYERS_CHANGED: 'LAYERS_CHANGED',
  /** Player: one track could not be played (e.g. no codec in common); the others play on. Payload: TrackFailure. */
  TRACK_FAILED: 'TRACK_FAILED',
  /**
   * Player: the publisher paused or resumed a track (muted its microphone, ...); also right after
   * play starts for a track that is paused then. Payload: {kind, paused}.
   */
  TRACK_PAUSED: 'TRACK_PAUSED',
  /** Player: data the publisher sent (Stream.sendData) or an admin sent (REST), in the order sent. Payload: the data. */
  DATA: 'DATA',
} as const;

/**
 * The command channel's error codes (src/errors.ts, docs/protocol.md). The SDK is bundled for
 * browsers and imports no server code, so the names are repeated here; test/unit/layers.test.ts
 * fails when this list and the server's registry differ.
 */
export const SERVER_ERROR_CODES = [
  'BAD_REQUEST',
  'UNKNOWN_COMMAND',
  'NOT_CONNECTED',
  'ALREADY_CONNECTED',
  'STREAM_NOT_FOUND',
  'STREAM_NAME_TAKEN',
  'TRANSPORT_NOT_FOUND',
  'PIPE_NOT_FOUND',
  'PRODUCER_NOT_FOUND',
  'CONSUMER_NOT_FOUND',
  'CANNOT_CONSUME',
  'NOT_ALLOWED',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'TOO_MANY_CONNECTIONS',
  'NODE_CLOSING',
  'MEDIA_UNAVAILABLE',
  'UNKNOWN_CLUSTER',
  'UNKNOWN_MACHINE',
  'MACHINE_DOWN',
  'NO_NODE_AVAILABLE',
  'BAD_SDP',
  'UNSUPPORTED_MEDIA_TYPE',
  'SESSION_NOT_FOUND',
  'EDGE_UNREACHABLE',
  'TIMEOUT',
  'INTERNAL',
  // Relay channel only (between nodes); listed so the two registries stay one.
  'RELAY_VERSION',
  // REST only (POST /rest-api/cdn/reload); listed so the two registries stay one.
  'CONFIG_INVALID',
  // Stream events.
  'EVENT_TOO_LARGE',
  'ORIGIN_UNREACHABLE',
  // Per-client limits.
  'LIMIT_REACHED',
  'RATE_LIMITED',
] as const;
export type ServerErrorCode = (typeof SERVER_ERROR_CODES)[number];

/**
 * Codes the SDK reports itself, for failures that never reach a server. Every other code is one of
 * the command channel's (docs/protocol.md), passed through unchanged.
 */
export const CLIENT_ERRORS = {
  CONNECTION_FAILED: 'The WebSocket to the node could not be opened.',
  CONNECTION_LOST: 'The WebSocket or the media connection to the node was lost.',
  TIMEOUT: 'The node did not answer a command in time.',
  MEDIA_ACCESS_FAILED: 'The camera or microphone could not be opened (getUserMedia failed).',
  MEDIA_FAILED: 'The browser could not set up the WebRTC media (device or transport error).',
  INVALID_STATE: 'The call does not fit the stream or session state (e.g. publish() twice).',
  NOT_SUPPORTED: 'The page asked for something this server does not do (e.g. the WCS option record: true).',
} as const;
export type ClientErrorCode = keyof typeof CLIENT_ERRORS;
export type ErrorCode = ServerErrorCode | ClientErrorCode;

export interface ErrorInfo {
  code: ErrorCode;
  message: string;
}

/** An SDK failure with a stable code (the same codes as the command channel, plus CLIENT_ERRORS). */
export class SdkError extends Error implements ErrorInfo {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'SdkError';
    this.code = code;
  }

  /** Wraps anything thrown into an SdkError; unknown failures get `fallback`. */
  static from(err: unknown, fallback: ClientErrorCode = 'MEDIA_FAILED'): SdkError {
    if (err instanceof SdkError) return err;
    const message = err instanceof Error ? err.message : String(err);
    return new SdkError(fallback, message);
  }
}

export interface Layers {
  spatialLayer: number;
  temporalLayer?: number;
}

export interface RetryInfo {
  /** 1 for the first retry. */
  attempt: number;
  maxRetries: number;
  /** In ms, when the attempt starts. */
  delayMs: number;
  /** Why play is being retried: the error of the last failure (e.g. STREAM_NOT_FOUND, CONNECTION_LOST). */
  reason: ErrorInfo;
}
