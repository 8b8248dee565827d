import type { PrincipalRef, Tags } from '../../aws/iam.js';
import { MANAGED_BY_TAG, MANAGED_BY_VALUE } from '../../inventory/tags.js';
import type { IamStep } from '../../aws/iam-steps.js';
import type { Change, ChangeDraft } from '../change.js';
import type { IamDetail, IamRow } from './types.js';
import { otherOwnerOf } from '../ownership.js';

/** Helpers the access planners share to build their rows. */

export const isManaged = (tags: Tags) => tags[MANAGED_BY_TAG] === MANAGED_BY_VALUE;

const TAG_TARGET = { user: '--user-name', role: '--role-name', policy: '--policy-arn' } as const;

/** The command that marks an IAM resource as the toolkit's (a user or role by name, a policy by ARN). */
export const tagCommand = (resource: keyof typeof TAG_TARGET, nameOrArn: string) =>
  `aws iam tag-${resource} ${TAG_TARGET[resource]} ${nameOrArn} --tags Key=${MANAGED_BY_TAG},Value=${MANAGED_BY_VALUE}`;

/**
 * Why an existing resource with a wanted name is not the toolkit's to change, or undefined when
 * it is: without the `managed-by` tag it is somebody else's (with the command that adopts it);
 * tagged for another environment, it is that environment's.
 */
export function refusal(
  wanted: Tags,
  actual: Tags,
  adopt: string,
  refuses = 'change it',
): string | undefined {
  if (!isManaged(actual)) {
    return `exists without tag ${MANAGED_BY_TAG}=${MANAGED_BY_VALUE}: the toolkit will not ${refuses}. To adopt it: ${adopt}`;
  }
  return otherOwnerOf(wanted, actual);
}

/** Wanted tags missing or different on the resource (extra tags are left alone). */
export function tagDrift(wanted: Tags, actual: Tags): string[] {
  return Object.entries(wanted)
    .filter(([k, v]) => actual[k] !== v)
    .map(
      ([k, v]) =>
        `tag ${k}: ${actual[k] === undefined ? '(none)' : JSON.stringify(actual[k])} → ${JSON.stringify(v)}`,
    );
}

/** `exists` when there is nothing to do; otherwise `update`, listing every difference. */
export function existsOrUpdate(
  base: { kind: string; id: string },
  arn: string,
  steps: readonly IamStep[],
  changes: string[],
  unchangedReason: string,
  diff?: string,
): Change<IamDetail> {
  if (steps.length === 0)
    return { ...base, action: 'exists', reason: unchangedReason, detail: { arn } };
  return {
    ...base,
    action: 'update',
    reason: changes.join('; '),
    detail: { arn, changes, ...(diff ? { diff } : {}) },
  };
}

/** A row; `bootstrap` only when the resource is one an administrator's run writes. */
export const row = (
  change: ChangeDraft<IamDetail>,
  steps: IamStep[] = [],
  bootstrap?: boolean,
): IamRow => ({
  change: { ...change, detail: change.detail ?? {} },
  steps,
  ...(bootstrap !== undefined ? { bootstrap } : {}),
});

export const principalOfKey = (key: string): PrincipalRef => {
  const [kind, name] = key.split(':') as [PrincipalRef['kind'], string];
  return { kind, name };
};

export const policyNameOfArn = (arn: string) => arn.slice(arn.lastIndexOf('/') + 1);

/**
 * A wanted permissions boundary missing or different on a user or role (issue 24 item 8): the
 * line that says so and the step that sets it, or undefined when it is as wanted. A principal
 * the file wants unbounded (kms-admin) keeps whatever it has.
 */
export function boundaryChange(
  principal: PrincipalRef,
  wanted: string | undefined,
  actual: string | undefined,
): { change: string; step: IamStep } | undefined {
  if (!wanted || wanted === actual) return undefined;
  const name = policyNameOfArn(wanted);
  return {
    change:
      actual === undefined
        ? `permissions boundary (none) → ${name}`
        : `permissions boundary ${policyNameOfArn(actual)} → ${name} (another boundary: replaced)`,
    step: { op: 'putBoundary', principal, arn: wanted },
  };
}

/**
 * Why a principal cannot be created or bounded yet: its boundary policy does not exist and this
 * run may not create it (a bootstrap resource); IAM refuses a boundary that does not exist.
 */
export function boundaryMissing(
  wanted: string | undefined,
  policies: Record<string, unknown>,
  bootstrap: boolean,
): string | undefined {
  if (!wanted || bootstrap || policies[wanted]) return undefined;
  return `its permissions boundary ${policyNameOfArn(wanted)} does not exist yet: it is a bootstrap resource, apply it with administrator credentials (nomad-ops iam apply) first`;
}
