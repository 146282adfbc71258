"use client";

import { useCallback, useEffect, useState } from "react";

import { ApiError } from "@/api/client";

export type Loadable<T> =
  | { status: "loading" }
  | { status: "error"; error: ApiError }
  | { status: "ok"; data: T };

interface Settled<T> {
  load: () => Promise<T>;
  nonce: number;
  result: Loadable<T>;
}

/**
 * Runs `load` (memoise it with useCallback: a new function means a new request)
 * and tracks its outcome. A result belongs to the `load` and reload count that
 * produced it, so a stale answer never shows under new inputs.
 */
export function useApi<T>(load: (() => Promise<T>) | null): {
  state: Loadable<T>;
  reload: () => void;
} {
  const [nonce, setNonce] = useState(0);
  const [settled, setSettled] = useState<Settled<T> | null>(null);

  useEffect(() => {
    if (load === null) return;
    let live = true;
    load().then(
      (data) => {
        if (live) setSettled({ load, nonce, result: { status: "ok", data } });
      },
      (err: unknown) => {
        const error = err instanceof ApiError ? err : new ApiError(String(err), 0);
        if (live) setSettled({ load, nonce, result: { status: "error", error } });
      },
    );
    return () => {
      live = false;
    };
  }, [load, nonce]);

  const reload = useCallback(() => setNonce((n) => n + 1), []);
  const current = settled !== null && settled.load === load && settled.nonce === nonce;
  return { state: current ? settled.result : { status: "loading" }, reload };
}
