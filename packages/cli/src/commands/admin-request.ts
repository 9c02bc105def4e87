/** An admin API answer, or why there is none (`cannot reach …`, `… answered 502 with something other than JSON`). */
export type AdminAnswer = { status: number; body: unknown; failure?: undefined } | { failure: string };

/**
 * One call of the admin API as the CLI makes it: JSON in and out, the
 * bootstrap token (`SWITCHYARD_ADMIN_TOKEN`) when set, 30 s at most.
 */
export async function adminRequest(url: URL, method: string, body: unknown, token: string | undefined): Promise<AdminAnswer> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token !== undefined && token !== '') headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    const cause = (error as Error).cause;
    return { failure: `cannot reach ${url.origin}: ${cause instanceof Error ? cause.message : (error as Error).message}` };
  }
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text) as unknown };
  } catch {
    return { failure: `${url.origin} answered ${response.status} with something other than JSON` };
  }
}
