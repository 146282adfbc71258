import Link from "next/link";
import type { ReactNode } from "react";

import type { ApiError } from "@/api/client";

export function Loading({ label = "Loading…" }: { label?: string }) {
  return (
    <div role="status" aria-live="polite" className="flex items-center gap-2 p-4 text-sm text-slate-500">
      <span className="h-3 w-3 animate-spin rounded-full border-2 border-slate-300 border-t-slate-600" />
      {label}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return (
    <div className="rounded-lg border border-dashed border-slate-300 p-6 text-center text-sm text-slate-500">
      {children}
    </div>
  );
}

/** An API failure in one line, with a way forward: sign in again, or retry. */
export function ErrorBox({ error, onRetry }: { error: ApiError; onRetry?: () => void }) {
  const auth = error.status === 401 || error.status === 403;
  return (
    <div role="alert" className="rounded-lg border border-rose-200 bg-rose-50 p-4 text-sm text-rose-800">
      <p className="font-medium">
        {auth ? "Not signed in, or not allowed." : error.status === 0 ? "The API is unreachable." : "Something went wrong."}
      </p>
      <p className="mt-1 break-words">{error.message}</p>
      <div className="mt-3 flex gap-3">
        {auth ? (
          <Link href="/signin/" className="font-medium underline">
            Sign in
          </Link>
        ) : null}
        {onRetry ? (
          <button type="button" onClick={onRetry} className="font-medium underline">
            Retry
          </button>
        ) : null}
      </div>
    </div>
  );
}

export function Card({ title, children, actions }: { title: string; children: ReactNode; actions?: ReactNode }) {
  return (
    <section className="rounded-xl border border-slate-200 bg-white p-4 shadow-sm">
      <div className="mb-3 flex flex-wrap items-center justify-between gap-2">
        <h2 className="text-base font-semibold text-slate-800">{title}</h2>
        {actions}
      </div>
      {children}
    </section>
  );
}
