import {
  AddClientIDToOpenIDConnectProviderCommand,
  AddUserToGroupCommand,
  AttachGroupPolicyCommand,
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreateOpenIDConnectProviderCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateRoleCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  DeleteGroupCommand,
  DeleteGroupPolicyCommand,
  DeleteOpenIDConnectProviderCommand,
  DeletePolicyCommand,
  DeletePolicyVersionCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DeleteUserCommand,
  DeleteUserPolicyCommand,
  DetachGroupPolicyCommand,
  DetachRolePolicyCommand,
  DetachUserPolicyCommand,
  type IAMClient,
  PutRolePermissionsBoundaryCommand,
  PutUserPermissionsBoundaryCommand,
  RemoveUserFromGroupCommand,
  TagOpenIDConnectProviderCommand,
  TagPolicyCommand,
  TagRoleCommand,
  TagUserCommand,
  UpdateAssumeRolePolicyCommand,
  UpdateOpenIDConnectProviderThumbprintCommand,
  UpdateRoleCommand,
} from '@aws-sdk/client-iam';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { awsErrorName, OperationError } from '../errors.js';
import { type PrincipalRef, type Tags, recordToTags } from './iam.js';
import { storeAccessKey } from './iam-access-keys.js';

/**
 * One IAM write, as data. The access plan decides the steps (pure); `runIamStep` carries one
 * out through `IAM_STEPS`, a table from each op to the handler that builds and sends its SDK
 * command. Every step is safe to repeat after a crash: a re-plan reads the state again and only
 * emits steps for what is still missing.
 */
export type IamStep =
  | { op: 'createUser'; name: string; tags: Tags; permissionsBoundary?: string | undefined }
  /** Sets a user's or role's permissions boundary (never removes one: the toolkit has no op for it). */
  | { op: 'putBoundary'; principal: PrincipalRef; arn: string }
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
      permissionsBoundary?: string | undefined;
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

type StepOf<Op extends IamStep['op']> = Extract<IamStep, { op: Op }>;
type Handler<Op extends IamStep['op']> = (c: IamStepClients, step: StepOf<Op>) => Promise<unknown>;

/** Users, groups and roles each have their own command: the one for this principal's kind. */
const byPrincipal = (
  principal: PrincipalRef,
  send: Record<PrincipalRef['kind'], (name: string) => Promise<unknown>>,
) => send[principal.kind](principal.name);

/** Every IAM write the plan can ask for: op → the handler that builds and sends its command. */
export const IAM_STEPS: { [Op in IamStep['op']]: Handler<Op> } = {
  createUser: ({ iam }, s) =>
    iam.send(
      new CreateUserCommand({
        UserName: s.name,
        Path: '/',
        Tags: recordToTags(s.tags),
        ...(s.permissionsBoundary ? { PermissionsBoundary: s.permissionsBoundary } : {}),
      }),
    ),
  putBoundary: ({ iam }, s) =>
    byPrincipal(s.principal, {
      user: (UserName) =>
        iam.send(new PutUserPermissionsBoundaryCommand({ UserName, PermissionsBoundary: s.arn })),
      group: (name) => Promise.reject(new Error(`IAM group ${name} cannot carry a boundary`)),
      role: (RoleName) =>
        iam.send(new PutRolePermissionsBoundaryCommand({ RoleName, PermissionsBoundary: s.arn })),
    }),
  tagUser: ({ iam }, s) =>
    iam.send(new TagUserCommand({ UserName: s.name, Tags: recordToTags(s.tags) })),
  deleteUser: ({ iam }, s) => iam.send(new DeleteUserCommand({ UserName: s.name })),
  createGroup: ({ iam }, s) =>
    iam.send(new CreateGroupCommand({ GroupName: s.name, Path: s.path })),
  deleteGroup: ({ iam }, s) => iam.send(new DeleteGroupCommand({ GroupName: s.name })),
  addUserToGroup: ({ iam }, s) =>
    iam.send(new AddUserToGroupCommand({ UserName: s.user, GroupName: s.group })),
  removeUserFromGroup: ({ iam }, s) =>
    iam.send(new RemoveUserFromGroupCommand({ UserName: s.user, GroupName: s.group })),
  createPolicy: ({ iam }, s) =>
    iam.send(
      new CreatePolicyCommand({
        PolicyName: s.name,
        Path: s.path,
        Description: s.description,
        PolicyDocument: s.document,
        Tags: recordToTags(s.tags),
      }),
    ),
  createPolicyVersion: ({ iam }, s) =>
    iam.send(
      new CreatePolicyVersionCommand({
        PolicyArn: s.arn,
        PolicyDocument: s.document,
        SetAsDefault: true,
      }),
    ),
  deletePolicyVersion: ({ iam }, s) =>
    iam.send(new DeletePolicyVersionCommand({ PolicyArn: s.arn, VersionId: s.versionId })),
  tagPolicy: ({ iam }, s) =>
    iam.send(new TagPolicyCommand({ PolicyArn: s.arn, Tags: recordToTags(s.tags) })),
  deletePolicy: ({ iam }, s) => iam.send(new DeletePolicyCommand({ PolicyArn: s.arn })),
  attachPolicy: ({ iam }, s) =>
    byPrincipal(s.principal, {
      user: (UserName) => iam.send(new AttachUserPolicyCommand({ UserName, PolicyArn: s.arn })),
      group: (GroupName) => iam.send(new AttachGroupPolicyCommand({ GroupName, PolicyArn: s.arn })),
      role: (RoleName) => iam.send(new AttachRolePolicyCommand({ RoleName, PolicyArn: s.arn })),
    }),
  detachPolicy: ({ iam }, s) =>
    byPrincipal(s.principal, {
      user: (UserName) => iam.send(new DetachUserPolicyCommand({ UserName, PolicyArn: s.arn })),
      group: (GroupName) => iam.send(new DetachGroupPolicyCommand({ GroupName, PolicyArn: s.arn })),
      role: (RoleName) => iam.send(new DetachRolePolicyCommand({ RoleName, PolicyArn: s.arn })),
    }),
  deleteInlinePolicy: ({ iam }, s) =>
    byPrincipal(s.principal, {
      user: (UserName) =>
        iam.send(new DeleteUserPolicyCommand({ UserName, PolicyName: s.policyName })),
      group: (GroupName) =>
        iam.send(new DeleteGroupPolicyCommand({ GroupName, PolicyName: s.policyName })),
      role: (RoleName) =>
        iam.send(new DeleteRolePolicyCommand({ RoleName, PolicyName: s.policyName })),
    }),
  createRole: ({ iam }, s) =>
    iam.send(
      new CreateRoleCommand({
        RoleName: s.name,
        Path: s.path,
        AssumeRolePolicyDocument: s.trustPolicy,
        Description: s.description,
        MaxSessionDuration: s.maxSessionDuration,
        Tags: recordToTags(s.tags),
        ...(s.permissionsBoundary ? { PermissionsBoundary: s.permissionsBoundary } : {}),
      }),
    ),
  updateTrustPolicy: ({ iam }, s) =>
    iam.send(
      new UpdateAssumeRolePolicyCommand({ RoleName: s.name, PolicyDocument: s.trustPolicy }),
    ),
  updateRole: ({ iam }, s) =>
    iam.send(
      new UpdateRoleCommand({
        RoleName: s.name,
        Description: s.description,
        MaxSessionDuration: s.maxSessionDuration,
      }),
    ),
  tagRole: ({ iam }, s) =>
    iam.send(new TagRoleCommand({ RoleName: s.name, Tags: recordToTags(s.tags) })),
  deleteRole: ({ iam }, s) => iam.send(new DeleteRoleCommand({ RoleName: s.name })),
  createOidcProvider: ({ iam }, s) =>
    iam.send(
      new CreateOpenIDConnectProviderCommand({
        Url: s.url,
        ClientIDList: s.clientIds,
        ThumbprintList: s.thumbprints,
        Tags: recordToTags(s.tags),
      }),
    ),
  addOidcClientId: ({ iam }, s) =>
    iam.send(
      new AddClientIDToOpenIDConnectProviderCommand({
        OpenIDConnectProviderArn: s.arn,
        ClientID: s.clientId,
      }),
    ),
  updateOidcThumbprints: ({ iam }, s) =>
    iam.send(
      new UpdateOpenIDConnectProviderThumbprintCommand({
        OpenIDConnectProviderArn: s.arn,
        ThumbprintList: s.thumbprints,
      }),
    ),
  tagOidcProvider: ({ iam }, s) =>
    iam.send(
      new TagOpenIDConnectProviderCommand({
        OpenIDConnectProviderArn: s.arn,
        Tags: recordToTags(s.tags),
      }),
    ),
  deleteOidcProvider: ({ iam }, s) =>
    iam.send(new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: s.arn })),
  deleteAccessKey: ({ iam }, s) =>
    iam.send(new DeleteAccessKeyCommand({ UserName: s.user, AccessKeyId: s.accessKeyId })),
  createStoredAccessKey: createStoredAccessKey,
};

/** The new key pair goes straight to Secrets Manager; it is never logged or returned. */
async function createStoredAccessKey(
  { iam, secrets }: IamStepClients,
  step: StepOf<'createStoredAccessKey'>,
): Promise<void> {
  const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: step.user }));
  if (!AccessKey?.AccessKeyId || !AccessKey.SecretAccessKey) {
    throw new OperationError(`IAM CreateAccessKey for ${step.user} returned no key`);
  }
  const key = { accessKeyId: AccessKey.AccessKeyId, secretAccessKey: AccessKey.SecretAccessKey };
  try {
    await storeAccessKey(secrets, step.secretName, key, step.tags);
  } catch (error) {
    // A key nobody can read is useless: withdraw it so a later run starts clean.
    await iam
      .send(new DeleteAccessKeyCommand({ UserName: step.user, AccessKeyId: key.accessKeyId }))
      .catch(() => undefined);
    throw new OperationError(
      `could not store the new access key of ${step.user} in Secrets Manager (${step.secretName}); ` +
        `the key was deleted again: ${awsErrorName(error) ?? 'Error'}. Check that this run may write ` +
        `that secret, then run again`,
      { cause: error },
    );
  }
}

export async function runIamStep(clients: IamStepClients, step: IamStep): Promise<void> {
  const handler = IAM_STEPS[step.op] as Handler<IamStep['op']>;
  await handler(clients, step);
}
