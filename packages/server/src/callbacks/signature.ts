/**
 * X-Twilio-Signature for status callbacks. One implementation, in @plaza/sdk (where apps validate
 * what we sign), tested there against Twilio's own helper library.
 */
export { signCallback as signRequest, validateCallbackSignature as validateSignature } from '@plaza/sdk';
