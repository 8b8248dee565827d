import {
  type IAMClient,
  ListGroupPoliciesCommand,
  ListRolePoliciesCommand,
  ListUserPoliciesCommand,
} from '@aws-sdk/client-iam';
import { isNoSuchEntity, type PrincipalRef } from './iam.js';

/**
 * Inline policies of a principal. The toolkit never writes one: every inline policy on a toolkit
 * principal was added by hand, and widens what it may do. Only their names are read (the plan
 * role may not read their documents).
 */

/** Names of the principal's inline policies; undefined when the principal does not exist. */
export async function listInlinePolicyNames(
  iam: IAMClient,
  principal: PrincipalRef,
): Promise<string[] | undefined> {
  const names: string[] = [];
  let Marker: string | undefined;
  try {
    for (;;) {
      const page =
        principal.kind === 'user'
          ? await iam.send(new ListUserPoliciesCommand({ UserName: principal.name, Marker }))
          : principal.kind === 'group'
            ? await iam.send(new ListGroupPoliciesCommand({ GroupName: principal.name, Marker }))
            : await iam.send(new ListRolePoliciesCommand({ RoleName: principal.name, Marker }));
      names.push(...(page.PolicyNames ?? []));
      if (!page.IsTruncated || !page.Marker || page.Marker === Marker) return names;
      Marker = page.Marker;
    }
  } catch (error) {
    if (isNoSuchEntity(error)) return undefined;
    throw error;
  }
}

/** The AWS CLI command that removes one inline policy, for a `drift` row. */
export function deleteInlinePolicyCommand(principal: PrincipalRef, policyName: string): string {
  const flag = `--${principal.kind}-name ${principal.name}`;
  return `aws iam delete-${principal.kind}-policy ${flag} --policy-name ${policyName}`;
}

/** The AWS CLI command that detaches one managed policy, for a `drift` row. */
export function detachPolicyCommand(principal: PrincipalRef, arn: string): string {
  return `aws iam detach-${principal.kind}-policy --${principal.kind}-name ${principal.name} --policy-arn ${arn}`;
}
