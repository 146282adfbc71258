"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";

import { useToken } from "@/lib/useToken";

const LINKS = [
  { href: "/", label: "Live" },
  { href: "/stats/", label: "Stats" },
  { href: "/symbol/", label: "Symbols" },
  { href: "/trades/", label: "Trades" },
  { href: "/messages/", label: "SMS" },
  { href: "/settings/", label: "Settings" },
] as const;

function isActive(pathname: string, href: string): boolean {
  if (href === "/") return pathname === "/";
  return pathname.startsWith(href.replace(/\/$/, ""));
}

export function Nav() {
  const pathname = usePathname() ?? "/";
  const token = useToken();
  return (
    <header className="sticky top-0 z-10 border-b border-slate-200 bg-white/95 backdrop-blur">
      {/* On a phone the links take a row of their own under the name and the account button. */}
      <div className="mx-auto flex max-w-6xl flex-wrap items-center gap-x-3 gap-y-1 px-3 py-2 sm:flex-nowrap sm:px-6">
        <Link href="/" className="shrink-0 font-bold text-slate-900">
          tradeassist
        </Link>
        <nav aria-label="Main" className="order-last -mx-1 flex w-full min-w-0 gap-1 overflow-x-auto sm:order-none sm:w-auto sm:flex-1">
          {LINKS.map((link) => (
            <Link
              key={link.href}
              href={link.href}
              aria-current={isActive(pathname, link.href) ? "page" : undefined}
              className={`shrink-0 rounded-md px-2.5 py-1.5 text-sm ${
                isActive(pathname, link.href)
                  ? "bg-slate-900 text-white"
                  : "text-slate-600 hover:bg-slate-100"
              }`}
            >
              {link.label}
            </Link>
          ))}
        </nav>
        <Link
          href="/signin/"
          className="ml-auto shrink-0 rounded-md border border-slate-300 px-2.5 py-1.5 text-sm text-slate-700 hover:bg-slate-50"
        >
          {token ? "Account" : "Sign in"}
        </Link>
      </div>
    </header>
  );
}
