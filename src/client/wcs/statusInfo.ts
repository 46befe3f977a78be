// The info string WCS sends with a FAILED status, for this product's error codes. Pages show
// stream.getInfo() (the WCS examples do on FAILED) and some compare it with STREAM_STATUS_INFO.
import type { ErrorInfo } from '../constants';
import { STREAM_STATUS_INFO } from './constants';

export function failureInfo(error: ErrorInfo | null): string {
  if (!error) return STREAM_STATUS_INFO.FAILED_BY_ERROR;
  switch (error.code) {
    case 'STREAM_NOT_FOUND':
      // The origin says "CDN stream not found" when no node of the cluster has the stream, which
      // is what a WCS CDN says too; a single node says "Stream not found".
      return /\bCDN\b/.test(error.message) ? STREAM_STATUS_INFO.CDN_STREAM_NOT_FOUND : STREAM_STATUS_INFO.STREAM_NOT_FOUND;
    case 'STREAM_NAME_TAKEN':
      return STREAM_STATUS_INFO.STREAM_NAME_ALREADY_IN_USE;
    case 'CANNOT_CONSUME':
      return STREAM_STATUS_INFO.NO_COMMON_CODECS;
    case 'UNAUTHORIZED':
    case 'NOT_ALLOWED':
      return STREAM_STATUS_INFO.RESTRICTED_ACCESS;
    case 'NOT_CONNECTED':
      return STREAM_STATUS_INFO.SESSION_NOT_READY;
    case 'CONNECTION_LOST':
      // The media path failing is ICE's; the WebSocket to the node going away is the session's.
      return /media connection/.test(error.message) ? STREAM_STATUS_INFO.FAILED_BY_ICE_ERROR : STREAM_STATUS_INFO.STOPPED_BY_SESSION_DISCONNECT;
    case 'NODE_CLOSING':
      return STREAM_STATUS_INFO.AGENT_SERVICING_ORIGIN_STREAM_IS_SHUTTING_DOWN;
    case 'CONNECTION_FAILED':
    case 'EDGE_UNREACHABLE':
      return STREAM_STATUS_INFO.FAILED_TO_CONNECT_TO_ORIGIN_STREAM;
    case 'MEDIA_ACCESS_FAILED':
      // WCS reports the browser's own getUserMedia error text here.
      return error.message;
    default:
      return STREAM_STATUS_INFO.FAILED_BY_ERROR;
  }
}
