export type TextPart = { kind: "text"; text: string } | { kind: "link"; href: string };

// http(s) URLs up to whitespace or a closing bracket/quote; trailing punctuation is not part of it.
const URL_RE = /https?:\/\/[^\s<>"')\]]+/g;
const TRAILING = /[.,;:!?]+$/;

/** Splits plain text into text and link parts, so mail bodies can show clickable links. */
export function linkify(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let last = 0;
  for (const m of text.matchAll(URL_RE)) {
    const raw = m[0];
    const href = raw.replace(TRAILING, "");
    const start = m.index ?? 0;
    if (start > last) parts.push({ kind: "text", text: text.slice(last, start) });
    parts.push({ kind: "link", href });
    last = start + href.length;
  }
  if (last < text.length) parts.push({ kind: "text", text: text.slice(last) });
  return parts;
}
