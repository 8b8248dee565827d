import type { IAMClient } from '@aws-sdk/client-iam';
import * as iam from './iam.js';
import type { PrincipalRef, Tags } from './iam.js';
import { storeAccessKey } from './iam-access-keys.js';
import { deleteInlinePolicy } from './iam-inline.js';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/**
 * One IAM write, as data. The access plan decides the steps (pure); `runIamStep` carries one
 * out. Every step is safe to repeat after a crash: a re-plan reads the state again and only
 * emits steps for what is still missing.
 */
export type IamStep =
  | { op: 'createUser'; name: string; tags: Tags }
  | { op: 'tagUser'; name: string; tags: Tags }
  | { op: 'deleteUser'; name: string }
  | { op: 'createGroup'; name: string; path: string }
  | { op: 'deleteGroup'; name: string }
  | { op: 'addUserToGroup'; user: string; group: string }
  | { op: 'removeUserFromGroup'; user: string; group: string }
  | {
      op: 'createPolicy';
      name: string;
      path: string;
      description: string;
      document: string;
      tags: Tags;
    }
  | { op: 'createPolicyVersion'; arn: string; document: string }
  | { op: 'deletePolicyVersion'; arn: string; versionId: string }
  | { op: 'tagPolicy'; arn: string; tags: Tags }
  | { op: 'deletePolicy'; arn: string }
  | { op: 'attachPolicy'; principal: PrincipalRef; arn: string }
  | { op: 'detachPolicy'; principal: PrincipalRef; arn: string }
  | { op: 'deleteInlinePolicy'; principal: PrincipalRef; policyName: string }
  | {
      op: 'createRole';
      name: string;
      path: string;
      trustPolicy: string;
      description: string;
      maxSessionDuration: number;
      tags: Tags;
    }
  | { op: 'updateTrustPolicy'; name: string; trustPolicy: string }
  | { op: 'updateRole'; name: string; description: string; maxSessionDuration: number }
  | { op: 'tagRole'; name: string; tags: Tags }
  | { op: 'deleteRole'; name: string }
  | {
      op: 'createOidcProvider';
      url: string;
      clientIds: string[];
      thumbprints: string[];
      tags: Tags;
    }
  | { op: 'addOidcClientId'; arn: string; clientId: string }
  | { op: 'updateOidcThumbprints'; arn: string; thumbprints: string[] }
  | { op: 'tagOidcProvider'; arn: string; tags: Tags }
  | { op: 'deleteOidcProvider'; arn: string }
  | { op: 'deleteAccessKey'; user: string; accessKeyId: string }
  /** CreateAccessKey, then the pair straight into Secrets Manager: the secret never leaves this step. */
  | { op: 'createStoredAccessKey'; user: string; secretName: string; tags: Tags };

export interface IamStepClients {
  iam: IAMClient;
  secrets: SecretsManagerClient;
}

export async function runIamStep(clients: IamStepClients, step: IamStep): Promise<void> {
  const c = clients.iam;
  switch (step.op) {
    case 'createUser':
      return iam.createUser(c, step.name, step.tags);
    case 'tagUser':
      return iam.tagUser(c, step.name, step.tags);
    case 'deleteUser':
      return iam.deleteUser(c, step.name);
    case 'createGroup':
      return iam.createGroup(c, step.name, step.path);
    case 'deleteGroup':
      return iam.deleteGroup(c, step.name);
    case 'addUserToGroup':
      return iam.addUserToGroup(c, step.user, step.group);
    case 'removeUserFromGroup':
      return iam.removeUserFromGroup(c, step.user, step.group);
    case 'createPolicy':
      return iam.createPolicy(c, step);
    case 'createPolicyVersion':
      return iam.createDefaultPolicyVersion(c, step.arn, step.document);
    case 'deletePolicyVersion':
      return iam.deletePolicyVersion(c, step.arn, step.versionId);
    case 'tagPolicy':
      return iam.tagPolicy(c, step.arn, step.tags);
    case 'deletePolicy':
      return iam.deletePolicy(c, step.arn);
    case 'attachPolicy':
      return iam.attachPolicy(c, step.principal, step.arn);
    case 'detachPolicy':
      return iam.detachPolicy(c, step.principal, step.arn);
    case 'deleteInlinePolicy':
      return deleteInlinePolicy(c, step.principal, step.policyName);
    case 'createRole':
      return iam.createRole(c, step);
    case 'updateTrustPolicy':
      return iam.updateTrustPolicy(c, step.name, step.trustPolicy);
    case 'updateRole':
      return iam.updateRole(c, step.name, step);
    case 'tagRole':
      return iam.tagRole(c, step.name, step.tags);
    case 'deleteRole':
      return iam.deleteRole(c, step.name);
    case 'createOidcProvider':
      return iam.createOidcProvider(c, step);
    case 'addOidcClientId':
      return iam.addOidcClientId(c, step.arn, step.clientId);
    case 'updateOidcThumbprints':
      return iam.updateOidcThumbprints(c, step.arn, step.thumbprints);
    case 'tagOidcProvider':
      return iam.tagOidcProvider(c, step.arn, step.tags);
    case 'deleteOidcProvider':
      return iam.deleteOidcProvider(c, step.arn);
    case 'deleteAccessKey':
      return iam.deleteAccessKey(c, step.user, step.accessKeyId);
    case 'createStoredAccessKey': {
      const key = await iam.createAccessKey(c, step.user);
      try {
        await storeAccessKey(clients.secrets, step.secretName, key, step.tags);
      } catch (error) {
        // A key nobody can read is useless: withdraw it so a later run starts clean.
        await iam.deleteAccessKey(c, step.user, key.accessKeyId).catch(() => undefined);
        throw new Error(
          `could not store the new access key of ${step.user} in Secrets Manager (${step.secretName}); ` +
            `the key was deleted again: ${(error as Error).name}`,
          { cause: error },
        );
      }
      return;
    }
  }
}

/** A one-line description of a step for logs: names and ARNs only, never documents or secrets. */
export function describeIamStep(step: IamStep): string {
  const { op, ...rest } = step;
  const target =
    'name' in rest
      ? rest.name
      : 'arn' in rest
        ? rest.arn
        : 'user' in rest
          ? rest.user
          : 'url' in rest
            ? rest.url
            : '';
  return `${op} ${target}`.trim();
}
