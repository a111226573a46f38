// Text that came from a peer or a file (an entry name, an item path, an unknown field) as a message of
// ours shows it: control characters escaped, and cut short, so a 60 KB name or a 16 MiB key is never
// echoed back in full.

/** `value` with control characters and quotes escaped, at most `max` characters, "…" where it was cut. */
export function shownText(value: string, options: { max?: number; sayLength?: boolean } = {}): string {
  const max = options.max ?? 80;
  const cut = value.length > max ? value.slice(0, max) : value;
  const escaped = JSON.stringify(cut).slice(1, -1);
  if (value.length <= max) return escaped;
  return options.sayLength ? `${escaped}… (${value.length} characters)` : `${escaped}…`;
}
