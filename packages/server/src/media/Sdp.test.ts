import { test } from 'node:test';
import assert from 'node:assert/strict';
import { announceCandidate, answerDirection, HIDDEN_DATA_MID, keepOnlyForwardedCodecs, parseMediaSections, shapeSections, stripUnsupported, unifyDtlsRole, withHiddenDataSection, withoutSection } from './Sdp.js';

const CRLF = '\r\n';
const offer = [
  'v=0',
  'o=- 1 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0 1',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111',
  'c=IN IP4 0.0.0.0',
  'a=mid:0',
  'a=ice-ufrag:abcd',
  'a=ice-pwd:0123456789012345678901',
  'a=fingerprint:sha-256 AA:BB',
  'a=setup:actpass',
  'a=rtcp-fb:111 transport-cc',
  'a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01',
  'a=rtpmap:111 opus/48000/2',
  'm=video 9 UDP/TLS/RTP/SAVPF 96',
  'c=IN IP4 0.0.0.0',
  'a=mid:1',
  'a=rtpmap:96 VP8/90000',
  '',
].join(CRLF);

test('the hidden data section joins the bundle with the offer\'s transport attributes', () => {
  const munged = withHiddenDataSection(offer);
  const app = munged.slice(munged.indexOf('m=application'));
  assert.match(munged, new RegExp(`a=group:BUNDLE 0 1 ${HIDDEN_DATA_MID}\\r\\n`));
  assert.match(app, /a=mid:plaza-data/);
  assert.match(app, /a=ice-ufrag:abcd/);
  assert.match(app, /a=ice-pwd:0123456789012345678901/);
  assert.match(app, /a=fingerprint:sha-256 AA:BB/);
  assert.match(app, /a=setup:actpass/);
  assert.ok(munged.endsWith(CRLF));
});

test('an offer with no media sections is refused', () => {
  assert.throws(() => withHiddenDataSection('v=0\r\ns=-\r\n'), { code: 53403 });
});

test('withoutSection removes one m-section and its bundle entry, and ends with CRLF', () => {
  const munged = withHiddenDataSection(offer);
  const back = withoutSection(munged, HIDDEN_DATA_MID);
  assert.ok(!back.includes('m=application'));
  assert.match(back, /a=group:BUNDLE 0 1\r\n/);
  assert.match(back, /m=video[^]*a=rtpmap:96 VP8\/90000\r\n$/);
});

test('transport-cc is stripped (libdatachannel never sends that feedback)', () => {
  const stripped = stripUnsupported(offer);
  assert.ok(!stripped.includes('transport-cc'));
  assert.ok(!stripped.includes('transport-wide-cc'));
  assert.match(stripped, /a=rtpmap:111 opus/);
});

test('announceCandidate puts exactly one candidate per section, with the public address', () => {
  const local = offer.replace('a=mid:0', 'a=mid:0\r\na=candidate:1 1 UDP 1 10.0.0.5 5000 typ host').replace('a=mid:1', 'a=mid:1\r\na=end-of-candidates');
  const out = announceCandidate(local, '203.0.113.7', 7882);
  assert.equal(out.match(/a=candidate:/g)?.length, 2);
  assert.ok(!out.includes('10.0.0.5'));
  assert.match(out, /a=mid:0\r\na=candidate:1 1 UDP 2122317823 203\.0\.113\.7 7882 typ host\r\na=end-of-candidates/);
  assert.ok(!out.includes('c=IN IP4 0.0.0.0'));
});

test('parseMediaSections maps mid to msid track id, direction, SSRCs and payload types', () => {
  const sdp = [
    'v=0',
    'm=audio 9 UDP/TLS/RTP/SAVPF 111 0',
    'a=mid:0',
    'a=sendonly',
    'a=msid:stream-1 track-audio',
    'a=rtpmap:111 opus/48000/2',
    'a=rtpmap:0 PCMU/8000',
    'a=ssrc:1111 cname:x',
    'm=video 9 UDP/TLS/RTP/SAVPF 96 97',
    'a=mid:1',
    'a=recvonly',
    'a=rtpmap:96 VP8/90000',
    'a=rtpmap:97 rtx/90000',
    'a=ssrc-group:FID 2222 3333',
    'a=ssrc:2222 msid:stream-2 track-video',
    'a=ssrc:3333 msid:stream-2 track-video',
    '',
  ].join('\r\n');
  const [audio, video] = parseMediaSections(sdp);
  assert.equal(audio?.mid, '0');
  assert.equal(audio?.direction, 'sendonly');
  assert.equal(audio?.trackId, 'track-audio');
  assert.equal(audio?.payloadTypes.get('opus'), 111);
  assert.deepEqual(audio?.ssrcs, [1111]);
  assert.equal(video?.kind, 'video');
  assert.equal(video?.trackId, 'track-video');
  assert.equal(video?.streamId, 'stream-2');
  assert.deepEqual(video?.ssrcs, [2222, 3333]);
  assert.equal(video?.payloadTypes.get('vp8'), 96);
});

test('keepOnlyForwardedCodecs leaves VP8 and Opus with their own fmtp and feedback lines', () => {
  const sdp = [
    'v=0',
    'm=audio 9 UDP/TLS/RTP/SAVPF 111 63 0',
    'a=rtpmap:111 opus/48000/2',
    'a=fmtp:111 minptime=10;useinbandfec=1',
    'a=rtpmap:63 red/48000/2',
    'a=fmtp:63 111/111',
    'a=rtpmap:0 PCMU/8000',
    'm=video 9 UDP/TLS/RTP/SAVPF 96 97 102',
    'a=rtpmap:96 VP8/90000',
    'a=rtcp-fb:96 nack pli',
    'a=rtpmap:97 rtx/90000',
    'a=fmtp:97 apt=96',
    'a=rtpmap:102 H264/90000',
    'a=rtcp-fb:102 nack',
    'a=mid:1',
    '',
  ].join('\r\n');
  const out = keepOnlyForwardedCodecs(sdp);
  assert.match(out, /m=audio 9 UDP\/TLS\/RTP\/SAVPF 111\r\n/);
  assert.match(out, /m=video 9 UDP\/TLS\/RTP\/SAVPF 96\r\n/);
  assert.match(out, /a=fmtp:111 minptime=10/);
  assert.match(out, /a=rtcp-fb:96 nack pli/);
  for (const gone of ['red/', 'PCMU', 'rtx/', 'apt=96', 'H264', 'rtcp-fb:102']) assert.ok(!out.includes(gone), gone);
  assert.match(out, /a=mid:1\r\n$/);
});

test('unifyDtlsRole gives every section the first section\'s role', () => {
  const out = unifyDtlsRole('v=0\r\nm=audio 9 X 0\r\na=setup:passive\r\nm=video 9 X 96\r\na=setup:active\r\n');
  assert.equal(out.match(/a=setup:passive/g)?.length, 2);
  assert.ok(!out.includes('active\r'));
});

test('answerDirection sends only when allowed and the offerer receives, and receives what the offerer sends', () => {
  assert.equal(answerDirection('sendrecv', true), 'sendrecv');
  assert.equal(answerDirection('sendrecv', false), 'recvonly');
  assert.equal(answerDirection('sendonly', true), 'recvonly');
  assert.equal(answerDirection('recvonly', true), 'sendonly');
  assert.equal(answerDirection('recvonly', false), 'inactive');
  assert.equal(answerDirection('inactive', true), 'inactive');
});

test('shapeSections replaces direction, msid and SSRC lines of planned sections only', () => {
  const sdp = [
    'v=0', 'm=video 9 X 96', 'a=mid:0', 'a=sendrecv', 'a=msid:old t0', 'a=ssrc:11 cname:x', 'a=ssrc-group:FID 11 12',
    'm=video 9 X 96', 'a=mid:s0', 'a=sendrecv', 'a=ssrc:42 cname:plaza', 'a=rtcp-mux',
    'm=audio 9 X 111', 'a=mid:2', 'a=sendonly', 'a=msid:keep k', '',
  ].join('\r\n');
  const out = shapeSections(
    sdp,
    new Map([
      ['0', { direction: 'recvonly' as const, sends: null }],
      ['s0', { direction: 'sendonly' as const, sends: { ssrc: 42, streamId: 'PA1', trackId: 'sub-1' } }],
    ]),
  );
  const sections = out.split('m=');
  assert.equal(sections[1], 'video 9 X 96\r\na=mid:0\r\na=recvonly\r\n');
  assert.match(sections[2]!, /a=mid:s0\r\na=sendonly\r\na=msid:PA1 sub-1\r\na=ssrc:42 cname:plaza\r\na=ssrc:42 msid:PA1 sub-1\r\na=rtcp-mux/);
  assert.equal(sections[2]!.match(/a=ssrc:42 cname/g)?.length, 1);
  assert.match(sections[3]!, /a=sendonly\r\na=msid:keep k\r\n$/);
});
