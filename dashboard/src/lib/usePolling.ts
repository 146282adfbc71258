"use client";

import { useCallback, useEffect, useRef, useState } from "react";

import { ApiError } from "@/api/client";

export interface Polled<T> {
  /** The latest answer for the current `load` (kept while a refresh is in flight or fails). */
  data: T | null;
  /** The last refresh's failure, cleared by the next success. */
  error: ApiError | null;
  /** When `data` was fetched (ms since the epoch). */
  at: number | null;
}

/**
 * Runs `load` now and again `intervalMs` after each answer, while the tab is
 * visible (memoise `load` with useCallback: a new function starts over, with
 * no data). Unlike `useApi`, a refresh never blanks what is shown.
 */
export function usePolling<T>(load: () => Promise<T>, intervalMs: number): Polled<T> & { refresh: () => void } {
  const [result, setResult] = useState<(Polled<T> & { load: () => Promise<T> }) | null>(null);
  const kick = useRef<() => void>(() => {});

  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let running = false;
    const run = () => {
      if (!live || running) return;
      clearTimeout(timer);
      if (document.visibilityState === "hidden") return; // resumed by visibilitychange
      running = true;
      load().then(
        (data) => {
          if (live) setResult({ load, data, error: null, at: Date.now() });
        },
        (err: unknown) => {
          const error = err instanceof ApiError ? err : new ApiError(String(err), 0);
          if (live) setResult((prev) => ({ load, data: prev?.load === load ? prev.data : null, error, at: prev?.load === load ? prev.at : null }));
        },
      ).finally(() => {
        running = false;
        if (live) timer = setTimeout(run, intervalMs);
      });
    };
    kick.current = run;
    const onVisible = () => {
      if (document.visibilityState === "visible") run();
    };
    document.addEventListener("visibilitychange", onVisible);
    run();
    return () => {
      live = false;
      clearTimeout(timer);
      document.removeEventListener("visibilitychange", onVisible);
    };
  }, [load, intervalMs]);

  const refresh = useCallback(() => kick.current(), []);
  const current = result !== null && result.load === load ? result : null;
  return { data: current?.data ?? null, error: current?.error ?? null, at: current?.at ?? null, refresh };
}
