/**
 * SDP edits the server makes. Pure string functions: unit-tested in Sdp.test.ts.
 */
import { ErrorCode, PlazaError } from '@plaza/protocol';

/**
 * Replaces whatever host candidates libjuice found with the one configured public address and
 * port (all peer connections share one UDP port), so the address clients reach is configurable.
 */
export function announceCandidate(sdp: string, publicIp: string, port: number): string {
  const out: string[] = [];
  for (const line of sdp.split('\r\n')) {
    if (line.startsWith('a=candidate:') || line === 'a=end-of-candidates') continue;
    if (line.startsWith('c=IN IP4 ')) {
      out.push(`c=IN IP4 ${publicIp}`);
      continue;
    }
    out.push(line);
    if (line.startsWith('a=mid:')) {
      out.push(`a=candidate:1 1 UDP 2122317823 ${publicIp} ${port} typ host`);
      out.push('a=end-of-candidates');
    }
  }
  return out.join('\r\n');
}

/**
 * The official SDK's first offer has no m=application when the app publishes no DataTrack. Adding
 * one later by a server offer is the normal way, but libdatachannel 0.24 deadlocks the thread that
 * applies the answer: SCTP then starts inside setRemoteDescription(), the client's SCTP INIT has
 * already arrived and been stored by the DTLS layer, and SctpTransport::start() replays it
 * (registerIncoming) before sending its own INIT (connect), waiting forever for that INIT to be
 * written. It froze the whole server in testing.
 *
 * So the server answers such a first offer as if it also had a data section: libdatachannel then
 * starts SCTP when DTLS connects, on its own thread, as on every other connection. The section is
 * removed from the answer the client sees, and the server offers it right after; when the client
 * answers, SCTP is already running and simply meets the client's INIT.
 */
export const HIDDEN_DATA_MID = 'plaza-data';

export function withHiddenDataSection(offer: string): string {
  const lines = offer.split('\r\n').filter((l) => l !== '');
  const firstMedia = lines.findIndex((l) => l.startsWith('m='));
  if (firstMedia < 0) throw PlazaError.of(ErrorCode.ServerRemoteDescFailed, 'offer has no media sections');
  const secondMedia = lines.findIndex((l, i) => i > firstMedia && l.startsWith('m='));
  // Transport attributes (session level or in the first, bundled section) apply to ours too.
  const copied = lines
    .slice(0, secondMedia < 0 ? lines.length : secondMedia)
    .filter((l) => /^a=(ice-ufrag|ice-pwd|fingerprint|setup|ice-options):/.test(l));
  const section = [
    'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
    'c=IN IP4 0.0.0.0',
    `a=mid:${HIDDEN_DATA_MID}`,
    ...copied,
    'a=sctp-port:5000',
    'a=max-message-size:262144',
  ];
  const out = lines.map((l) => (l.startsWith('a=group:BUNDLE ') ? `${l} ${HIDDEN_DATA_MID}` : l));
  return [...out, ...section, ''].join('\r\n');
}

/** Drops the m-section with `mid` (and its BUNDLE entry) from an SDP. */
export function withoutSection(sdp: string, mid: string): string {
  const out: string[] = [];
  let section: string[] = [];
  const flush = (): void => {
    if (!section.includes(`a=mid:${mid}`)) out.push(...section);
    section = [];
  };
  for (const line of sdp.split('\r\n')) {
    if (line === '') continue;
    if (line.startsWith('m=')) flush();
    if (line.startsWith('a=group:BUNDLE ')) {
      section.push(line.split(' ').filter((t) => t !== mid).join(' '));
      continue;
    }
    section.push(line);
  }
  flush();
  return out.join('\r\n') + '\r\n';
}

/**
 * Removes what libdatachannel would echo but never honours. transport-cc feedback is the known
 * one (WEBRTC-ENGINE.md: Chrome collapses to ~30 kbps); media work extends this.
 */
export function stripUnsupported(sdp: string): string {
  return sdp
    .split('\r\n')
    .filter((l) => !/^a=rtcp-fb:\S+ transport-cc/.test(l) && !/^a=extmap:\d+ \S*transport-wide-cc/.test(l))
    .join('\r\n');
}

export interface MediaSection {
  mid: string;
  kind: string;
  direction: 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
  /** The msid track id: what the client calls the track in `participant.tracks`. */
  trackId: string | null;
  streamId: string | null;
  ssrcs: number[];
  /** Lower-case codec name -> first payload type offered for it (e.g. vp8 -> 96). */
  payloadTypes: Map<string, number>;
}

/**
 * The m-sections of a description, for mapping a client's published media by mid -> msid
 * (SIGNALING.md §4: never by the receiver's track id; the SDK reuses transceivers).
 */
export function parseMediaSections(sdp: string): MediaSection[] {
  const sections: MediaSection[] = [];
  let current: MediaSection | null = null;
  for (const line of sdp.split(/\r?\n/)) {
    if (line.startsWith('m=')) {
      current = { mid: '', kind: line.slice(2, line.indexOf(' ')), direction: 'sendrecv', trackId: null, streamId: null, ssrcs: [], payloadTypes: new Map() };
      sections.push(current);
      continue;
    }
    if (!current) continue;
    if (line.startsWith('a=mid:')) current.mid = line.slice(6).trim();
    else if (/^a=(sendrecv|sendonly|recvonly|inactive)$/.test(line)) current.direction = line.slice(2) as MediaSection['direction'];
    else if (line.startsWith('a=msid:')) {
      const [streamId, trackId] = line.slice(7).trim().split(' ');
      current.streamId = streamId ?? null;
      current.trackId = trackId ?? null;
    } else if (line.startsWith('a=ssrc:')) {
      const ssrc = Number(line.slice(7, line.indexOf(' ', 7)));
      if (Number.isInteger(ssrc) && !current.ssrcs.includes(ssrc)) current.ssrcs.push(ssrc);
      // Plan-B style `a=ssrc:N msid:stream track` also names the track.
      const msid = / msid:(\S+) (\S+)/.exec(line);
      if (msid && !current.trackId) {
        current.streamId = msid[1] ?? null;
        current.trackId = msid[2] ?? null;
      }
    } else if (line.startsWith('a=rtpmap:')) {
      const m = /^a=rtpmap:(\d+) ([^/]+)\//.exec(line);
      if (m?.[1] && m[2]) {
        const name = m[2].toLowerCase();
        if (!current.payloadTypes.has(name)) current.payloadTypes.set(name, Number(m[1]));
      }
    }
  }
  return sections;
}

/**
 * Keeps one codec per media kind in a client's offer, so the answer (and so what the client sends)
 * is exactly the codec the forwarder relays: VP8 for video, Opus for audio. RTX, RED, FEC and
 * other codecs go with their fmtp / rtcp-fb lines. Sections without the codec keep nothing and
 * the forwarder reports the publication as failed (53404).
 */
export function keepOnlyForwardedCodecs(sdp: string): string {
  const wanted: Record<string, string> = { video: 'vp8', audio: 'opus' };
  const out: string[] = [];
  let section: string[] = [];
  const flush = (): void => {
    const m = section[0];
    const kind = m?.startsWith('m=') ? m.slice(2, m.indexOf(' ')) : '';
    const codec = wanted[kind];
    if (!m || !codec) {
      out.push(...section);
      section = [];
      return;
    }
    let keep: string | null = null;
    for (const line of section) {
      const map = /^a=rtpmap:(\d+) ([^/]+)\//.exec(line);
      if (map?.[1] && map[2]?.toLowerCase() === codec) {
        keep = map[1];
        break;
      }
    }
    const parts = m.split(' ');
    out.push(keep ? [...parts.slice(0, 3), keep].join(' ') : m);
    for (const line of section.slice(1)) {
      const pt = /^a=(?:rtpmap|fmtp|rtcp-fb):(\d+|\*) /.exec(line)?.[1];
      if (keep && pt !== undefined && pt !== '*' && pt !== keep) continue;
      out.push(line);
    }
    section = [];
  };
  for (const line of sdp.split('\r\n')) {
    if (line.startsWith('m=')) flush();
    section.push(line);
  }
  flush();
  return out.join('\r\n');
}

/**
 * Gives every m-section the DTLS role of the first one. With max-bundle there is one DTLS
 * transport, so only that role means anything; but Chrome answers a re-enabled (previously
 * rejected) section with `a=setup:active` while the others say `passive`, and libdatachannel
 * then refuses the whole answer ("Incompatible roles with remote description").
 */
export function unifyDtlsRole(sdp: string): string {
  const role = /^a=setup:(\w+)/m.exec(sdp)?.[1];
  return role ? sdp.replace(/^a=setup:\w+/gm, `a=setup:${role}`) : sdp;
}

export type Direction = MediaSection['direction'];

/**
 * The direction an answerer that always receives and sends only if `canSend` gives to an offered
 * direction (RFC 8829 §5.3.1: never send what the offerer will not receive, never receive what it
 * will not send).
 */
export function answerDirection(offered: Direction, canSend: boolean): Direction {
  const theySend = offered === 'sendrecv' || offered === 'sendonly';
  const theyReceive = offered === 'sendrecv' || offered === 'recvonly';
  if (canSend && theyReceive) return theySend ? 'sendrecv' : 'sendonly';
  return theySend ? 'recvonly' : 'inactive';
}

/** What the server says about one audio/video section in an SDP it sends. */
export interface SectionPlan {
  direction: Direction;
  /** The stream the server sends in it (msid and SSRC lines), or null when it sends nothing. */
  sends: { ssrc: number; streamId: string; trackId: string } | null;
}

/**
 * Writes the server's direction and msid/SSRC lines into the sections named in `plans`, replacing
 * what libdatachannel wrote. libdatachannel describes each Track once (server lines are sendrecv
 * with a fixed SSRC for life, see MediaLine) and remembers the first direction it reciprocated for
 * a client section; the truth is per negotiation: whether a subscription is on the line now, and
 * which one (its msid track id is the `subscribed` id the SDK matches by mid, TrackMatcher).
 * Sections not in `plans` are untouched.
 */
export function shapeSections(sdp: string, plans: ReadonlyMap<string, SectionPlan>): string {
  const out: string[] = [];
  let plan: SectionPlan | undefined;
  for (const line of sdp.split('\r\n')) {
    if (line.startsWith('m=')) plan = undefined;
    if (plan && /^a=(sendrecv|sendonly|recvonly|inactive|msid:.*|ssrc:.*|ssrc-group:.*)$/.test(line)) continue;
    out.push(line);
    if (!line.startsWith('a=mid:')) continue;
    plan = plans.get(line.slice(6));
    if (!plan) continue;
    out.push(`a=${plan.direction}`);
    const sends = plan.sends;
    if (sends) {
      const msid = `${sends.streamId} ${sends.trackId}`;
      out.push(`a=msid:${msid}`, `a=ssrc:${sends.ssrc} cname:plaza`, `a=ssrc:${sends.ssrc} msid:${msid}`);
    }
  }
  return out.join('\r\n');
}
