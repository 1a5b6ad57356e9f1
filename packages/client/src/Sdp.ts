/**
 * The SDP edits and reads the client makes for media, as pure string functions (unit-tested in
 * Sdp.test.ts). They follow twilio-video lib/util/sdp/index.js and lib/util/sdp/trackmatcher.js:
 *
 *  - Publishing: the server maps a published track to its m-section through the msid track id
 *    (`a=msid:<stream> <trackId>`), and `trackId` must be the `id` we report in `participant.tracks`.
 *    Browsers write their own MediaStreamTrack id there (or nothing recognisable after replaceTrack),
 *    so, like the SDK's addOrRewriteTrackIds(), we rewrite the msid of each of our sending
 *    m-sections before signaling the description (the description applied locally is unchanged).
 *  - Subscribing: the server's sendonly m-sections carry the `subscribed.tracks[].id` as msid track
 *    id; the receiving transceiver is found by mid, never by receiver.track.id (browsers invent
 *    their own ids, and a transceiver may be reused for another track later).
 *
 * SDPs use CRLF line endings (RFC 4566); bare LF input is tolerated and written back as CRLF.
 */

export type MediaDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

export interface MediaSection {
  /** `audio`, `video`, `application`... */
  kind: string;
  mid: string | null;
  direction: MediaDirection;
  /** The msid track id (appdata), or null when the section has no `a=msid:<stream> <track>` line. */
  msidTrackId: string | null;
  /** The section's lines, starting with its `m=` line. */
  lines: string[];
}

interface SplitSdp {
  session: string[];
  sections: MediaSection[];
}

const DIRECTIONS: ReadonlySet<string> = new Set(['sendrecv', 'sendonly', 'recvonly', 'inactive']);

/** Splits an SDP into its session part and its m-sections (in order). */
export function parseSections(sdp: string): SplitSdp {
  const session: string[] = [];
  const groups: string[][] = [];
  for (const line of sdp.split(/\r?\n/)) {
    if (line === '') continue;
    if (line.startsWith('m=')) groups.push([line]);
    else (groups[groups.length - 1] ?? session).push(line);
  }
  return { session, sections: groups.map(describe) };
}

function describe(lines: string[]): MediaSection {
  const kind = /^m=([^ ]+)/.exec(lines[0] ?? '')?.[1] ?? '';
  let mid: string | null = null;
  let direction: MediaDirection = 'sendrecv'; // RFC 4566: sendrecv when no direction attribute
  let msidTrackId: string | null = null;
  for (const line of lines) {
    if (line.startsWith('a=mid:')) mid = line.slice(6).trim();
    else if (line.startsWith('a=') && DIRECTIONS.has(line.slice(2).trim())) direction = line.slice(2).trim() as MediaDirection;
    else if (line.startsWith('a=msid:') && msidTrackId === null) {
      const parts = line.slice(7).trim().split(/\s+/);
      if (parts.length >= 2 && parts[1]) msidTrackId = parts[1];
    }
  }
  return { kind, mid, direction, msidTrackId, lines };
}

function join(split: SplitSdp): string {
  return [...split.session, ...split.sections.flatMap((s) => s.lines), ''].join('\r\n');
}

/** Whether the side that wrote this section sends media in it. */
export function isSending(direction: MediaDirection): boolean {
  return direction === 'sendonly' || direction === 'sendrecv';
}

/**
 * mid → msid track id of the audio/video sections in which the writer of `sdp` sends
 * (TrackMatcher.update() in the SDK, restricted to sending sections: a section the server made
 * inactive or recvonly carries no subscription, whatever msid it still shows). The id is null for a
 * sending section without an `a=msid:<stream> <track>` line.
 */
export function sendingMidsToTrackIds(sdp: string): Map<string, string | null> {
  const result = new Map<string, string | null>();
  for (const section of parseSections(sdp).sections) {
    if (section.kind !== 'audio' && section.kind !== 'video') continue;
    if (!section.mid || !isSending(section.direction)) continue;
    result.set(section.mid, section.msidTrackId);
  }
  return result;
}

/**
 * Rewrites the msid track id of the audio/video sections whose mid is in `midsToTrackIds`
 * (addOrRewriteTrackIds() in the SDK): in `a=msid:<stream> <track>` and in the legacy
 * `a=ssrc:<n> msid:<stream> <track>` lines. A section without any `a=msid:` line gets
 * `a=msid:- <id>` after its `a=mid:` line (the SDK leaves such a section alone, which would leave the
 * server unable to map it). A null id removes the section's msid lines instead (an unpublished
 * track's inactive section, where Chrome still writes its own track id). Other sections, including
 * data, are returned untouched.
 */
export function rewriteMsidTrackIds(sdp: string, midsToTrackIds: ReadonlyMap<string, string | null>): string {
  if (midsToTrackIds.size === 0) return sdp;
  const split = parseSections(sdp);
  for (const section of split.sections) {
    if (section.kind !== 'audio' && section.kind !== 'video') continue;
    const trackId = section.mid === null ? undefined : midsToTrackIds.get(section.mid);
    if (trackId === null) {
      section.lines = section.lines.filter((line) => !/^(a=msid:|a=ssrc:\d+ msid:)/.test(line));
      continue;
    }
    if (!trackId) continue;
    let hasMsid = false;
    section.lines = section.lines.map((line) => {
      const msid = /^(a=msid:|a=ssrc:\d+ msid:)(\S+)(?: \S+)?$/.exec(line);
      if (!msid) return line;
      if (line.startsWith('a=msid:')) hasMsid = true;
      return `${msid[1]}${msid[2]} ${trackId}`;
    });
    if (!hasMsid) {
      const at = section.lines.findIndex((line) => line.startsWith('a=mid:'));
      section.lines.splice(at < 0 ? section.lines.length : at + 1, 0, `a=msid:- ${trackId}`);
    }
  }
  return join(split);
}
