/** Why something in the ownership tree closed; reaches logs, signaling and (later) callbacks. */
export type CloseReason =
  | 'participant-left'
  | 'participant-timeout'
  | 'duplicate-identity'
  | 'kicked'
  | 'max-participant-duration'
  | 'room-ended'
  | 'empty-room-timeout'
  | 'unused-room-timeout'
  | 'server-shutdown'
  | 'unpublished'
  | 'unsubscribed'
  | 'subscriber-too-slow'
  | 'publisher-left'
  | 'transport-failed'
  | 'signaling-error';
