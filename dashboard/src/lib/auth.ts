/**
 * The caller's credential, kept in localStorage so it survives reloads.
 *
 * A JWT goes in `Authorization: Bearer`; an API key (`ta_...`) goes in
 * `X-API-Key`, which is how the API tells the two apart. Browsers cannot set
 * headers on a WebSocket, so live streams take the token as `?token=` instead.
 */

const STORAGE_KEY = "tradeassist.token";
const CHANGE_EVENT = "tradeassist-token-change";

export function getToken(): string | null {
  if (typeof window === "undefined") return null;
  const token = window.localStorage.getItem(STORAGE_KEY);
  return token && token.trim() ? token.trim() : null;
}

export function setToken(token: string | null): void {
  if (token && token.trim()) {
    window.localStorage.setItem(STORAGE_KEY, token.trim());
  } else {
    window.localStorage.removeItem(STORAGE_KEY);
  }
  window.dispatchEvent(new Event(CHANGE_EVENT));
}

/** True for an API key, which the API expects in `X-API-Key`, not as a bearer token. */
export function isApiKey(token: string): boolean {
  return token.startsWith("ta_");
}

/** The headers that carry `token` on a REST call. */
export function authHeaders(token: string): Record<string, string> {
  return isApiKey(token) ? { "X-API-Key": token } : { Authorization: `Bearer ${token}` };
}

/** Calls `listener` whenever the token changes, in this tab or another. */
export function subscribeToken(listener: () => void): () => void {
  const onStorage = (event: StorageEvent) => {
    if (event.key === STORAGE_KEY) listener();
  };
  window.addEventListener(CHANGE_EVENT, listener);
  window.addEventListener("storage", onStorage);
  return () => {
    window.removeEventListener(CHANGE_EVENT, listener);
    window.removeEventListener("storage", onStorage);
  };
}
