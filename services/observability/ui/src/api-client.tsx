// Talks to Switchyard's HTTP API with the key the user gave: Bearer on every fetch, the first message
// on the live tail's WebSocket (a browser cannot set its headers).

const KEY_STORAGE = 'switchyard.key';

/** Where the API is: this page's origin, unless the server that sent the page named another (distributed mode). */
export function apiOrigin(): string {
  const named = document.querySelector<HTMLMetaElement>('meta[name="switchyard-api-origin"]')?.content;
  return named ? named.replace(/\/+$/, '') : window.location.origin;
}

export function storedKey(): string | null {
  return window.sessionStorage.getItem(KEY_STORAGE);
}

export function storeKey(key: string): void {
  window.sessionStorage.setItem(KEY_STORAGE, key);
}

export function forgetKey(): void {
  window.sessionStorage.removeItem(KEY_STORAGE);
}

/** An answer that was not 2xx, with the message of Switchyard's error body when there is one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string | null,
  ) {
    super(message);
  }
}

export type QueryValues = Record<string, string | number | undefined | null>;

export function queryString(values: QueryValues): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(values)) {
    if (value !== undefined && value !== null && value !== '') query.set(name, String(value));
  }
  const text = query.toString();
  return text ? `?${text}` : '';
}

export async function getJson<T>(path: string, values: QueryValues = {}, signal?: AbortSignal): Promise<T> {
  const key = storedKey();
  const response = await fetch(`${apiOrigin()}${path}${queryString(values)}`, {
    headers: key ? { authorization: `Bearer ${key}` } : {},
    signal,
  });
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    let code: string | null = null;
    try {
      const body = (await response.json()) as { error?: { message?: string; code?: string | null } };
      if (body.error?.message) message = body.error.message;
      code = body.error?.code ?? null;
    } catch {
      // Not JSON: the status line says enough.
    }
    throw new ApiError(response.status, message, code);
  }
  return (await response.json()) as T;
}

/** The live tail's address: the API's origin with ws: or wss:. */
export function liveTailUrl(): string {
  return `${apiOrigin().replace(/^http/, 'ws')}/v1/requests/live`;
}
