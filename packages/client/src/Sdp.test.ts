import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSections, rewriteMsidTrackIds, sendingMidsToTrackIds } from './Sdp.js';

/** Shaped like a Chrome offer: audio + video sending, a data section, a recvonly section. */
const OFFER = [
  'v=0',
  'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0 1 2 3',
  'a=msid-semantic: WMS stream-a',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111',
  'c=IN IP4 0.0.0.0',
  'a=mid:0',
  'a=sendonly',
  'a=msid:stream-a chrome-audio-id',
  'a=rtpmap:111 opus/48000/2',
  'a=ssrc:1111 cname:abc',
  'a=ssrc:1111 msid:stream-a chrome-audio-id',
  'm=video 9 UDP/TLS/RTP/SAVPF 96',
  'c=IN IP4 0.0.0.0',
  'a=mid:1',
  'a=sendonly',
  'a=msid:stream-v chrome-video-id',
  'a=rtpmap:96 VP8/90000',
  'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
  'c=IN IP4 0.0.0.0',
  'a=mid:2',
  'a=sctp-port:5000',
  'm=video 9 UDP/TLS/RTP/SAVPF 96',
  'c=IN IP4 0.0.0.0',
  'a=mid:3',
  'a=recvonly',
  'a=rtpmap:96 VP8/90000',
  '',
].join('\r\n');

describe('Sdp', () => {
  it('splits sections and reads kind, mid, direction and msid track id', () => {
    const { session, sections } = parseSections(OFFER);
    assert.equal(session[0], 'v=0');
    assert.deepEqual(
      sections.map((s) => [s.kind, s.mid, s.direction, s.msidTrackId]),
      [
        ['audio', '0', 'sendonly', 'chrome-audio-id'],
        ['video', '1', 'sendonly', 'chrome-video-id'],
        ['application', '2', 'sendrecv', null],
        ['video', '3', 'recvonly', null],
      ],
    );
  });

  it('rewrites the msid track id of mapped sections, including ssrc msid lines, and nothing else', () => {
    const out = rewriteMsidTrackIds(OFFER, new Map([['0', 'track-uuid-a'], ['1', 'track-uuid-v'], ['2', 'not-media']]));
    assert.match(out, /\r\na=msid:stream-a track-uuid-a\r\n/);
    assert.match(out, /\r\na=ssrc:1111 msid:stream-a track-uuid-a\r\n/);
    assert.match(out, /\r\na=msid:stream-v track-uuid-v\r\n/);
    assert.doesNotMatch(out, /chrome-(audio|video)-id/);
    assert.doesNotMatch(out, /not-media/);
    // Everything else is byte for byte the same.
    const strip = (sdp: string) => sdp.split('\r\n').filter((l) => !l.includes('msid:stream-'));
    assert.deepEqual(strip(out), strip(OFFER));
    assert.ok(out.endsWith('\r\n'));
  });

  it('leaves the SDP unchanged when nothing is mapped, and rewrites a msid without appdata', () => {
    assert.equal(rewriteMsidTrackIds(OFFER, new Map()), OFFER);
    const noAppdata = OFFER.replace('a=msid:stream-v chrome-video-id', 'a=msid:stream-v');
    assert.match(rewriteMsidTrackIds(noAppdata, new Map([['1', 'id-v']])), /\r\na=msid:stream-v id-v\r\n/);
  });

  it('removes the msid lines of sections mapped to null', () => {
    const out = rewriteMsidTrackIds(OFFER, new Map([['0', null]]));
    assert.doesNotMatch(out, /msid:stream-a/);
    assert.match(out, /\r\na=ssrc:1111 cname:abc\r\n/);
    assert.match(out, /\r\na=msid:stream-v chrome-video-id\r\n/);
  });

  it('adds a msid line to a mapped section that has none', () => {
    const out = rewriteMsidTrackIds(OFFER, new Map([['3', 'id-3']]));
    const section = parseSections(out).sections[3];
    assert.equal(section?.msidTrackId, 'id-3');
    assert.deepEqual(section?.lines.slice(2, 4), ['a=mid:3', 'a=msid:- id-3']);
  });

  it('maps mid → msid track id for sections in which the SDP writer sends', () => {
    // As the server offers subscriptions: sendonly sections with the subscription id as msid.
    const serverOffer = OFFER.replace('a=mid:3\r\na=recvonly', 'a=mid:3\r\na=sendonly\r\na=msid:srv sub-3')
      .replace('a=mid:1\r\na=sendonly', 'a=mid:1\r\na=inactive');
    assert.deepEqual([...sendingMidsToTrackIds(serverOffer)], [
      ['0', 'chrome-audio-id'],
      ['3', 'sub-3'],
    ]);
    // A sending section without msid maps to null (the caller decides what it means).
    const noMsid = serverOffer.replace('a=msid:srv sub-3\r\n', '');
    assert.equal(sendingMidsToTrackIds(noMsid).get('3'), null);
  });

  it('accepts LF line endings and treats a section without direction as sendrecv', () => {
    const lf = ['v=0', 'm=audio 9 RTP/AVP 0', 'a=mid:a', 'a=msid:s t', ''].join('\n');
    assert.deepEqual([...sendingMidsToTrackIds(lf)], [['a', 't']]);
    assert.equal(rewriteMsidTrackIds(lf, new Map([['a', 'u']])), 'v=0\r\nm=audio 9 RTP/AVP 0\r\na=mid:a\r\na=msid:s u\r\n');
  });
});
