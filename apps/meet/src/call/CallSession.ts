/**
 * One call: the Plaza room with our camera and microphone, the whiteboard, chat and file sharing.
 * The UI renders from it and re-renders on `change`; `ended` says the call is over and why.
 */
import {
  connect,
  TypedEmitter,
  type LocalAudioTrack,
  type LocalVideoTrack,
  type RemoteAudioTrack,
  type RemoteParticipant,
  type RemoteVideoTrack,
  type Room,
  type TwilioError,
} from '@plaza/client';
import { ChatChannel } from '../chat/ChatChannel.js';
import { FileShare } from '../files/FileShare.js';
import { WhiteboardSync } from '../whiteboard/WhiteboardSync.js';
import { fetchDemoToken } from './demoToken.js';
import { openLocalMedia } from './localMedia.js';

export interface JoinRequest {
  identity: string;
  room: string;
  camera: boolean;
  microphone: boolean;
}

/** A tile of the video grid: us or a remote participant. */
export interface Tile {
  key: string;
  identity: string;
  isLocal: boolean;
  video: LocalVideoTrack | RemoteVideoTrack | null;
  /** Remote audio to play; ours is never played back. */
  audio: RemoteAudioTrack | null;
  hasMicrophone: boolean;
  microphoneOn: boolean;
  hasCamera: boolean;
  cameraOn: boolean;
}

export type CallEvents = {
  change: [];
  /** `error` is why the server or the network ended the call; none when we left. */
  ended: [error: TwilioError | null];
};

/** Room events after which the grid or the participant list may look different. */
const ROOM_CHANGES = [
  'participantConnected',
  'participantDisconnected',
  'participantReconnecting',
  'participantReconnected',
  'trackPublished',
  'trackUnpublished',
  'trackSubscribed',
  'trackUnsubscribed',
  'trackEnabled',
  'trackDisabled',
  'reconnecting',
  'reconnected',
] as const;

export class CallSession extends TypedEmitter<CallEvents> {
  readonly chat: ChatChannel;
  readonly files: FileShare;
  #ended = false;

  private constructor(
    readonly room: Room,
    readonly whiteboard: WhiteboardSync,
    readonly audio: LocalAudioTrack | null,
    readonly video: LocalVideoTrack | null,
    /** Why camera or microphone are missing, for the user. */
    readonly mediaNotice: string | null,
  ) {
    super();
    whiteboard.attach(room);
    this.chat = new ChatChannel(room);
    this.files = new FileShare(room);
    for (const event of ROOM_CHANGES) room.on(event, () => this.emit('change'));
    room.on('disconnected', (_room, error) => this.#end(error ?? null));
  }

  static async join(request: JoinRequest): Promise<CallSession> {
    const { token, room: roomName } = await fetchDemoToken(request.identity, request.room);
    const media = await openLocalMedia(request);
    const whiteboard = new WhiteboardSync();
    const tracks = [media.audio, media.video].filter((t) => t !== null);
    let room: Room;
    try {
      room = await connect(token, { name: roomName, wsServer: signalingUrl(), tracks: [...tracks, whiteboard.track] });
    } catch (error) {
      for (const track of tracks) track.stop();
      throw error;
    }
    return new CallSession(room, whiteboard, media.audio, media.video, media.notice);
  }

  get identity(): string {
    return this.room.localParticipant.identity;
  }

  get ended(): boolean {
    return this.#ended;
  }

  get roomState(): Room['state'] {
    return this.room.state;
  }

  /** Us first, then the others in the order they joined. */
  tiles(): Tile[] {
    const local: Tile = {
      key: 'local',
      identity: this.identity,
      isLocal: true,
      video: this.video,
      audio: null,
      hasMicrophone: this.audio !== null,
      microphoneOn: this.audio?.isEnabled ?? false,
      hasCamera: this.video !== null,
      cameraOn: this.video?.isEnabled ?? false,
    };
    return [local, ...[...this.room.participants.values()].map(remoteTile)];
  }

  toggleMicrophone(): void {
    this.audio?.enable(!this.audio.isEnabled);
    this.emit('change');
  }

  toggleCamera(): void {
    this.video?.enable(!this.video.isEnabled);
    this.emit('change');
  }

  leave(): void {
    this.room.disconnect(); // emits 'disconnected' without an error: #end
  }

  #end(error: TwilioError | null): void {
    if (this.#ended) return;
    this.#ended = true;
    this.whiteboard.detach();
    this.audio?.stop();
    this.video?.stop();
    this.files.dispose();
    this.emit('ended', error);
  }
}

function remoteTile(participant: RemoteParticipant): Tile {
  const [audio] = participant.audioTracks.values();
  const [video] = participant.videoTracks.values();
  return {
    key: participant.sid,
    identity: participant.identity,
    isLocal: false,
    video: video?.track ?? null,
    audio: audio?.track ?? null,
    hasMicrophone: audio !== undefined,
    microphoneOn: audio?.isTrackEnabled ?? false,
    hasCamera: video !== undefined,
    cameraOn: video?.isTrackEnabled ?? false,
  };
}

/** Signaling is on the server that served this page: ws://host/signaling, or wss:// behind TLS. */
function signalingUrl(): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/signaling`;
}
