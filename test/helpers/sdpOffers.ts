// Chrome-like SDP offers for WHIP/WHEP tests (no browser needed): audio Opus, video VP8/VP9/H264
// with RTX, or H264 only, or AV1 only (which the router lacks).
const FP = 'sha-256 ' + Array.from({ length: 32 }, (_, i) => (i + 16).toString(16).toUpperCase()).join(':');

export function audio(dir: string, ssrc?: number): string {
  return [
    'm=audio 9 UDP/TLS/RTP/SAVPF 111 0',
    'c=IN IP4 0.0.0.0',
    'a=rtcp:9 IN IP4 0.0.0.0',
    'a=ice-ufrag:abcd',
    'a=ice-pwd:abcdefghijklmnopqrstuvwx',
    'a=ice-options:trickle',
    `a=fingerprint:${FP}`,
    'a=setup:actpass',
    'a=mid:0',
    'a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level',
    'a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid',
    `a=${dir}`,
    ...(ssrc ? ['a=msid:s1 a1'] : []),
    'a=rtcp-mux',
    'a=rtpmap:111 opus/48000/2',
    'a=rtcp-fb:111 transport-cc',
    'a=fmtp:111 minptime=10;useinbandfec=1',
    'a=rtpmap:0 PCMU/8000',
    ...(ssrc ? [`a=ssrc:${ssrc} cname:c1`, `a=ssrc:${ssrc} msid:s1 a1`] : []),
  ].join('\r\n');
}

export function video(dir: string, codecs: 'all' | 'h264' | 'av1', ssrc?: number, mid = '1'): string {
  const rtp =
    codecs === 'all'
      ? [
          ['96', 'VP8/90000', ''],
          ['97', 'rtx/90000', 'apt=96'],
          ['98', 'VP9/90000', 'profile-id=0'],
          ['102', 'H264/90000', 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f'],
          ['103', 'rtx/90000', 'apt=102'],
        ]
      : codecs === 'h264'
        ? [
            ['102', 'H264/90000', 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f'],
            ['103', 'rtx/90000', 'apt=102'],
          ]
        : [['45', 'AV1/90000', '']];
  const lines = [
    `m=video 9 UDP/TLS/RTP/SAVPF ${rtp.map((r) => r[0]).join(' ')}`,
    'c=IN IP4 0.0.0.0',
    'a=ice-ufrag:abcd',
    'a=ice-pwd:abcdefghijklmnopqrstuvwx',
    `a=fingerprint:${FP}`,
    'a=setup:actpass',
    `a=mid:${mid}`,
    'a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid',
    'a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01',
    'a=extmap:14 urn:ietf:params:rtp-hdrext:toffset',
    `a=${dir}`,
    'a=rtcp-mux',
    'a=rtcp-rsize',
  ];
  for (const [pt, name, fmtp] of rtp) {
    lines.push(`a=rtpmap:${pt} ${name}`);
    if (!name.startsWith('rtx'))
      lines.push(`a=rtcp-fb:${pt} nack`, `a=rtcp-fb:${pt} nack pli`, `a=rtcp-fb:${pt} ccm fir`, `a=rtcp-fb:${pt} goog-remb`, `a=rtcp-fb:${pt} transport-cc`);
    if (fmtp) lines.push(`a=fmtp:${pt} ${fmtp}`);
  }
  if (ssrc) lines.push(`a=ssrc-group:FID ${ssrc} ${ssrc + 1}`, `a=ssrc:${ssrc} cname:c1`, `a=ssrc:${ssrc + 1} cname:c1`);
  return lines.join('\r\n');
}

export function offer(sections: string[], mids = ['0', '1']): string {
  return [
    'v=0',
    'o=- 123 2 IN IP4 127.0.0.1',
    's=-',
    't=0 0',
    `a=group:BUNDLE ${mids.join(' ')}`,
    'a=extmap-allow-mixed',
    'a=msid-semantic: WMS',
    ...sections,
    '',
  ].join('\r\n');
}
