/**
 * The file-sharing protocol, defined once here and imported by examples/file-share too (so the Node
 * scripts there and Plaza Meet can send each other files), on one durable DataChannel session,
 * FILE_CHANNEL_ID:
 *   1. a header: UTF-8 JSON `{"type":"plaza-file-share/1","name","size","sha256"}`;
 *   2. the file's bytes as ONE message. The SDK cuts it into 64 KiB fragments and reassembles it on
 *      the other side, with progress events on both.
 * A durable session is ordered and lossless, so the message after a header is its body.
 */

export const FILE_CHANNEL_ID = 4242;
/** The largest message a durable session carries (the protocol's and the server's default limit). */
export const MAX_FILE_BYTES = 64 * 1024 * 1024;
const HEADER_TYPE = 'plaza-file-share/1';

export interface FileHeader {
  type: typeof HEADER_TYPE;
  name: string;
  size: number;
  sha256: string;
}

export function encodeHeader(name: string, size: number, sha256: string): Uint8Array {
  const header: FileHeader = { type: HEADER_TYPE, name, size, sha256 };
  return new TextEncoder().encode(JSON.stringify(header));
}

/** The header in `data`, or null if it is not one. */
export function decodeHeader(data: Uint8Array): FileHeader | null {
  // A header is a few hundred bytes; do not try to parse a file body as JSON.
  if (data.byteLength > 4096) return null;
  try {
    const value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data)) as Partial<FileHeader>;
    const ok =
      value.type === HEADER_TYPE &&
      typeof value.name === 'string' &&
      value.name.length > 0 &&
      Number.isSafeInteger(value.size) &&
      (value.size as number) >= 0 &&
      typeof value.sha256 === 'string' &&
      /^[0-9a-f]{64}$/.test(value.sha256);
    return ok ? { type: HEADER_TYPE, name: safeFileName(value.name as string), size: value.size as number, sha256: value.sha256 as string } : null;
  } catch {
    return null;
  }
}

/** A name fit for a download: no directories, no control characters, not empty, not too long. */
export function safeFileName(name: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
  const base = name.split(/[/\\]/).pop()!.replace(/[\u0000-\u001f\u007f]/g, '').trim();
  return (base.length > 0 ? base : 'file').slice(0, 200);
}

/** Lowercase hex SHA-256, or null where WebCrypto is unavailable (pages not in a secure context). */
export async function sha256Hex(data: Uint8Array): Promise<string | null> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) return null;
  const digest = await subtle.digest('SHA-256', data as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}
