// A configuration directory as a WCS admin brings it: the flashphoner.properties of a WCS server
// (many keys this product ignores, the WCS names it shares) and the static-CDN loadbalancing.xml
// with WCS's own attributes and elements. Used by the unit and the integration tests alike.

/** WCS's flashphoner.properties with this node's addresses and ports filled in. */
export function wcsProperties(opts: { port: number; mediaFrom: number; secret: string; origin: boolean }): string {
  return [
    '###Flashphoner WCS settings',
    '#server ip',
    'ip=127.0.0.1',
    'ip_local=127.0.0.1',
    '',
    '#ports',
    `ws.port=${opts.port}`,
    'wss.port=8443',
    'wss.keystore.password=password',
    'http.port=8081',
    'https.port=8444',
    'rtmp.port=1935',
    'rtsp.port=554',
    'port_from=31001',
    'port_to=32000',
    `media_port_from=${opts.mediaFrom}`,
    `media_port_to=${opts.mediaFrom + 199}`,
    'streaming_video_port_from=32001',
    'streaming_video_port_to=33000',
    'wcs_agent_port_from=44001',
    'wcs_agent_port_to=55000',
    '',
    '#codecs',
    'codecs=opus,alaw,ulaw,g729,speex16,g722,mpeg4-generic,telephone-event,h264,vp8,flv,mpv',
    'codecs_exclude_sip=mpeg4-generic,flv,mpv',
    'codecs_exclude_sip_rtmp=opus,g729,g722,mpeg4-generic,vp8,mpv',
    'codecs_exclude_sfu=alaw,ulaw,g729,speex16,g722,mpeg4-generic,telephone-event,flv,mpv',
    'codecs_exclude_streaming=flv,telephone-event',
    '',
    '#websocket keep-alive',
    'keep_alive.algorithm=NONE',
    'keep_alive.peer_interval=2000',
    'ice_keep_alive_enabled=true',
    'rtp_activity_detecting=true,60',
    'global_bandwidth_check_enabled=true',
    '',
    '#cdn',
    opts.origin ? 'load_balancing_enabled=true' : '#load_balancing_enabled=true',
    `cdn_secret=${opts.secret}`,
    'cdn_enabled=false',
    'stream_record_policy_template={streamName}',
    '',
    '#this product',
    'workers=1',
    'log.level=info',
    '',
  ].join('\n');
}

/** WCS's static-CDN loadbalancing.xml: randomize on the root, <http> and <https> in the nodes. */
export function wcsLoadBalancing(edges: { id: string; port: number; relayPort?: number }[]): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<loadbalancer stream_distribution="webrtc" mode="FEWESTCALLS" randomize="true">',
    ...edges.map(
      (e) =>
        `  <node id="${e.id}">\n    <ip>127.0.0.1</ip>\n    <ws>${e.port}</ws>\n    <http>8081</http>\n    <https>8444</https>\n${e.relayPort ? `    <relay>${e.relayPort}</relay>\n` : ''}  </node>`,
    ),
    '</loadbalancer>',
    '',
  ].join('\n');
}

/** Keys of wcsProperties() this product ignores, in file order. */
export const WCS_KEYS_IGNORED = [
  'wss.keystore.password',
  'http.port',
  'https.port',
  'rtmp.port',
  'rtsp.port',
  'port_from',
  'port_to',
  'streaming_video_port_from',
  'streaming_video_port_to',
  'wcs_agent_port_from',
  'wcs_agent_port_to',
  'codecs',
  'codecs_exclude_sip',
  'codecs_exclude_sip_rtmp',
  'codecs_exclude_sfu',
  'codecs_exclude_streaming',
  'keep_alive.algorithm',
  'keep_alive.peer_interval',
  'ice_keep_alive_enabled',
  'rtp_activity_detecting',
  'global_bandwidth_check_enabled',
  'cdn_enabled',
  'stream_record_policy_template',
];
