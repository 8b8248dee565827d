import { type FieldIssue } from './problem.js';
import { asArray, isRecord, keyNamesOf, type NetworkView, type Raw } from './raw.js';
import { didYouMean } from './suggest.js';

/**
 * `keys.rotate` (issue 26): each entry names a key this file has, at most once. The schema
 * checks each entry's shape; these rules need the networks and key names around it.
 */
export function rotationIssues(data: Raw, networks: readonly NetworkView[]): FieldIssue[] {
  const keys = isRecord(data.keys) ? data.keys : {};
  const networkNames = networks.flatMap((n) => (n.name === undefined ? [] : [n.name]));
  const keyNames = keyNamesOf(data);
  const issues: FieldIssue[] = [];
  const seen = new Map<string, number>();
  asArray(keys.rotate).forEach((entry, i) => {
    if (!isRecord(entry) || typeof entry.key !== 'string') return;
    const path = ['keys', 'rotate', i, 'key'];
    const key = entry.key;
    const first = seen.get(key);
    if (first !== undefined) {
      issues.push({
        path,
        message: `"${key}" is already rotated by keys.rotate[${first}]; a key has one rotation at a time: remove one entry`,
      });
      return;
    }
    seen.set(key, i);
    if (data.environment === 'development') {
      issues.push({
        path,
        message:
          'development keeps hex keys in Secrets Manager, where keys.rotate is not supported yet: ' +
          'remove the entry and rotate the key by deleting its secret (docs/runbooks/rotating-an-agent-key.md#development-hex-keys-in-secrets-manager)',
      });
      return;
    }
    if (key === 'bank') return;
    const slash = key.indexOf('/');
    if (slash < 0) return; // the schema says what is expected
    const network = key.slice(0, slash);
    const keyName = key.slice(slash + 1);
    if (!networkNames.includes(network)) {
      issues.push({
        path,
        message: `network "${network}" is not under networks${didYouMean(network, networkNames)}; rotate a key of a network of this file`,
      });
    }
    if (!keyNames.includes(keyName)) {
      issues.push({
        path,
        message: `key name "${keyName}" is not one of this file's keys${didYouMean(keyName, keyNames)} (${keyNames.join(', ')})`,
      });
    }
  });
  return issues;
}
