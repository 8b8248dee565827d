/** Edit distance (Levenshtein), small inputs only: keys, names, regions. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** The closest candidate when it is a plausible typo (case-insensitive, about a third of the word). */
export function closest(value: string, candidates: readonly string[]): string | undefined {
  const lower = value.toLowerCase();
  let best: { candidate: string; d: number } | undefined;
  for (const candidate of candidates) {
    const d = distance(lower, candidate.toLowerCase());
    if (!best || d < best.d) best = { candidate, d };
  }
  if (!best) return undefined;
  const allowed = Math.max(1, Math.floor(Math.max(value.length, best.candidate.length) / 3));
  return best.d <= allowed ? best.candidate : undefined;
}

/** ` (did you mean "x"?)` or ''. */
export function didYouMean(value: string, candidates: readonly string[]): string {
  const hit = closest(value, candidates);
  return hit === undefined ? '' : ` (did you mean "${hit}"?)`;
}

export function quotedList(values: readonly string[]): string {
  return values.map((v) => `"${v}"`).join(', ');
}
