/**
 * Request schemas of the REST API: Twilio's parameter names (PascalCase, form-encoded, so numbers
 * and booleans arrive as strings) with Twilio's ranges (REST-API.md). They validate input and are
 * the OpenAPI document's source.
 */
import { z } from '@hono/zod-openapi';
import type { RoomSettings } from '../rooms/Room.js';

const formBoolean = z.enum(['true', 'false', 'True', 'False']).transform((v) => v.toLowerCase() === 'true');
const formInt = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const date = z.coerce.date();

export const CreateRoomForm = z
  .object({
    UniqueName: z.string().min(1).max(128).optional(),
    Type: z.enum(['group', 'group-small', 'peer-to-peer', 'go']).optional(),
    StatusCallback: z.url({ protocol: /^https?$/ }).optional(),
    StatusCallbackMethod: z.enum(['GET', 'POST']).optional(),
    MaxParticipants: formInt(1, 1000).optional().openapi({ description: '1–1000 (Twilio: up to 50); default 50' }),
    MaxParticipantDuration: formInt(600, 86_400).optional().openapi({ description: 'seconds, default 14400' }),
    EmptyRoomTimeout: formInt(1, 60).optional().openapi({ description: 'minutes, default 5' }),
    UnusedRoomTimeout: formInt(1, 60).optional().openapi({ description: 'minutes, default 5' }),
    RecordParticipantsOnConnect: formBoolean.optional(),
    VideoCodecs: z.union([z.string(), z.array(z.string())]).optional(),
    MediaRegion: z.string().optional(),
    AudioOnly: formBoolean.optional(),
    LargeRoom: formBoolean.optional(),
    EnableTurn: formBoolean.optional(),
  })
  .openapi('CreateRoom');
export type CreateRoomForm = z.infer<typeof CreateRoomForm>;

export const PageQuery = z.object({
  PageSize: z.string().optional(),
  Page: z.string().optional(),
  PageToken: z.string().optional(),
});

export const ListRoomsQuery = PageQuery.extend({
  Status: z.enum(['in-progress', 'completed', 'failed']).optional(),
  UniqueName: z.string().optional(),
  DateCreatedAfter: date.optional(),
  DateCreatedBefore: date.optional(),
});

export const ListParticipantsQuery = PageQuery.extend({
  Status: z.enum(['connected', 'disconnected', 'reconnecting']).optional(),
  Identity: z.string().optional(),
  DateCreatedAfter: date.optional(),
  DateCreatedBefore: date.optional(),
});

/** Room settings from a create request, with Twilio's defaults for what it leaves out. */
export function createRoomSettings(input: CreateRoomForm): RoomSettings {
  const codecs = input.VideoCodecs === undefined ? ['VP8'] : Array.isArray(input.VideoCodecs) ? input.VideoCodecs : input.VideoCodecs.split(',');
  return {
    type: input.Type ?? 'group',
    maxParticipants: input.MaxParticipants ?? 50,
    maxParticipantDurationS: input.MaxParticipantDuration ?? 14_400,
    emptyRoomTimeoutMs: (input.EmptyRoomTimeout ?? 5) * 60_000,
    unusedRoomTimeoutMs: (input.UnusedRoomTimeout ?? 5) * 60_000,
    statusCallback: input.StatusCallback ?? null,
    statusCallbackMethod: input.StatusCallbackMethod ?? 'POST',
    recordParticipantsOnConnect: input.RecordParticipantsOnConnect ?? false,
    videoCodecs: codecs.map((c) => c.trim()).filter(Boolean),
    mediaRegion: input.MediaRegion ?? null,
    audioOnly: input.AudioOnly ?? false,
    largeRoom: input.LargeRoom ?? false,
  };
}
