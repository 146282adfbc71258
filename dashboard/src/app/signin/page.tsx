"use client";

import { type FormEvent, useCallback, useState } from "react";

import { api, unwrap } from "@/api/client";
import { Card, ErrorBox, Loading } from "@/components/States";
import { isApiKey, setToken } from "@/lib/auth";
import { useApi } from "@/lib/useApi";
import { useToken } from "@/lib/useToken";

export default function SignInPage() {
  const token = useToken();
  const [draft, setDraft] = useState("");
  const save = (event: FormEvent) => {
    event.preventDefault();
    setToken(draft);
    setDraft("");
  };
  return (
    <div className="mx-auto max-w-xl space-y-4">
      <h1 className="text-xl font-semibold">Sign in</h1>
      <Card title="Access token">
        <form onSubmit={save} className="space-y-3 text-sm">
          <label className="block">
            <span className="text-xs text-slate-500">
              Paste a JWT or an API key (ta_…). It stays in this browser (localStorage) and is sent to the API with each request.
            </span>
            <textarea
              value={draft}
              onChange={(e) => setDraft(e.target.value)}
              rows={4}
              spellCheck={false}
              autoComplete="off"
              aria-label="Token"
              className="mt-1 w-full rounded-md border border-slate-300 p-2 font-mono text-xs"
            />
          </label>
          <div className="flex gap-2">
            <button type="submit" disabled={!draft.trim()} className="rounded-md bg-slate-900 px-4 py-2 font-medium text-white disabled:opacity-50">
              Save
            </button>
            {token ? (
              <button type="button" onClick={() => setToken(null)} className="rounded-md border border-slate-300 px-4 py-2">
                Sign out
              </button>
            ) : null}
          </div>
          {token && isApiKey(token) ? (
            <p className="text-xs text-amber-800">
              API keys work for pages; the live feed needs a JWT, because browsers cannot send an API-key header on a WebSocket.
            </p>
          ) : null}
        </form>
      </Card>
      {token === undefined ? <Loading /> : token ? <Me token={token} /> : null}
    </div>
  );
}

function Me({ token }: { token: string }) {
  // Keyed on the token so saving a new one checks it again.
  const load = useCallback(() => (token ? unwrap(api().GET("/users/me")) : Promise.reject(new Error("no token"))), [token]);
  const { state, reload } = useApi(load);
  return (
    <Card title="Signed in as">
      {state.status === "loading" ? <Loading label="Checking the token…" /> : null}
      {state.status === "error" ? <ErrorBox error={state.error} onRetry={reload} /> : null}
      {state.status === "ok" ? (
        <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm">
          {Object.entries(state.data).map(([key, value]) => (
            <div key={key} className="contents">
              <dt className="text-slate-500">{key}</dt>
              <dd className="break-all">{value === null || value === undefined ? "—" : String(value)}</dd>
            </div>
          ))}
        </dl>
      ) : null}
    </Card>
  );
}
