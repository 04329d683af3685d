// Find in text: where a query matches a text, as JavaScript string offsets
// (UTF-16, as the editor counts them). Plain functions, with no editor, so
// that the notebook's models use them without loading CodeMirror (find.ts
// marks the matches in an editor).

export interface FindQuery {
  query: string;
  caseSensitive: boolean;
  /** The query is a JavaScript regular expression (with the `u` flag; `^` and `$` match at each line). */
  regexp: boolean;
}

export interface TextRange {
  from: number;
  to: number;
}

/** What an editor marks: the query's matches, and the current match (if it is in this editor). */
export interface Find extends FindQuery {
  current: TextRange | null;
}

/**
 * The ranges where `query` matches `text`, in order, not overlapping. An
 * empty query or an invalid regular expression matches nothing; empty
 * matches of a regular expression (`^`, `x*`) are skipped, as there is
 * nothing to mark.
 */
export function findMatches(text: string, { query, caseSensitive, regexp }: FindQuery): TextRange[] {
  if (!query) return [];
  let pattern: RegExp;
  try {
    const source = regexp ? query : query.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    pattern = new RegExp(source, caseSensitive ? 'gmu' : 'gimu');
  } catch {
    return [];
  }
  const found: TextRange[] = [];
  // matchAll steps past an empty match by a whole character, so it always ends.
  for (const match of text.matchAll(pattern)) {
    if (match[0].length > 0) found.push({ from: match.index, to: match.index + match[0].length });
  }
  return found;
}
