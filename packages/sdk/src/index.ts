/**
 * @plaza/sdk: what a Plaza app's server needs, standing alone (no @plaza/server import):
 * - `PlazaRestClient`: the Rooms REST API v1 (rooms, participants, tracks, subscribe rules);
 * - `createAccessToken`: tokens for `@plaza/client` / `twilio-video` participants;
 * - `validateCallbackSignature` / `signCallback`: the `X-Twilio-Signature` of status callbacks.
 */
export {
  PlazaRestClient,
  Page,
  ResourceList,
  RoomsApi,
  ParticipantsApi,
  TracksApi,
  SubscribeRulesApi,
  type PlazaRestClientOptions,
  type PageOptions,
  type ListOptions,
} from './RestClient.js';
export { PlazaRestError } from './errors.js';
export { createAccessToken, type AccessTokenOptions, type TokenCredentials } from './accessToken.js';
export { signCallback, validateCallbackSignature } from './signature.js';
export type * from './resources.js';
