"use client";

import { useSyncExternalStore } from "react";

import { getToken, subscribeToken } from "./auth";

/**
 * The stored token, re-rendering when it changes. `undefined` during the static
 * prerender and the first hydration pass, when localStorage cannot be read yet.
 */
export function useToken(): string | null | undefined {
  return useSyncExternalStore<string | null | undefined>(
    subscribeToken,
    getToken,
    () => undefined,
  );
}
