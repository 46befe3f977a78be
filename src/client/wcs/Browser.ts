// Flashphoner.Browser: the user-agent tests WCS pages branch on (Safari needs video controls for
// full screen, iOS has no volume, ...). Read from the user agent, as WCS does.

const ua = (): string => (typeof navigator === 'undefined' ? '' : navigator.userAgent);

export const Browser = Object.freeze({
  isIE: (): boolean => /MSIE |Trident\//.test(ua()),
  isFirefox: (): boolean => /Firefox\//.test(ua()),
  isChrome: (): boolean => /(Chrome|HeadlessChrome|CriOS)\//.test(ua()) && !/Edg\/|OPR\/|SamsungBrowser\//.test(ua()),
  isEdge: (): boolean => /Edge\/|Edg\//.test(ua()),
  isChromiumEdge: (): boolean => /Edg\//.test(ua()),
  isOpera: (): boolean => /OPR\/|Opera/.test(ua()),
  isiOS: (): boolean => /iPad|iPhone|iPod/.test(ua()),
  isSafari: (): boolean => /Safari\//.test(ua()) && !/(Chrome|HeadlessChrome|Chromium|CriOS|FxiOS|Android)/.test(ua()),
  isAndroid: (): boolean => /Android/.test(ua()),
  isSafariWebRTC: (): boolean => Browser.isSafari() && typeof RTCPeerConnection !== 'undefined',
  isSamsungBrowser: (): boolean => /SamsungBrowser\//.test(ua()),
  isAndroidFirefox: (): boolean => /Android/.test(ua()) && /Firefox\//.test(ua()),
  /**
   * The browser's major version, as WCS reads it: Safari's `Version/N`, else the engine's own
   * token (Edg/, OPR/, SamsungBrowser/, Chrome/, Firefox/); 0 when none is found.
   */
  version: (): number => {
    const safari = /Version\/(\d+)/.exec(ua());
    if (safari) return Number(safari[1]);
    const token = Browser.isChromiumEdge()
      ? 'Edg'
      : Browser.isOpera()
        ? 'OPR'
        : Browser.isSamsungBrowser()
          ? 'SamsungBrowser'
          : Browser.isFirefox()
            ? 'Firefox'
            : /HeadlessChrome\//.test(ua())
              ? 'HeadlessChrome'
              : 'Chrome';
    const match = new RegExp(`\\b${token}\\/(\\d+)`).exec(ua());
    return match ? Number(match[1]) : 0;
  },
});
