import { alertPublicAlert_typeValues } from "@/api/schema";

/** The built-in alert types, as the API schema lists them (generated from openapi.json). */
export const ALERT_TYPES = alertPublicAlert_typeValues;

/** Symbols as the API takes them: upper-case tickers, comma-separated in the input. */
export function parseSymbols(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((s) => s.trim().toUpperCase())
    .filter((s) => s.length > 0);
}
