/**
 * Tokens come from the server's demo endpoint (`POST /demo/token`, on unless `plaza serve
 * --no-demo`): a short-lived AccessToken for one `demo` / `demo-*` room. A real app gets its
 * tokens from its own backend, which mints them with @plaza/sdk's createAccessToken.
 */

export interface DemoToken {
  token: string;
  /** As the server accepted it (trimmed). */
  identity: string;
  room: string;
}

/** The server's rule, checked here too so the form can say what is wrong before asking. */
export const ROOM_PATTERN = 'demo(-[a-z0-9][a-z0-9\\-]{0,39})?';

export async function fetchDemoToken(identity: string, room: string): Promise<DemoToken> {
  let response: Response;
  try {
    response = await fetch('/demo/token', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ identity, room }),
    });
  } catch {
    throw new Error('The Plaza server cannot be reached.');
  }
  const body = (await response.json().catch(() => null)) as (Partial<DemoToken> & { message?: string }) | null;
  if (!response.ok || typeof body?.token !== 'string') {
    if (response.status === 404) throw new Error('This Plaza server does not offer demo tokens (it runs with --no-demo).');
    throw new Error(body?.message ? capitalize(body.message) : `The server refused a token (HTTP ${response.status}).`);
  }
  return { token: body.token, identity: body.identity ?? identity, room: body.room ?? room };
}

const capitalize = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
