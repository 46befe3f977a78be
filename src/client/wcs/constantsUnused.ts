// Constant groups of the WCS Web SDK for what this server does not have or does not report: SIP
// calls (createCall is refused), the transport choice (the node offers UDP and TCP candidates and
// the browser picks), connection quality reports and video content hints. Defined, frozen, with
// WCS's values, so pages that read them (`Flashphoner.constants.CALL_STATUS.RING`, ...) load and
// compare as before; nothing here is ever fired.

export const CALL_STATUS = Object.freeze({
  NEW: 'NEW',
  RING: 'RING',
  RING_MEDIA: 'RING_MEDIA',
  HOLD: 'HOLD',
  ESTABLISHED: 'ESTABLISHED',
  FINISH: 'FINISH',
  BUSY: 'BUSY',
  SESSION_PROGRESS: 'SESSION_PROGRESS',
  FAILED: 'FAILED',
  PENDING: 'PENDING',
  TRYING: 'TRYING',
});

export const CALL_STATUS_INFO = Object.freeze({
  NORMAL_CALL_CLEARING: 'Normal call clearing',
  FAILED_BY_SESSION_CREATION: 'Failed by session creation',
  FAILED_BY_ICE_ERROR: 'Failed by ICE error',
  FAILED_BY_RTP_ACTIVITY: 'Failed by RTP activity',
  FAILED_BY_RTMP_WRITER_ERROR: 'Failed by RTMP writer error',
  FAILED_BY_DTLS_FINGERPRINT_ERROR: 'Failed by DTLS fingerprint error',
  NO_COMMON_CODECS: 'No common codecs',
  FAILED_BY_DTLS_ERROR: 'Failed by DTLS error',
  FAILED_BY_ERROR: 'Failed by error',
  FAILED_BY_REQUEST_TIMEOUT: 'Failed by request timeout',
  TRANSCODING_REQUIRED_BUT_DISABLED: 'Transcoding required, but disabled',
});

/** WCS's `transport` stream option; accepted and ignored here (the browser picks among the node's candidates). */
export const TRANSPORT_TYPE = Object.freeze({ UDP: 'UDP', TCP: 'TCP' });

export const CONNECTION_QUALITY = Object.freeze({
  PERFECT: 'PERFECT',
  GOOD: 'GOOD',
  BAD: 'BAD',
  UNKNOWN: 'UNKNOWN',
  UPDATE: 'UPDATE',
});

/** WCS's `videoContentHint` stream option values. */
export const CONTENT_HINT_TYPE = Object.freeze({ MOTION: 'motion', DETAIL: 'detail', TEXT: 'text' });
