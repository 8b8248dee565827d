import { type FieldIssue } from './problem.js';
import { asArray, type NetworkView } from './raw.js';
import { didYouMean } from './suggest.js';

/** 256 (KMS alias) minus `alias/development-` and `-watcher-attestation`, rounded down. */
const MAX_NETWORK_NAME = 200;

export function networkIssues(networks: NetworkView[]): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const names = new Map<string, number>();
  const folded = new Map<string, number>();
  const chainIds = new Map<unknown, number>();
  for (const n of networks) {
    if (n.name !== undefined) {
      const first = names.get(n.name);
      const sameButCase = folded.get(n.name.toLowerCase());
      if (first !== undefined) {
        issues.push({
          path: ['networks', n.index, 'name'],
          message: `"${n.name}" is already the name of networks[${first}]; network names must be unique`,
        });
      } else if (sameButCase !== undefined) {
        issues.push({
          path: ['networks', n.index, 'name'],
          message: `"${n.name}" differs from networks[${sameButCase}] only in case; network names must be unique ignoring case (they name keys, secrets and chains operators read aloud)`,
        });
      } else {
        names.set(n.name, n.index);
        folded.set(n.name.toLowerCase(), n.index);
      }
      if (n.name.length > MAX_NETWORK_NAME) {
        issues.push({
          path: ['networks', n.index, 'name'],
          message: `is ${n.name.length} characters; at most ${MAX_NETWORK_NAME}, so that every KMS alias alias/{env}-{network}-{keyName} stays within KMS's 256`,
        });
      }
    }
    if (typeof n.chainId === 'number') {
      const first = chainIds.get(n.chainId);
      if (first !== undefined) {
        issues.push({
          path: ['networks', n.index, 'chainId'],
          message: `chain id ${n.chainId} is already used by networks[${first}]${networks[first]?.name ? ` (${networks[first]?.name})` : ''}; chain ids must be unique`,
        });
      } else chainIds.set(n.chainId, n.index);
    }
  }
  const known = [...names.keys()];
  for (const n of networks) {
    const seen = new Set<string>();
    asArray(n.replicas).forEach((replica, i) => {
      if (typeof replica !== 'string') return;
      const path = ['networks', n.index, 'replicas', i];
      if (replica === n.name) {
        issues.push({
          path,
          message: `"${replica}" is this network itself; a home is not its own replica, list only other networks`,
        });
      } else if (!names.has(replica)) {
        issues.push({
          path,
          message: `"${replica}" is not a network of this environment${didYouMean(replica, known)}; known networks: ${known.join(', ')}`,
        });
      } else if (seen.has(replica)) {
        issues.push({ path, message: `"${replica}" is listed twice; list each replica once` });
      }
      seen.add(replica);
    });
  }
  return issues;
}
