"use client";

import { useCallback, useSyncExternalStore } from "react";

const PREFIX = "tradeassist.pref.";
const CHANGE_EVENT = "tradeassist-pref-change";

function subscribe(listener: () => void): () => void {
  window.addEventListener(CHANGE_EVENT, listener);
  window.addEventListener("storage", listener);
  return () => {
    window.removeEventListener(CHANGE_EVENT, listener);
    window.removeEventListener("storage", listener);
  };
}

/** An on/off preference kept in this browser (localStorage), shared by every component using `name`. */
export function usePreference(name: string, fallback: boolean): [boolean, (value: boolean) => void] {
  const read = useCallback(() => {
    const stored = window.localStorage.getItem(PREFIX + name);
    return stored === null ? fallback : stored === "1";
  }, [name, fallback]);
  const value = useSyncExternalStore(subscribe, read, () => fallback);
  const set = useCallback(
    (next: boolean) => {
      window.localStorage.setItem(PREFIX + name, next ? "1" : "0");
      window.dispatchEvent(new Event(CHANGE_EVENT));
    },
    [name],
  );
  return [value, set];
}
