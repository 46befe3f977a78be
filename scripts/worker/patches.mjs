// Changes we make to mediasoup's worker sources before building them. Each one is explained in
// docs/mediasoup.md ("Patches"); the file's text is part of the cache key, so editing a patch
// rebuilds the worker (incrementally: only the files it touches recompile).
//
// A patch whose `from` text is not found stops the build: a new mediasoup release changed that
// code, and someone must decide whether the patch is still needed.

/** @type {{ file: string, why: string, from: string, to: string }[]} */
export const PATCHES = [
  {
    file: 'src/RTC/DtlsTransport.cpp',
    why:
      'the DTLS output BIO callback answered 1 to every control query; with an OpenSSL built with ' +
      'kernel TLS (Debian) that reads as "the kernel sends" and OpenSSL writes through a NULL buffer (SIGSEGV)',
    from: 'const long resultOfcallback = (operationType == BIO_CB_RETURN) ? static_cast<long>(ret) : 1;',
    to: 'const long resultOfcallback = (operationType & BIO_CB_RETURN) ? static_cast<long>(ret) : 1;',
  },
  {
    file: 'src/RTC/KeyFrameRequestManager.cpp',
    why: 'a keyframe request the browser ignored (libwebrtc answers at most one per 300 ms) is repeated ' + 'after 400 ms, not 1 s',
    from: 'static constexpr int64_t KeyFrameRetransmissionWaitMs{ 1000 };',
    to: 'static constexpr int64_t KeyFrameRetransmissionWaitMs{ 400 };',
  },
  {
    file: 'src/RTC/Producer.cpp',
    why:
      'a lost packet is asked for again at once (as 3.8.4 did), not 10 ms later at the next packet or ' +
      'NACK timer tick: on a relay the repair crosses two hops, and players skip frames that come late',
    from: 'static constexpr int64_t SendNackDelayMs{ 10 };',
    to: 'static constexpr int64_t SendNackDelayMs{ 0 };',
  },
];

/** The text of `file` with every patch for it applied; throws when a patch no longer applies. */
export function patchedText(file, text) {
  let out = text;
  for (const p of PATCHES.filter((x) => x.file === file)) {
    if (out.includes(p.to)) continue;
    if (!out.includes(p.from)) {
      throw new Error(`cannot patch worker/${p.file}: the expected text is not there (${p.why})`);
    }
    out = out.replace(p.from, p.to);
  }
  return out;
}
