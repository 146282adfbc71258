"use client";

import Link from "next/link";
import type { ReactNode } from "react";

import { useToken } from "@/lib/useToken";

import { Loading } from "./States";

/** Renders `children(token)` once a token is stored; otherwise points to the sign-in page. */
export function RequireToken({ children }: { children: (token: string) => ReactNode }) {
  const token = useToken();
  if (token === undefined) return <Loading />;
  if (token === null) {
    return (
      <div className="rounded-xl border border-amber-200 bg-amber-50 p-6 text-sm text-amber-900">
        <p className="font-medium">Sign in to see this page.</p>
        <p className="mt-1">Paste an access token (JWT) or an API key on the sign-in page.</p>
        <Link href="/signin/" className="mt-3 inline-block rounded-md bg-amber-900 px-3 py-1.5 font-medium text-white">
          Sign in
        </Link>
      </div>
    );
  }
  return <>{children(token)}</>;
}
