/**
 * Reconnect delay in milliseconds after `attempt` failed tries (0 = first retry):
 * doubling from `baseMs` up to `maxMs`, with up to 20% random jitter so many
 * browsers that lost the same server do not all return in the same instant.
 */
export function backoffDelay(
  attempt: number,
  baseMs = 500,
  maxMs = 30_000,
  random: () => number = Math.random,
): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 16));
  return Math.round(exp * (0.8 + 0.2 * random()));
}
