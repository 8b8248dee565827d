import { runSimulation } from '@cloud-copilot/iam-simulate';
import { createHash } from 'node:crypto';
import type { PolicyDocument } from '../../src/inventory/index.js';

export type Verdict = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

/** One request through @cloud-copilot/iam-simulate; fails when the simulator ignores a context key. */
export async function simulate(request: {
  principal: string;
  action: string;
  resource: string;
  accountId: string;
  context?: Record<string, string | string[]>;
  identity: Array<PolicyDocument | object>;
  resourcePolicy?: PolicyDocument;
}): Promise<Verdict> {
  const result = await runSimulation(
    {
      request: {
        principal: request.principal,
        action: request.action,
        resource: { resource: request.resource, accountId: request.accountId },
        contextVariables: request.context ?? {},
      },
      identityPolicies: request.identity.map((policy, i) => ({ name: `policy${i}`, policy })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(request.resourcePolicy ? { resourcePolicy: request.resourcePolicy } : {}),
    },
    {},
  );
  if (result.resultType === 'error') throw new Error(JSON.stringify(result.errors));
  if (result.resultType === 'single' && (result.result.ignoredContextKeys ?? []).length > 0)
    throw new Error(`ignored ${result.result.ignoredContextKeys?.join(', ')}`);
  return result.overallResult as Verdict;
}

/** A deterministic key ARN per alias in the given account and region. */
export function keyArnFor(region: string, accountId: string, alias: string): string {
  const h = createHash('sha256').update(alias).digest('hex');
  const id = `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
  return `arn:aws:kms:${region}:${accountId}:key/${id}`;
}

/** KMS's default key policy: the account delegates key use to IAM. */
export function defaultKeyPolicy(accountId: string): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'Enable IAM User Permissions',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${accountId}:root` },
        Action: 'kms:*',
        Resource: '*',
      },
    ],
  };
}
