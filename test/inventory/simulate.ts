import { runSimulation } from '@cloud-copilot/iam-simulate';
import type { PolicyDocument } from '../../src/inventory/index.js';

/** One request to IAM's evaluation logic, as @cloud-copilot/iam-simulate models it. */
export interface SimulatedRequest {
  principal: string;
  action: string;
  resource: string;
  accountId: string;
  context?: Record<string, string | string[]>;
  identity?: PolicyDocument[];
  resourcePolicy?: PolicyDocument;
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
