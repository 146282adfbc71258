"use client";

import { useEffect, useState } from "react";

import { type Alert, alertsSocketUrl, api } from "@/api/client";

import { isApiKey } from "./auth";
import { backoffDelay } from "./backoff";

/** How long new alerts wait to be rendered together (ms): a fraction of the 2-second budget. */
const FLUSH_MS = 100;

export type StreamStatus =
  | { kind: "connecting" }
  | { kind: "live" }
  | { kind: "reconnecting"; inMs: number; attempt: number }
  | { kind: "stopped"; reason: string };

export interface StreamFilter {
  symbol: string;
  alertType: string;
}

/**
 * Live alerts from `/ws/alerts`, newest first (at most `keep`), rendered in
 * batches at most `FLUSH_MS` apart.
 *
 * On a drop it reconnects with exponential backoff and resumes with
 * `after_id` = the last id seen, so no alert is missed or repeated. A close
 * with an auth code (4401/4403) stops: retrying a bad token cannot help. A
 * server may instead refuse the handshake with a plain HTTP 401, which a
 * browser only reports as code 1006; so a connection that never opened is
 * followed by a REST probe of `/users/me` to tell a bad token from a down server.
 * `seed` is the page of recent alerts fetched over REST; the stream resumes after it.
 */
export function useAlertStream(
  token: string,
  filter: StreamFilter,
  seed: Alert[] | null,
  keep = 200,
): { alerts: Alert[]; status: StreamStatus } {
  const [state, setState] = useState<{ seed: Alert[] | null; alerts: Alert[]; status: StreamStatus }>({
    seed: null,
    alerts: [],
    status: { kind: "connecting" },
  });

  useEffect(() => {
    if (seed === null) return;
    let socket: WebSocket | null = null;
    let timer: ReturnType<typeof setTimeout> | null = null;
    let attempt = 0;
    let opened = false;
    let closed = false;
    // With nothing seen yet, 0 replays every matching alert stored since the seed was read.
    let lastId = seed.reduce((max, a) => Math.max(max, a.id), 0);
    let pending: Alert[] = [];
    let flushTimer: ReturnType<typeof setTimeout> | null = null;

    const flush = () => {
      flushTimer = null;
      const batch = pending.reverse(); // newest first
      pending = [];
      if (batch.length > 0) setState((s) => ({ ...s, alerts: [...batch, ...s.alerts].slice(0, keep) }));
    };

    const stop = (reason: string) => {
      closed = true;
      setState((s) => ({ ...s, status: { kind: "stopped", reason } }));
    };

    const connect = () => {
      socket = new WebSocket(
        alertsSocketUrl({
          token,
          after_id: lastId,
          symbol: filter.symbol || undefined,
          alert_type: filter.alertType || undefined,
        }),
      );
      socket.onopen = () => {
        attempt = 0;
        opened = true;
        setState((s) => ({ ...s, status: { kind: "live" } }));
      };
      socket.onmessage = (event: MessageEvent<string>) => {
        let message: { type?: string; data?: Alert; detail?: string };
        try {
          message = JSON.parse(event.data) as typeof message;
        } catch {
          return;
        }
        if (message.type === "alert" && message.data && message.data.id > lastId) {
          lastId = message.data.id;
          pending.push(message.data);
          // A busy open brings dozens of alerts a second: render them in batches, not one by one.
          flushTimer ??= setTimeout(flush, FLUSH_MS);
        }
      };
      socket.onclose = (event: CloseEvent) => {
        socket = null;
        if (closed) return;
        if (event.code === 4401 || event.code === 4403) {
          stop(event.reason || (event.code === 4401 ? "token rejected" : "not allowed"));
          return;
        }
        const neverOpened = !opened;
        opened = false;
        if (neverOpened) {
          void api()
            .GET("/users/me")
            .then(({ response }) => {
              if (!closed && (response.status === 401 || response.status === 403)) {
                if (timer !== null) clearTimeout(timer);
                socket?.close(1000);
                stop(response.status === 401 ? "token rejected" : "not allowed");
              }
            })
            .catch(() => undefined); // The API is down: keep retrying.
        }
        const inMs = backoffDelay(attempt);
        attempt += 1;
        setState((s) => ({ ...s, status: { kind: "reconnecting", inMs, attempt } }));
        timer = setTimeout(() => {
          if (!closed) connect();
        }, inMs);
      };
    };

    // The seed arrives asynchronously, so this runs in a callback, not in the effect body.
    timer = setTimeout(() => {
      setState({ seed, alerts: [...seed].sort((a, b) => b.id - a.id).slice(0, keep), status: { kind: "connecting" } });
      if (isApiKey(token)) {
        // An API key rides in a header, which a browser cannot set on a WebSocket.
        stop("the live feed needs a JWT; an API key shows recent alerts only");
        return;
      }
      connect();
    }, 0);

    return () => {
      closed = true;
      if (timer !== null) clearTimeout(timer);
      if (flushTimer !== null) clearTimeout(flushTimer);
      socket?.close(1000);
    };
  }, [token, filter.symbol, filter.alertType, seed, keep]);

  if (state.seed !== seed) return { alerts: seed ?? [], status: { kind: "connecting" } };
  return { alerts: state.alerts, status: state.status };
}
