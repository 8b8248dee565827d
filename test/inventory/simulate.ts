import { runSimulation } from '@cloud-copilot/iam-simulate';
import { createHash } from 'node:crypto';
import type { PolicyDocument } from '../../src/inventory/types.js';

/** One request to IAM's evaluation logic, as @cloud-copilot/iam-simulate models it. */
export interface SimulatedRequest {
  principal: string;
  action: string;
  resource: string;
  accountId: string;
  context?: Record<string, string | string[]>;
  identity?: Array<PolicyDocument | object>;
  resourcePolicy?: PolicyDocument;
  /** The principal's permissions boundary, when it carries one. */
  boundary?: PolicyDocument;
}

export type Verdict = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

/**
 * The verdict of one request. A context key the simulator ignores for the action is an error:
 * a condition the test believes it exercises would otherwise pass unexamined.
 */
export async function simulate(req: SimulatedRequest): Promise<Verdict> {
  const result = await runSimulation(
    {
      request: {
        principal: req.principal,
        action: req.action,
        resource: { resource: req.resource, accountId: req.accountId },
        contextVariables: req.context ?? {},
      },
      identityPolicies: (req.identity ?? []).map((policy, i) => ({ name: `policy${i}`, policy })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(req.resourcePolicy ? { resourcePolicy: req.resourcePolicy } : {}),
      ...(req.boundary
        ? { permissionBoundaryPolicies: [{ name: 'boundary', policy: req.boundary }] }
        : {}),
    },
    {},
  );
  if (result.resultType === 'error') {
    throw new Error(`simulation of ${req.action} failed: ${JSON.stringify(result.errors)}`);
  }
  if (result.resultType === 'single' && (result.result.ignoredContextKeys ?? []).length > 0) {
    throw new Error(
      `simulator ignored ${result.result.ignoredContextKeys?.join(', ')} for ${req.action}`,
    );
  }
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
