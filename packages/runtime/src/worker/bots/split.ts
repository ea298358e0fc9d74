/** Long answers split at a platform's message length limit: on a paragraph, line or word boundary where one is near. */

export function splitMessage(text: string, limit: number): string[] {
  const parts: string[] = [];
  let rest = text.trim();
  while (rest.length > limit) {
    const window = rest.slice(0, limit);
    // A boundary in the last third of the window; otherwise a hard cut (a very long word or URL).
    const floor = Math.floor(limit * 0.66);
    let cut = -1;
    for (const sep of ["\n\n", "\n", " "]) {
      const at = window.lastIndexOf(sep);
      if (at >= floor) {
        cut = at;
        break;
      }
    }
    if (cut < 0) cut = limit;
    parts.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  if (rest.length || parts.length === 0) parts.push(rest);
  return parts;
}
