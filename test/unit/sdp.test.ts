// SDP <-> mediasoup translation for WHIP and WHEP, without sockets: Chrome-like offers in, producer
// plans, consumer capabilities and answers out; malformed offers refused with BAD_SDP.
import * as sdpTransform from 'sdp-transform';
import type * as ms from 'mediasoup/types';
import * as ortc from 'mediasoup/ortc';
import { MEDIA_CODECS } from '../../src/media/codecs';
import { buildAnswer, type AnsweredSection } from '../../src/sdp/answer';
import { parseOffer } from '../../src/sdp/offer';
import { planPlayerRouter, planWhep } from '../../src/sdp/whep';
import { planWhip } from '../../src/sdp/whip';
import { audio, offer, video } from '../helpers/sdpOffers';

const routerCaps: ms.RtpCapabilities = ortc.generateRouterRtpCapabilities(MEDIA_CODECS);

/** A VP8 producer with RTX as a pipe from another router gives it (payload types 101/102). */
function producerOf(): ms.RtpParameters {
  return {
    codecs: [
      { mimeType: 'video/VP8', payloadType: 101, clockRate: 90000, rtcpFeedback: [{ type: 'nack' }] },
      { mimeType: 'video/rtx', payloadType: 102, clockRate: 90000, parameters: { apt: 101 } },
    ],
    encodings: [{ ssrc: 1111, rtx: { ssrc: 2222 } }],
    headerExtensions: [],
    rtcp: { cname: 'x' },
  };
}

function mappingOf(codecs: ms.RtpCodecCapability[]): ReturnType<typeof ortc.getProducerRtpParametersMapping> {
  return ortc.getProducerRtpParametersMapping(producerOf(), { codecs, headerExtensions: [] });
}

const transport = {
  iceParameters: { usernameFragment: 'srvufrag', password: 'srvpassword', iceLite: true },
  iceCandidates: [
    { foundation: 'udpcandidate', priority: 1076302079, ip: '127.0.0.1', protocol: 'udp', port: 40000, type: 'host' },
    { foundation: 'tcpcandidate', priority: 1076276479, ip: '127.0.0.1', protocol: 'tcp', port: 40001, type: 'host', tcpType: 'passive' },
  ],
  dtlsParameters: { role: 'auto', fingerprints: [{ algorithm: 'sha-256', value: 'AA:BB:CC:DD' }] },
} as unknown as Parameters<typeof buildAnswer>[1];

describe('WHIP offers', () => {
  const chromeOffer = offer([audio('sendonly', 1111), video('sendonly', 'all', 2222)]);

  test("a Chrome-like offer becomes an Opus producer and a VP8 producer with RTX, the client's payload types and SSRCs", () => {
    const parsed = parseOffer(chromeOffer);
    expect(parsed.dtlsParameters.role).toBe('client');
    const plan = planWhip(parsed, routerCaps);
    expect(plan.producers.map((p) => [p.mid, p.kind, p.rtpParameters.codecs.map((c) => `${c.mimeType}/${c.payloadType}`)])).toEqual([
      ['0', 'audio', ['audio/opus/111']],
      ['1', 'video', ['video/VP8/96', 'video/rtx/97']],
    ]);
    const v = plan.producers[1].rtpParameters;
    expect(v.encodings).toEqual([{ ssrc: 2222, rtx: { ssrc: 2223 } }]);
    expect(v.rtcp).toMatchObject({ cname: 'c1' });
    expect(v.headerExtensions!.map((e) => e.uri)).toContain('urn:ietf:params:rtp-hdrext:sdes:mid');
    expect(v.codecs[0].rtcpFeedback).toEqual(expect.arrayContaining([{ type: 'nack', parameter: 'pli' }, { type: 'transport-cc' }]));
  });

  test('an H264-only offer is accepted as H264', () => {
    const plan = planWhip(parseOffer(offer([video('sendonly', 'h264', 3000, '0')], ['0'])), routerCaps);
    expect(plan.producers[0].rtpParameters.codecs.map((c) => c.mimeType)).toEqual(['video/H264', 'video/rtx']);
  });

  test('the answer is ICE-lite, passive, BUNDLEd, rtcp-muxed, recvonly, and only lists agreed codecs', () => {
    const parsed = parseOffer(chromeOffer);
    const plan = planWhip(parsed, routerCaps);
    const answered = new Map<string, AnsweredSection>(plan.producers.map((p) => [p.mid, { rtpParameters: p.rtpParameters }]));
    const text = buildAnswer(parsed, transport, answered);
    const a = sdpTransform.parse(text);
    expect(text).toMatch(/^v=0\r\n/);
    expect(a.icelite).toBe('ice-lite');
    expect(a.groups).toEqual([{ type: 'BUNDLE', mids: '0 1' }]);
    expect(a.fingerprint).toEqual({ type: 'sha-256', hash: 'AA:BB:CC:DD' });
    for (const m of a.media) {
      expect(m.setup).toBe('passive');
      expect(m.direction).toBe('recvonly');
      expect(m.rtcpMux).toBe('rtcp-mux');
      expect(m.iceUfrag).toBe('srvufrag');
      expect(m.candidates!.map((c) => `${c.transport} ${c.ip} ${c.port}`)).toEqual(['udp 127.0.0.1 40000', 'tcp 127.0.0.1 40001']);
    }
    expect(a.media[1].rtp.map((r) => r.payload)).toEqual([96, 97]);
    expect(a.media[0].rtp.map((r) => r.codec)).toEqual(['opus']);
  });

  test('a section without a usable codec or a data channel is answered with port 0 and the rest goes on', () => {
    const dc = ['m=application 9 UDP/DTLS/SCTP webrtc-datachannel', 'c=IN IP4 0.0.0.0', 'a=mid:2', 'a=sctp-port:5000'].join('\r\n');
    const parsed = parseOffer(offer([audio('sendonly', 1111), video('sendonly', 'av1', 2222), dc], ['0', '1', '2']));
    const plan = planWhip(parsed, routerCaps);
    expect(plan.producers.map((p) => p.kind)).toEqual(['audio']);
    expect(plan.rejected.get('1')).toMatch(/no codec in common \(offered: video\/AV1\)/);
    const a = sdpTransform.parse(buildAnswer(parsed, transport, new Map([['0', { rtpParameters: plan.producers[0].rtpParameters }]])));
    expect(a.media.map((m) => [m.type, m.port, String(m.mid)])).toEqual([
      ['audio', 7, '0'],
      ['video', 0, '1'],
      ['application', 0, '2'],
    ]);
    expect(a.groups!.map((g) => [g.type, String(g.mids)])).toEqual([['BUNDLE', '0']]);
  });

  test('an offer with nothing publishable is BAD_SDP with the reason', () => {
    expect(() => planWhip(parseOffer(offer([video('sendonly', 'av1', 5, '0')], ['0'])), routerCaps)).toThrow(
      expect.objectContaining({ code: 'BAD_SDP', message: expect.stringContaining('no codec in common') }),
    );
    expect(() => planWhip(parseOffer(offer([audio('recvonly')], ['0'])), routerCaps)).toThrow(expect.objectContaining({ code: 'BAD_SDP' }));
  });
});

describe('WHEP offers', () => {
  test("receiving sections become consumer slots; the offer's payload types are the player's capabilities", () => {
    const plan = planWhep(parseOffer(offer([audio('recvonly'), video('recvonly', 'all')])));
    expect(plan.slots).toEqual([
      { mid: '0', kind: 'audio' },
      { mid: '1', kind: 'video' },
    ]);
    const vp8 = plan.rtpCapabilities.codecs!.find((c) => c.mimeType === 'video/VP8')!;
    expect(vp8.preferredPayloadType).toBe(96);
    expect(plan.rtpCapabilities.codecs!.some((c) => c.mimeType === 'video/rtx' && c.parameters?.apt === 96)).toBe(true);
  });

  test("the answer of a sending section is sendonly with the consumer's SSRCs, FID group and msid", () => {
    const parsed = parseOffer(offer([audio('recvonly'), video('recvonly', 'all')]));
    const consumerParams = {
      mid: '1',
      codecs: [
        { mimeType: 'video/VP8', payloadType: 96, clockRate: 90000, parameters: {}, rtcpFeedback: [{ type: 'nack' }] },
        { mimeType: 'video/rtx', payloadType: 97, clockRate: 90000, parameters: { apt: 96 }, rtcpFeedback: [] },
      ],
      headerExtensions: [{ uri: 'urn:ietf:params:rtp-hdrext:sdes:mid', id: 4 }],
      encodings: [{ ssrc: 5555, rtx: { ssrc: 6666 } }],
      rtcp: { cname: 'srvcname', reducedSize: true },
    } as ms.RtpParameters;
    const a = sdpTransform.parse(buildAnswer(parsed, transport, new Map([['1', { rtpParameters: consumerParams, send: { streamId: 'st', trackId: 'tr' } }]])));
    const v = a.media[1];
    expect(v.direction).toBe('sendonly');
    expect(v.ssrcGroups).toEqual([{ semantics: 'FID', ssrcs: '5555 6666' }]);
    expect(v.ssrcs).toEqual(expect.arrayContaining([{ id: 5555, attribute: 'cname', value: 'srvcname' }]));
    expect(v.msid).toEqual([{ id: 'st', appdata: 'tr' }]);
    expect(a.media[0].port).toBe(0); // no audio track to send
  });

  test('an offer that receives nothing is BAD_SDP', () => {
    expect(() => planWhep(parseOffer(offer([audio('sendonly', 1)], ['0'])))).toThrow(expect.objectContaining({ code: 'BAD_SDP' }));
  });
});

describe('malformed offers', () => {
  const good = offer([audio('sendonly', 1111), video('sendonly', 'all', 2222)]);
  const cases: [string, string, RegExp][] = [
    ['not SDP at all', 'hello', /does not start with "v=0"/],
    ['no media', 'v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n', /no m= section/],
    ['no fingerprint', good.replace(/a=fingerprint:[^\r]+\r\n/g, ''), /fingerprint/],
    ['no rtcp-mux', good.replace(/a=rtcp-mux\r\n/g, ''), /rtcp-mux/],
    ['no BUNDLE', good.replace(/a=group:BUNDLE[^\r]+\r\n/, ''), /BUNDLE/],
    ['no ICE credentials', good.replace(/a=ice-pwd:[^\r]+\r\n/g, ''), /ICE credentials/],
    ['no mid', good.replace(/a=mid:1\r\n/, ''), /no a=mid/],
    ['plain RTP', good.replace(/UDP\/TLS\/RTP\/SAVPF/g, 'RTP/AVP'), /SAVPF/],
    ['a bad fingerprint', good.replace(/a=fingerprint:sha-256 [^\r]+/g, 'a=fingerprint:sha-256 zz'), /fingerprint/],
    ['too large', good + 'a=x:' + 'y'.repeat(70000), /larger than/],
  ];
  test.each(cases)('%s is BAD_SDP', (_name, text, reason) => {
    expect(() => parseOffer(text)).toThrow(expect.objectContaining({ code: 'BAD_SDP', message: expect.stringMatching(reason) }));
  });
});

describe('WHEP player routers', () => {
  test("carry the offer's payload types for the tracks' codecs, and consume without RTX", () => {
    const plan = planWhep(parseOffer(offer([audio('recvonly'), video('recvonly', 'all')])));
    const r = planPlayerRouter(
      [
        { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
        { kind: 'video', mimeType: 'video/VP8', clockRate: 90000 },
      ],
      plan.rtpCapabilities,
    );
    expect(r.mediaCodecs.map((c) => [c.mimeType, c.preferredPayloadType])).toEqual([
      ['audio/opus', 111],
      ['video/VP8', 96],
    ]);
    expect(r.rtpCapabilities.codecs!.map((c) => `${c.mimeType}/${c.preferredPayloadType}`)).toEqual(['audio/opus/111', 'video/VP8/96']);
    // The router mediasoup builds from them keeps the media payload types but numbers RTX itself,
    // not as the offer's 97, so the player's capabilities leave RTX out: the consumer sends VP8 as
    // 96 and still answers NACKs (resending on the media SSRC).
    const caps = ortc.generateRouterRtpCapabilities(r.mediaCodecs);
    expect(caps.codecs!.find((c) => c.mimeType === 'video/VP8')!.preferredPayloadType).toBe(96);
    expect(caps.codecs!.find((c) => c.mimeType === 'video/rtx')!.preferredPayloadType).not.toBe(97);
    const consumer = ortc.getConsumerRtpParameters({
      consumableRtpParameters: ortc.getConsumableRtpParameters('video', producerOf(), caps, mappingOf(caps.codecs!)),
      remoteRtpCapabilities: r.rtpCapabilities,
      pipe: false,
      enableRtx: true,
    });
    expect(consumer.codecs.map((c) => `${c.mimeType}/${c.payloadType}`)).toEqual(['video/VP8/96']);
    expect(consumer.codecs[0].rtcpFeedback).toContainEqual({ type: 'nack', parameter: '' });
    expect(consumer.encodings![0].rtx).toBeUndefined();
  });

  test("put video codecs last, so mediasoup's own RTX numbers cannot take a payload type the offer gives another codec", () => {
    const offered: ms.RtpCapabilities = {
      codecs: [
        { kind: 'video', mimeType: 'video/VP8', clockRate: 90000, preferredPayloadType: 96, rtcpFeedback: [] },
        { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2, preferredPayloadType: 100, rtcpFeedback: [] },
      ],
    };
    const tracks = [
      { kind: 'video' as const, mimeType: 'video/VP8', clockRate: 90000 },
      { kind: 'audio' as const, mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
    ];
    const r = planPlayerRouter(tracks, offered);
    expect(r.mediaCodecs.map((c) => `${c.mimeType}/${c.preferredPayloadType}`)).toEqual(['audio/opus/100', 'video/VP8/96']);
    expect(() => ortc.generateRouterRtpCapabilities(r.mediaCodecs)).not.toThrow();
    // In the tracks' order, VP8's RTX would take 100 before Opus names it.
    expect(() => ortc.generateRouterRtpCapabilities([...r.mediaCodecs].reverse())).toThrow('duplicated codec.preferredPayloadType');
  });

  test('an H264 track needs an offered H264 of the same profile', () => {
    const caps = planWhep(parseOffer(offer([video('recvonly', 'h264', undefined, '0')], ['0']))).rtpCapabilities;
    const h264 = (profile: string) => ({
      kind: 'video' as const,
      mimeType: 'video/H264',
      clockRate: 90000,
      parameters: { 'packetization-mode': 1, 'profile-level-id': profile },
    });
    expect(planPlayerRouter([h264('42e01f')], caps).kinds).toEqual(['video']);
    expect(planPlayerRouter([h264('4d0032')], caps).kinds).toEqual([]);
  });
});
