import { type FieldIssue } from './problem.js';
import { asArray, isRecord, keyNamesOf, type NetworkView, type Raw } from './raw.js';

/**
 * `keys.abandon` and `keys.drain` (issue 26 items 3, 4): both name keys the file no longer uses.
 * An abandoned network is one removed from `networks`; a drained key is orphaned (its network or
 * key name left the file) or retired by a switched rotation, never a key agents still sign with.
 */
export function lifecycleIssues(data: Raw, networks: readonly NetworkView[]): FieldIssue[] {
  const keys = isRecord(data.keys) ? data.keys : {};
  const networkNames = networks.flatMap((n) => (n.name === undefined ? [] : [n.name]));
  const keyNames = keyNamesOf(data);
  const switched = new Set(
    asArray(keys.rotate).flatMap((r) =>
      isRecord(r) && r.state === 'switched' && typeof r.key === 'string' ? [r.key] : [],
    ),
  );
  const issues: FieldIssue[] = [];
  const once = (
    list: unknown,
    field: 'abandon' | 'drain',
    check: (value: string) => string | undefined,
  ) => {
    const seen = new Map<string, number>();
    asArray(list).forEach((value, i) => {
      if (typeof value !== 'string') return;
      const path = ['keys', field, i];
      const first = seen.get(value);
      if (first !== undefined) {
        issues.push({
          path,
          message: `"${value}" is already listed at keys.${field}[${first}]: remove one`,
        });
        return;
      }
      seen.set(value, i);
      const problem = check(value);
      if (problem) issues.push({ path, message: problem });
    });
  };
  once(keys.abandon, 'abandon', (network) =>
    networkNames.includes(network)
      ? `network "${network}" is still under networks: remove it from networks to decommission it, or do not abandon it`
      : undefined,
  );
  once(keys.drain, 'drain', (key) => {
    const slash = key.indexOf('/');
    if (slash < 0) return undefined; // the schema says what is expected
    const network = key.slice(0, slash);
    const keyName = key.slice(slash + 1);
    if (keyName.endsWith('-attestation')) {
      return `"${key}" is an attestation key: it signs off-chain and holds no funds to drain`;
    }
    const inUse = networkNames.includes(network) && keyNames.includes(keyName);
    if (inUse && !switched.has(key)) {
      return (
        `"${key}" is a key agents sign with: only an orphaned key (its network or key name removed ` +
        `from this file) or the retired key of a switched rotation (keys.rotate state switched) is drained`
      );
    }
    return undefined;
  });
  return issues;
}
