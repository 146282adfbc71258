"use client";

import { useCallback, useState } from "react";

import { type SmsMessage, api, unwrap } from "@/api/client";
import { RequireToken } from "@/components/RequireToken";
import { Card, Empty, ErrorBox, Loading } from "@/components/States";
import { formatDateTime } from "@/lib/format";
import { useApi } from "@/lib/useApi";
import { usePolling } from "@/lib/usePolling";

const REFRESH_MS = 3000;
const PAGE = 50;

type Direction = "in" | "out" | undefined;

const DIRECTIONS: { label: string; value: Direction }[] = [
  { label: "All", value: undefined },
  { label: "Received", value: "in" },
  { label: "Sent", value: "out" },
];

// The statuses worth filtering on: Twilio's and the notifier's own refusals.
const STATUSES = ["queued", "sent", "delivered", "undelivered", "failed", "received", "blocked", "capped", "denied"];

export default function MessagesPage() {
  return (
    <div className="space-y-4">
      <h1 className="text-xl font-semibold">SMS messages</h1>
      <p role="note" className="rounded-lg border border-sky-200 bg-sky-50 p-3 text-sm text-sky-900">
        Every text in and out. Without Twilio configured, texts go to the <strong>console outbox</strong>: nothing is sent, and this
        page shows what would have been texted. Phone numbers are masked.
      </p>
      <RequireToken>{() => <Messages />}</RequireToken>
    </div>
  );
}

function Messages() {
  const me = useApi(useCallback(() => unwrap(api().GET("/users/me")), []));
  if (me.state.status === "loading") return <Loading />;
  if (me.state.status === "error") return <ErrorBox error={me.state.error} onRetry={me.reload} />;
  return <MessageLog admin={me.state.data.role === "admin"} />;
}

function MessageLog({ admin }: { admin: boolean }) {
  const [direction, setDirection] = useState<Direction>(undefined);
  const [status, setStatus] = useState<string>("");
  const [older, setOlder] = useState<{ messages: SmsMessage[]; cursor: string | null; loading: boolean }>({
    messages: [],
    cursor: null,
    loading: false,
  });
  const fetchPage = useCallback(
    (cursor?: string) => {
      const query = { direction, status: status || undefined, limit: PAGE, cursor };
      return admin
        ? unwrap(api().GET("/sms/messages", { params: { query } }))
        : unwrap(api().GET("/users/me/messages", { params: { query } }));
    },
    [admin, direction, status],
  );
  const latest = useCallback(() => fetchPage(), [fetchPage]);
  const polled = usePolling(latest, REFRESH_MS);

  const changeFilter = (apply: () => void) => {
    setOlder({ messages: [], cursor: null, loading: false });
    apply();
  };
  const first = polled.data?.data ?? [];
  // The refreshed first page wins; older pages keep what has scrolled off it.
  const messages = mergeNewestFirst(first, older.messages);
  const nextCursor = older.messages.length > 0 ? older.cursor : (polled.data?.next_cursor ?? null);
  const loadOlder = () => {
    if (!nextCursor) return;
    const shown = messages;
    setOlder((o) => ({ ...o, loading: true }));
    fetchPage(nextCursor).then(
      (page) => setOlder({ messages: mergeNewestFirst(shown, page.data), cursor: page.next_cursor ?? null, loading: false }),
      () => setOlder((o) => ({ ...o, loading: false })),
    );
  };

  return (
    <Card
      title={admin ? "All texts (admin)" : "Your texts"}
      actions={
        <span role="status" aria-live="polite" data-refresh={polled.error ? "failing" : "ok"} className="text-xs text-slate-500">
          {polled.error ? "Refresh failing, retrying…" : polled.at ? `Live · updated ${new Date(polled.at).toLocaleTimeString()}` : null}
        </span>
      }
    >
      <div className="mb-3 flex flex-wrap items-center gap-2">
        <div role="group" aria-label="Direction" className="flex gap-1">
          {DIRECTIONS.map((d) => (
            <button
              key={d.label}
              type="button"
              aria-pressed={direction === d.value}
              onClick={() => changeFilter(() => setDirection(d.value))}
              className={`rounded-md px-3 py-1.5 text-sm ${direction === d.value ? "bg-slate-900 text-white" : "border border-slate-300 bg-white"}`}
            >
              {d.label}
            </button>
          ))}
        </div>
        <label className="flex items-center gap-1.5 text-sm text-slate-600">
          Status
          <select
            value={status}
            onChange={(e) => changeFilter(() => setStatus(e.target.value))}
            className="rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm"
          >
            <option value="">any</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
      </div>
      {polled.error && polled.data === null ? <ErrorBox error={polled.error} onRetry={polled.refresh} /> : null}
      {polled.data === null && polled.error === null ? <Loading /> : null}
      {polled.data !== null && messages.length === 0 ? <Empty>No texts yet.</Empty> : null}
      {messages.length > 0 ? (
        <ul aria-label="Messages" className="divide-y divide-slate-100">
          {messages.map((m) => (
            <MessageRow key={m.id} message={m} admin={admin} />
          ))}
        </ul>
      ) : null}
      {nextCursor ? (
        <button
          type="button"
          onClick={loadOlder}
          disabled={older.loading}
          className="mt-3 rounded-md border border-slate-300 px-3 py-1.5 text-sm disabled:opacity-50"
        >
          {older.loading ? "Loading…" : "Load older"}
        </button>
      ) : null}
    </Card>
  );
}

/** One list, newest first, each message once (the first list's copy wins). */
function mergeNewestFirst(first: SmsMessage[], rest: SmsMessage[]): SmsMessage[] {
  const byId = new Map<number, SmsMessage>();
  for (const m of [...rest, ...first]) byId.set(m.id, m);
  return [...byId.values()].sort((a, b) => b.id - a.id);
}

const STATUS_CLASS: Record<string, string> = {
  delivered: "bg-emerald-100 text-emerald-800",
  received: "bg-emerald-100 text-emerald-800",
  read: "bg-emerald-100 text-emerald-800",
  failed: "bg-rose-100 text-rose-800",
  undelivered: "bg-rose-100 text-rose-800",
  blocked: "bg-amber-100 text-amber-900",
  capped: "bg-amber-100 text-amber-900",
  denied: "bg-amber-100 text-amber-900",
};

function MessageRow({ message: m, admin }: { message: SmsMessage; admin: boolean }) {
  const inbound = m.direction === "in";
  return (
    <li data-message-id={m.id} data-direction={m.direction} className="py-2.5">
      <div className="flex flex-wrap items-center gap-x-2 gap-y-1 text-xs text-slate-500">
        <span className={`rounded px-1.5 py-0.5 font-medium ${inbound ? "bg-violet-100 text-violet-800" : "bg-sky-100 text-sky-800"}`}>
          {inbound ? "Received" : "Sent"}
        </span>
        <span className="font-mono">
          {m.from_number} → {m.to_number}
        </span>
        <span className={`rounded px-1.5 py-0.5 ${STATUS_CLASS[m.status] ?? "bg-slate-100 text-slate-700"}`}>
          {m.status}
          {m.error_code ? ` (${m.error_code})` : ""}
        </span>
        {m.console ? <span className="rounded bg-slate-100 px-1.5 py-0.5 text-slate-700">console outbox</span> : null}
        <time dateTime={m.created_at} title={m.created_at} className="ml-auto">
          {formatDateTime(m.created_at)}
        </time>
      </div>
      <p className="mt-1 text-sm break-words whitespace-pre-wrap text-slate-900">{m.body}</p>
      {admin && m.user_id ? <p className="mt-0.5 truncate text-xs text-slate-400">user {m.user_id}</p> : null}
    </li>
  );
}
