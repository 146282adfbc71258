/**
 * The typed REST client. Types come from `schema.ts`, generated from the
 * API's OpenAPI document (`npm run gen:api`), so a changed endpoint breaks the
 * type check instead of the page.
 */
import createClient, { type Middleware } from "openapi-fetch";

import { authHeaders, getToken } from "@/lib/auth";

import type { components, paths } from "./schema";

export type Schemas = components["schemas"];
export type Alert = Schemas["AlertPublic"];
export type AlertStats = Schemas["AlertStatsPublic"];
export type Bar = Schemas["BarPublic"];
export type Trade = Schemas["TradePublic"];
export type Position = Schemas["PositionPublic"];
export type Subscription = Schemas["SubscriptionPublic"];
export type SubscriptionCreate = Schemas["SubscriptionCreate"];
export type SubscriptionCreated = Schemas["SubscriptionCreatedPublic"];
export type SmsMessage = Schemas["SmsMessagePublic"];

/** Same origin by default: the API serves this export. Override for `next dev`. */
export const API_BASE = process.env.NEXT_PUBLIC_API_BASE ?? "";

const auth: Middleware = {
  onRequest({ request }) {
    const token = getToken();
    if (token) {
      for (const [name, value] of Object.entries(authHeaders(token))) {
        request.headers.set(name, value);
      }
    }
    return request;
  },
};

function makeClient() {
  // openapi-fetch needs an absolute base in the browser; the origin is only known there.
  const origin = typeof window === "undefined" ? "http://localhost" : window.location.origin;
  const client = createClient<paths>({ baseUrl: API_BASE || origin });
  client.use(auth);
  return client;
}

let cached: ReturnType<typeof makeClient> | null = null;

/** The shared client (created on first use, in the browser). */
export function api() {
  cached ??= makeClient();
  return cached;
}

/** A failed call: the API's one-line `detail` and the HTTP status (0 = no response). */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

function detailOf(error: unknown): string | null {
  if (error && typeof error === "object" && "detail" in error) {
    const detail = (error as { detail: unknown }).detail;
    if (typeof detail === "string") return detail;
  }
  return null;
}

/**
 * The body of a successful openapi-fetch result; throws `ApiError` otherwise.
 * Network failures (the server is down) become status 0.
 */
export async function unwrap<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await call;
  } catch (err) {
    throw new ApiError(`cannot reach the API (${(err as Error).message})`, 0);
  }
  const { data, error, response } = result;
  if (error !== undefined || !response.ok) {
    const detail = detailOf(error) ?? `${response.status} ${response.statusText}`.trim();
    throw new ApiError(detail, response.status);
  }
  return data as T;
}

/** The live WebSocket URL for alerts, on the API's origin. */
export function alertsSocketUrl(params: Record<string, string | number | undefined>): string {
  const base = new URL(API_BASE || window.location.origin);
  base.protocol = base.protocol === "https:" ? "wss:" : "ws:";
  base.pathname = "/ws/alerts";
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== "") base.searchParams.set(name, String(value));
  }
  return base.toString();
}
