import { TAG_KEYS } from '../inventory/tags.js';

/**
 * Ownership by `nomad:environment` (DESIGN §5): the toolkit writes, adopts or prunes a resource
 * only when that tag is the environment it runs for (`shared` for account-wide resources). A
 * resource of the toolkit tagged for another environment is never re-tagged: that would hand it
 * over. Returns why a resource may not be touched, or undefined when it may.
 */
export function otherOwnerOf(
  wanted: Record<string, string>,
  actual: Record<string, string>,
): string | undefined {
  const key = TAG_KEYS.environment;
  const own = wanted[key];
  const owner = actual[key];
  if (own === undefined || owner === undefined || owner === own) return undefined;
  return (
    `belongs to ${owner} (tag ${key}=${owner}), not ${own}: an environment changes, adopts and ` +
    `prunes only its own resources. Name a resource of ${own} in the environment file; if this ` +
    `one really moved, an administrator re-tags it first (it is never re-tagged by a run)`
  );
}
