// Keys of Flashphoner WCS's flashphoner.properties that this product knows and does not use: the
// common ones, each in the group that says why it has no effect here. A WCS admin brings their
// whole file; these keys are accepted and named in one warning at start-up, so the node starts and
// the admin still learns what has no effect here.
//
// The list documents, it does not decide: WCS has hundreds of settings (SIP, RTMP, RTSP,
// recording, transcoding, ...), so a key that is neither ours nor listed here is accepted too and
// named apart in the same warning, as one this product does not know (load.ts). What still stops
// the node is a key close to one of ours (a typo: "did you mean", src/config/nearest.ts), or any
// unknown key with config.strict=true. No key listed here may be close to one of ours
// (test/unit/config.wcs.test.ts), so a misspelt key of ours can never pass as a WCS key.
//
// Grouped by topic. Keys WCS shares with us (ip, ip_local, ws.port, wss.port, media_port_from,
// media_port_to, load_balancing_enabled) are ours, not listed here.

export const WCS_IGNORED_KEYS: ReadonlySet<string> = new Set([
  // ports and listeners this product does not open (HTTP and REST live on ws.port here)
  'http.port',
  'https.port',
  'http_enable_root_page',
  'rtmp.port',
  'rtmps.port',
  'rtsp.port',
  'rtmfp.port',
  'port_from',
  'port_to',
  'streaming_video_port_from',
  'streaming_video_port_to',
  'wcs_agent_port_from',
  'wcs_agent_port_to',
  'wss.keystore.password',
  // codecs and transcoding (mediasoup forwards what the publisher sends, it never transcodes)
  'codecs',
  'codecs_exclude_sip',
  'codecs_exclude_sip_rtmp',
  'codecs_exclude_sfu',
  'codecs_exclude_streaming',
  'strip_rtmp_video_sei',
  'video_decoder_fast_start',
  'encoder_priority',
  'decoder_priority',
  // WebRTC tuning of WCS's own stack
  'ice_keep_alive_enabled',
  'ice_tcp_transport',
  'webrtc_cc_min_bitrate',
  'webrtc_cc_max_bitrate',
  'webrtc_sdp_min_bitrate_bps',
  'webrtc_sdp_max_bitrate_bps',
  'rtp_activity_detecting',
  'rtp_activity_audio',
  'rtp_activity_video',
  'global_bandwidth_check_enabled',
  'periodic_fir_request',
  // WebSocket keep-alive and access control (ws.heartbeat_ms and limits.* are this product's)
  'keep_alive.algorithm',
  'keep_alive.probes',
  'keep_alive.peer_interval',
  'keep_alive.server_interval',
  'ws_read_socket_timeout',
  'allow_domains',
  'client_acl_property_name',
  'disable_rest_auth',
  'disable_rest_auth_from_localhost',
  'disable_manager_rest_authentication',
  // stream keep-alives sent to REST hooks (this product has no REST hook application)
  'keep_alive_streaming_sessions_enabled',
  'streaming_sessions_keep_alive_interval',
  'streaming_sessions_keep_alive_app_keys',
  // CDN 2.0 (dynamic CDN); this product is WCS's static CDN (loadbalancing.xml)
  'cdn_enabled',
  'cdn_ip',
  'cdn_point_of_entry',
  'cdn_role',
  'cdn_nodes_resolve_ip',
  'cdn_groups',
  'cdn_strict_transcoding_boundaries',
  // recording, HLS, RTMP, mixer: features this product does not have
  'stream_record_policy_template',
  'record_flash_published_stream',
  'record_rtsp_published_stream',
  'hls_list_size',
  'hls_auto_start',
  'hls_preloader_enabled',
  'hls_player_width',
  'hls_player_height',
  'rtmp_transponder_full',
  'rtmp_transponder_stream_name_prefix',
  'mixer_auto_start',
  'mixer_video_width',
  'mixer_video_height',
]);

/** True when `key` is one of WCS's that this product accepts and ignores. */
export function isIgnoredWcsKey(key: string): boolean {
  return WCS_IGNORED_KEYS.has(key);
}
