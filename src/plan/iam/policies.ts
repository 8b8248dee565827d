import type { IamPolicy } from '../../aws/iam.js';
import type { IamStep } from '../../aws/iam-steps.js';
import { existsOrUpdate, isManaged, refusal, row, tagCommand, tagDrift } from './rows.js';
import type { IamPlanner, IamRow } from './types.js';
import { diffPolicies, renderPolicy, samePolicy } from '../policy-document.js';

/**
 * Managed policies: created tagged; a document that differs becomes a new default version
 * (evicting the oldest when IAM's five are used); never touched when unmarked or another's.
 */
export const planPolicies: IamPlanner = ({ inventory, state }) =>
  inventory.iam.policies.map((p): IamRow => {
    const actual = state.policies[p.arn];
    const base = { kind: 'iam-policy', id: p.name };
    const document = JSON.stringify(p.document);
    if (!actual) {
      return row(
        {
          ...base,
          action: 'create',
          reason: 'no such policy',
          detail: { arn: p.arn, document: renderPolicy(p.document), tags: p.tags },
        },
        [
          {
            op: 'createPolicy',
            name: p.name,
            path: pathOfPolicyArn(p.arn),
            description: p.description,
            document,
            tags: p.tags,
          },
        ],
        p.bootstrap,
      );
    }
    const refused = refusal(
      p.tags,
      actual.tags,
      tagCommand('policy', p.arn),
      'change or attach it',
    );
    if (refused) {
      // An unmarked policy shows how it differs, for whoever decides to adopt it.
      const diff = isManaged(actual.tags) ? '' : diffPolicies(actual.document, p.document);
      return row({
        ...base,
        action: 'broken',
        reason: refused,
        detail: { arn: p.arn, ...(diff ? { diff } : {}) },
      });
    }
    const steps: IamStep[] = [];
    const changes: string[] = [];
    let diff: string | undefined;
    if (!samePolicy(actual.document, p.document)) {
      diff = diffPolicies(actual.document, p.document);
      const evict = versionToEvict(actual);
      if (evict) {
        steps.push({ op: 'deletePolicyVersion', arn: p.arn, versionId: evict });
        changes.push(`delete oldest non-default version ${evict} (IAM keeps at most 5)`);
      }
      steps.push({ op: 'createPolicyVersion', arn: p.arn, document });
      changes.push(
        `document differs from default version ${actual.defaultVersionId}: new default version`,
      );
    }
    const drift = tagDrift(p.tags, actual.tags);
    if (drift.length > 0) {
      steps.push({ op: 'tagPolicy', arn: p.arn, tags: p.tags });
      changes.push(...drift);
    }
    return row(
      existsOrUpdate(base, p.arn, steps, changes, 'document and tags as wanted', diff),
      steps,
      p.bootstrap,
    );
  });

/** With 5 versions (IAM's limit) the oldest non-default one must go before a new one is added. */
export function versionToEvict(policy: Pick<IamPolicy, 'versions'>): string | undefined {
  if (policy.versions.length < 5) return undefined;
  const candidates = policy.versions.filter((v) => !v.isDefault);
  candidates.sort((a, b) => {
    const byDate = (a.created?.getTime() ?? 0) - (b.created?.getTime() ?? 0);
    return byDate !== 0 ? byDate : versionNumber(a.versionId) - versionNumber(b.versionId);
  });
  return candidates[0]?.versionId;
}

const versionNumber = (id: string) => Number(id.replace(/^v/, '')) || 0;

/** `arn:aws:iam::1:policy/a/b/name` → `/a/b/`. */
function pathOfPolicyArn(arn: string): string {
  const rest = arn.slice(arn.indexOf(':policy/') + ':policy'.length);
  return rest.slice(0, rest.lastIndexOf('/') + 1) || '/';
}
