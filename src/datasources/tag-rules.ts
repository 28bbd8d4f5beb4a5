/**
 * What a data source tag may be (docs/DECISIONS.md, "Data source tags"). Apart from tags.ts (the
 * SQL) so that the operation declarations, which the CLI reads, load no store code.
 */

/** Tags one record may carry. */
export const MAX_TAGS_PER_RECORD = 20;
/** Tags one ListDataSources filter may name (DataWorks' own limit). */
export const MAX_TAGS_PER_FILTER = 10;
/** Characters per tag. */
export const MAX_TAG_LENGTH = 64;
/**
 * Letters and digits of any script and `_ . : / = + @ -`: no spaces, commas or quotes, so a
 * tag reads the same in a JSON array, a comma list and a log line. `env=prod` or `team:data`
 * conventions fit.
 */
export const TAG_PATTERN = /^[\p{L}\p{N}_.:/=+@-]{1,64}$/u;
export const TAG_RULE = `1 to ${MAX_TAG_LENGTH} letters, digits or _ . : / = + @ - (case-sensitive)`;

/** The distinct tags, sorted (the order in which answers show them). */
export function normalizeTags(tags: readonly string[]): string[] {
  return [...new Set(tags)].sort();
}
