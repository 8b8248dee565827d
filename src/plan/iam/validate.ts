import { InputError, errorMessage } from '../../errors.js';
import { checkIamName } from '../../inventory/names.js';
import type { IamPlanInventory } from './types.js';

/** The access inventory breaks an IAM rule: found before the first AWS call, exit 2. */
export class IamInputError extends InputError {}

/** Checks names before any call to AWS; throws one error listing every problem. */
export function validateIamInventory(inventory: IamPlanInventory): void {
  const problems: string[] = [];
  const check = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      problems.push(errorMessage(error));
    }
  };
  if (!/^\d{12}$/.test(inventory.accountId)) {
    problems.push(`AWS account id "${inventory.accountId}" must be 12 digits.`);
  }
  const { iam } = inventory;
  for (const u of iam.users) check(() => checkIamName('user', u.name));
  for (const g of iam.groups) check(() => checkIamName('group', g.name));
  for (const p of iam.policies) check(() => checkIamName('policy', p.name));
  for (const r of iam.github?.roles ?? []) check(() => checkIamName('role', r.name));
  const policyNames = new Set(iam.policies.map((p) => p.name));
  for (const a of iam.attachments) {
    if (!policyNames.has(a.policyName) && !a.policyArn.startsWith('arn:aws:iam::aws:policy/')) {
      problems.push(
        `attachment of "${a.policyName}" to ${a.target.kind} ${a.target.name} names no policy of the inventory.`,
      );
    }
  }
  if (problems.length > 0) {
    throw new IamInputError(
      `The access inventory is invalid; nothing was changed:\n  ${problems.join('\n  ')}`,
    );
  }
}
