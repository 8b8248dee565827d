/**
 * The hidden markers of the toolkit's pull-request comments: one comment per environment and kind
 * is found again by its marker; the plan hash sits in a second marker.
 */

export type CommentKind = 'plan' | 'applied';

const MARKER_PREFIX = 'nomad-agent-ops';

export function commentMarker(kind: CommentKind, environment: string): string {
  return `<!-- ${MARKER_PREFIX}:${kind}:${environment} -->`;
}

export function planHashMarker(environment: string, hash: string): string {
  return `<!-- ${MARKER_PREFIX}:plan-hash:${environment}:${hash} -->`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The plan hash a comment carries for `environment`, if any. */
export function readPlanHash(body: string, environment: string): string | undefined {
  const pattern = new RegExp(
    `<!-- ${MARKER_PREFIX}:plan-hash:${escapeRegExp(environment)}:([0-9a-f]{6,64}) -->`,
  );
  return pattern.exec(body)?.[1];
}
