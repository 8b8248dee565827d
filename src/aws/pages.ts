import { OperationError } from '../errors.js';

/** One page of a listing that follows `NextMarker` while `Truncated` (KMS's List* calls). */
export interface Page<T> {
  items: T[];
  truncated?: boolean | undefined;
  nextMarker?: string | undefined;
}

/** Every page, in order; refuses a marker that does not move (it would loop forever). */
export async function allPages<T>(
  fetchPage: (marker?: string) => Promise<Page<T>>,
  what: string,
): Promise<T[]> {
  const items: T[] = [];
  let marker: string | undefined;
  for (;;) {
    const page = await fetchPage(marker);
    items.push(...page.items);
    if (!page.truncated || !page.nextMarker) return items;
    if (page.nextMarker === marker) {
      throw new OperationError(
        `${what}: AWS returned the same page marker twice; the listing cannot go on: run again`,
      );
    }
    marker = page.nextMarker;
  }
}
