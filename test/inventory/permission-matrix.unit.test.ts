/**
 * The permission matrix of issue 13: principal × action × resource, evaluated by
 * @cloud-copilot/iam-simulate on the documents the code renders. The worst case is taken: all
 * three environments in one AWS account and one region, so that only the policies (not account
 * boundaries) keep one environment from another. Each row is a legitimate action its principal
 * must keep, or an attack that must be denied.
 */
import { describe, expect, it } from 'vitest';
import type { ResolvedEnvironment } from '../../src/config/model.js';
import { bucketArn, groupArn, policyArn, userArn } from '../../src/inventory/names.js';
import { iamFor, roleDocuments } from '../../src/inventory/iam.js';
import { toolkitKeyPolicyDocument } from '../../src/inventory/policies.js';
import { type PolicyDocument } from '../../src/inventory/types.js';
import { loadEnvironmentFile } from '../../src/config/load.js';
import { development, production, staging } from './fixtures.js';
import { simulate, type Verdict } from './simulate.js';

const ACCOUNT = '345678901234';
const REGION = 'us-west-2';
const inSharedAccount = (env: ResolvedEnvironment): ResolvedEnvironment => ({
  ...env,
  aws: { accountId: ACCOUNT, region: REGION },
});
const envs = {
  development: inSharedAccount(development()),
  staging: inSharedAccount(staging()),
  production: inSharedAccount(production()),
};

const documentOf = (env: ResolvedEnvironment, name: string): PolicyDocument => {
  const policy = iamFor(env).policies.find((p) => p.name === name);
  if (!policy) throw new Error(`no policy ${name} in ${env.name}`);
  return policy.document;
};

interface Principal {
  name: string;
  arn: string;
  identity: PolicyDocument[];
  /** Its permissions boundary, when it carries one. */
  boundary?: PolicyDocument;
}
const role = (env: ResolvedEnvironment, kind: 'plan' | 'apply'): Principal => ({
  name: `${env.name} ${kind} role`,
  arn: `arn:aws:sts::${ACCOUNT}:assumed-role/nomad-ops-${env.name}-${kind}/gha`,
  identity: roleDocuments(iamFor(env), `nomad-ops-${env.name}-${kind}`),
});
const stagingApply = role(envs.staging, 'apply');
const productionApply = role(envs.production, 'apply');
const developmentApply = role(envs.development, 'apply');
const stagingPlan = role(envs.staging, 'plan');
const kmsAdmin: Principal = {
  name: 'kms-admin',
  arn: userArn(ACCOUNT, 'kms-admin'),
  identity: [documentOf(envs.production, 'kms-admin')],
};
/** A policy rewritten to allow everything (the apply role can write any document on its policies). */
const EVERYTHING: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
};
const boundaryOf = (env: ResolvedEnvironment) => documentOf(env, `${env.name}-boundary`);
/** The staging signer user, its policies rewritten by a compromised staging apply role. */
const stagingSignerRewritten: Principal = {
  name: 'staging signer (policy rewritten to *:*)',
  arn: userArn(ACCOUNT, 'nomad-signer-staging'),
  identity: [EVERYTHING],
  boundary: boundaryOf(envs.staging),
};
const keymasterOf = (env: ResolvedEnvironment, identity?: PolicyDocument[]): Principal => ({
  name: `${env.name} keymaster role${identity ? ' (policy rewritten to *:*)' : ''}`,
  arn: `arn:aws:sts::${ACCOUNT}:assumed-role/nomad-ops-${env.name}-keymaster/gha`,
  identity: identity ?? roleDocuments(iamFor(env), `nomad-ops-${env.name}-keymaster`),
  boundary: boundaryOf(env),
});
const stagingKeymaster = keymasterOf(envs.staging);
const stagingKeymasterRewritten = keymasterOf(envs.staging, [EVERYTHING]);
/** Staging as shipped (with operators), in the shared account: acme runs kovan's and moonbasealpha's processors. */
const stagingFile = (() => {
  const loaded = loadEnvironmentFile(
    new URL('../../environments/staging.yaml', import.meta.url).pathname,
  );
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  return inSharedAccount(loaded.env);
})();
const acme: Principal = {
  name: 'staging operator acme',
  arn: `arn:aws:sts::${ACCOUNT}:assumed-role/nomad-ops-staging-operator-acme/acme`,
  identity: roleDocuments(iamFor(stagingFile), 'nomad-ops-staging-operator-acme'),
  boundary: boundaryOf(stagingFile),
};
const acmeRewritten: Principal = {
  ...acme,
  name: 'staging operator acme (policy rewritten to *:*)',
  identity: [EVERYTHING],
};

/** Someone whose IAM allows everything: only key policies stop them. */
const administrator: Principal = {
  name: 'an administrator',
  arn: userArn(ACCOUNT, 'admin'),
  identity: [
    { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
  ],
};

// ---- resources -------------------------------------------------------------------------

const keyArn = (id: string) => `arn:aws:kms:${REGION}:${ACCOUNT}:key/${id}`;
const aliasArn = (alias: string) => `arn:aws:kms:${REGION}:${ACCOUNT}:${alias}`;
const toolkitTags = (env: string, alias: string) => ({
  'aws:ResourceTag/managed-by': 'nomad-agent-ops',
  'aws:ResourceTag/nomad:environment': env,
  'aws:ResourceTag/nomad:alias': alias,
});
interface Key {
  arn: string;
  /** Resource context of the key: its tags and its aliases. */
  context: Record<string, string | string[]>;
  policy: PolicyDocument;
}
const key = (
  id: string,
  tags: Record<string, string>,
  aliases: string[],
  purpose: 'signer' | 'bank' = 'signer',
): Key => ({
  arn: keyArn(id),
  context: { ...tags, 'kms:ResourceAliases': aliases },
  policy: toolkitKeyPolicyDocument(ACCOUNT, purpose),
});
const productionBank = key(
  '11111111-0000-0000-0000-000000000001',
  toolkitTags('production', 'alias/production-bank'),
  ['alias/production-bank'],
  'bank',
);
const stagingBank = key(
  '11111111-0000-0000-0000-000000000002',
  toolkitTags('staging', 'alias/staging-bank'),
  ['alias/staging-bank'],
  'bank',
);
/** A staging key CreateKey just made; CreateAlias has not run yet. */
const freshStagingKey = key(
  '11111111-0000-0000-0000-000000000003',
  toolkitTags('staging', 'alias/staging-kovan-relayer-signer'),
  [],
);
const freshProductionKey = key(
  '11111111-0000-0000-0000-000000000004',
  toolkitTags('production', 'alias/production-ethereum-relayer-signer'),
  [],
);
const productionRelayerKey = key(
  '11111111-0000-0000-0000-000000000006',
  toolkitTags('production', 'alias/production-ethereum-relayer-signer'),
  ['alias/production-ethereum-relayer-signer'],
);
/** A staging key that also carries production's bank alias (a second alias put on by hand). */
const stagingKeyWithProductionBankAlias = key(
  '11111111-0000-0000-0000-000000000007',
  toolkitTags('staging', 'alias/staging-kovan-relayer-signer'),
  ['alias/staging-kovan-relayer-signer', 'alias/production-bank'],
);
const stagingRelayerKey = key(
  '11111111-0000-0000-0000-000000000005',
  toolkitTags('staging', 'alias/staging-kovan-relayer-signer'),
  ['alias/staging-kovan-relayer-signer'],
);
/** Somebody's key, not the toolkit's, with KMS's default policy. */
const foreignKey: Key = {
  arn: keyArn('99999999-0000-0000-0000-000000000009'),
  context: { 'kms:ResourceAliases': [] },
  policy: {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
        Action: 'kms:*',
        Resource: '*',
      },
    ],
  },
};

const createKeyContext = (env: string, extra: Record<string, string | string[]> = {}) => ({
  'aws:RequestTag/managed-by': 'nomad-agent-ops',
  'aws:RequestTag/nomad:environment': env,
  'aws:TagKeys': ['managed-by', 'nomad:environment', 'nomad:alias', 'nomad:purpose'],
  'kms:KeySpec': 'ECC_SECG_P256K1',
  'kms:KeyUsage': 'SIGN_VERIFY',
  'kms:KeyOrigin': 'AWS_KMS',
  'kms:MultiRegion': 'false',
  'kms:BypassPolicyLockoutSafetyCheck': 'false',
  ...extra,
});
const tagRequest = (env: string) => ({
  'aws:RequestTag/managed-by': 'nomad-agent-ops',
  'aws:RequestTag/nomad:environment': env,
  'aws:TagKeys': ['managed-by', 'nomad:environment'],
});
const iamTags = (env: string) => ({
  'aws:ResourceTag/managed-by': 'nomad-agent-ops',
  'aws:ResourceTag/nomad:environment': env,
});
const policy = (name: string) => policyArn(ACCOUNT, name);
const withBoundary = (name: string) => ({ 'iam:PermissionsBoundary': policy(name) });
const group = (name: string) => groupArn(ACCOUNT, name);
const user = (name: string) => userArn(ACCOUNT, name);

// ---- the matrix ------------------------------------------------------------------------

interface Row {
  what: string;
  principal: Principal;
  action: string;
  resource: string;
  context?: Record<string, string | string[]>;
  resourcePolicy?: PolicyDocument;
  want: 'Allowed' | 'Denied' | 'ExplicitlyDenied';
}

/** CreateAlias is authorised on the alias and on the key: both rows must allow it. */
const onKey = (k: Key) => ({ resource: k.arn, context: k.context, resourcePolicy: k.policy });

const rows: Row[] = [
  // staging apply: its own environment
  {
    what: 'creates a staging key of the toolkit shape and tags',
    principal: stagingApply,
    action: 'kms:CreateKey',
    resource: '*',
    context: createKeyContext('staging'),
    want: 'Allowed',
  },
  {
    what: 'names an alias in the staging namespace',
    principal: stagingApply,
    action: 'kms:CreateAlias',
    resource: aliasArn('alias/staging-kovan-relayer-signer'),
    want: 'Allowed',
  },
  {
    what: 'aliases a fresh staging key',
    principal: stagingApply,
    action: 'kms:CreateAlias',
    ...onKey(freshStagingKey),
    want: 'Allowed',
  },
  {
    what: 'retags its own key with staging tags',
    principal: stagingApply,
    action: 'kms:TagResource',
    resource: freshStagingKey.arn,
    context: { ...freshStagingKey.context, ...tagRequest('staging') },
    resourcePolicy: freshStagingKey.policy,
    want: 'Allowed',
  },
  {
    // What the key apply sends before each CreateAlias (issue 28): the alias record.
    what: 'records that its own key may hold its alias (nomad:aliased)',
    principal: stagingApply,
    action: 'kms:TagResource',
    resource: freshStagingKey.arn,
    context: {
      ...freshStagingKey.context,
      ...tagRequest('staging'),
      'aws:RequestTag/nomad:aliased': 'true',
      'aws:TagKeys': ['managed-by', 'nomad:environment', 'nomad:aliased'],
    },
    resourcePolicy: freshStagingKey.policy,
    want: 'Allowed',
  },
  {
    what: 'creates a staging key that says it never held its alias',
    principal: stagingApply,
    action: 'kms:CreateKey',
    resource: '*',
    context: createKeyContext('staging', {
      'aws:TagKeys': ['managed-by', 'nomad:environment', 'nomad:alias', 'nomad:aliased'],
    }),
    want: 'Allowed',
  },
  {
    what: 'rewrites its own signer policy',
    principal: stagingApply,
    action: 'iam:CreatePolicyVersion',
    resource: policy('staging-relayer-signer'),
    context: iamTags('staging'),
    want: 'Allowed',
  },
  {
    what: 'attaches its own policy to its signer group',
    principal: stagingApply,
    action: 'iam:AttachGroupPolicy',
    resource: group('staging-signer'),
    context: { 'iam:PolicyARN': policy('staging-relayer-signer') },
    want: 'Allowed',
  },
  {
    what: 'creates its signer user tagged for staging, with the staging boundary',
    principal: stagingApply,
    action: 'iam:CreateUser',
    resource: user('nomad-signer-staging'),
    context: { ...tagRequest('staging'), ...withBoundary('staging-boundary') },
    want: 'Allowed',
  },
  {
    what: 'puts the staging boundary on its signer user',
    principal: stagingApply,
    action: 'iam:PutUserPermissionsBoundary',
    resource: user('nomad-signer-staging'),
    context: { ...iamTags('staging'), ...withBoundary('staging-boundary') },
    want: 'Allowed',
  },
  {
    what: 'configures the staging proofs bucket',
    principal: stagingApply,
    action: 's3:PutBucketPolicy',
    resource: bucketArn('nomadxyz-staging-proofs'),
    want: 'Allowed',
  },

  // staging apply: attacks on the permissions boundary (issue 24 item 8)
  {
    what: 'ATTACK creates a user without a permissions boundary',
    principal: stagingApply,
    action: 'iam:CreateUser',
    resource: user('nomad-signer-staging'),
    context: tagRequest('staging'),
    want: 'ExplicitlyDenied',
  },
  ...['production-boundary', 'staging-relayer-signer'].map((boundary): Row => ({
    what: `ATTACK creates a user with another boundary (${boundary})`,
    principal: stagingApply,
    action: 'iam:CreateUser',
    resource: user('nomad-signer-staging'),
    context: { ...tagRequest('staging'), ...withBoundary(boundary) },
    want: 'ExplicitlyDenied',
  })),
  {
    what: 'ATTACK creates a role, even with the boundary',
    principal: stagingApply,
    action: 'iam:CreateRole',
    resource: `arn:aws:iam::${ACCOUNT}:role/nomad-ops-staging-evil`,
    context: { ...tagRequest('staging'), ...withBoundary('staging-boundary') },
    want: 'Denied',
  },
  {
    what: "ATTACK replaces its signer user's boundary with one of its policies",
    principal: stagingApply,
    action: 'iam:PutUserPermissionsBoundary',
    resource: user('nomad-signer-staging'),
    context: { ...iamTags('staging'), ...withBoundary('staging-relayer-signer') },
    want: 'ExplicitlyDenied',
  },
  {
    what: "ATTACK removes its signer user's boundary",
    principal: stagingApply,
    action: 'iam:DeleteUserPermissionsBoundary',
    resource: user('nomad-signer-staging'),
    context: iamTags('staging'),
    want: 'ExplicitlyDenied',
  },
  {
    what: "ATTACK removes the Keymaster role's boundary",
    principal: stagingApply,
    action: 'iam:DeleteRolePermissionsBoundary',
    resource: `arn:aws:iam::${ACCOUNT}:role/nomad-ops-staging-keymaster`,
    want: 'ExplicitlyDenied',
  },
  {
    what: "ATTACK puts another boundary on an operator's role",
    principal: stagingApply,
    action: 'iam:PutRolePermissionsBoundary',
    resource: `arn:aws:iam::${ACCOUNT}:role/nomad-ops-staging-operator-acme`,
    context: withBoundary('staging-relayer-signer'),
    want: 'ExplicitlyDenied',
  },
  {
    what: 'ATTACK rewrites the boundary itself',
    principal: stagingApply,
    action: 'iam:CreatePolicyVersion',
    resource: policy('staging-boundary'),
    context: iamTags('staging'),
    want: 'ExplicitlyDenied',
  },
  {
    what: 'ATTACK adds any user (one it could then grant its rewritten policies) to its group',
    principal: stagingApply,
    action: 'iam:AddUserToGroup',
    resource: group('staging-signer'),
    want: 'Denied',
  },

  // what a rewritten policy still cannot reach: the boundary caps every principal
  {
    what: 'signs with its own key',
    principal: stagingSignerRewritten,
    action: 'kms:Sign',
    ...onKey(stagingRelayerKey),
    want: 'Allowed',
  },
  ...[productionBank, productionRelayerKey, stagingKeyWithProductionBankAlias, stagingBank].map(
    (k): Row => ({
      what: `ATTACK signs with ${[k.context['kms:ResourceAliases']].flat().join(' + ')}`,
      principal: stagingSignerRewritten,
      action: 'kms:Sign',
      ...onKey(k),
      want: 'Denied',
    }),
  ),
  {
    what: "ATTACK writes production's proofs",
    principal: stagingSignerRewritten,
    action: 's3:PutObject',
    resource: `${bucketArn('nomadxyz-production-proofs')}/ethereum_1`,
    want: 'Denied',
  },
  {
    what: 'ATTACK reconfigures its own bucket',
    principal: stagingSignerRewritten,
    action: 's3:PutBucketPolicy',
    resource: bucketArn('nomadxyz-staging-proofs'),
    want: 'Denied',
  },
  {
    what: 'ATTACK creates an IAM user',
    principal: stagingSignerRewritten,
    action: 'iam:CreateUser',
    resource: user('evil'),
    want: 'Denied',
  },
  {
    what: 'signs with the staging bank',
    principal: stagingKeymaster,
    action: 'kms:Sign',
    ...onKey(stagingBank),
    want: 'Allowed',
  },
  {
    what: 'ATTACK signs with the production bank',
    principal: stagingKeymasterRewritten,
    action: 'kms:Sign',
    ...onKey(productionBank),
    want: 'Denied',
  },
  {
    what: 'writes the Keymaster state of its environment',
    principal: stagingKeymasterRewritten,
    action: 's3:PutObject',
    resource: `${bucketArn('nomadxyz-staging-keymaster-state')}/lease`,
    want: 'Allowed',
  },
  {
    what: "ATTACK writes production's Keymaster state",
    principal: stagingKeymasterRewritten,
    action: 's3:PutObject',
    resource: `${bucketArn('nomadxyz-production-keymaster-state')}/lease`,
    want: 'Denied',
  },
  {
    what: 'ATTACK signs with a production agent key',
    principal: acmeRewritten,
    action: 'kms:Sign',
    ...onKey(productionRelayerKey),
    want: 'Denied',
  },

  // operator uploads: only its processors' homes (objects `{home}_{leafIndex}`, issue 24 item 10)
  {
    what: 'writes a proof of kovan, whose processor it runs',
    principal: acme,
    action: 's3:PutObject',
    resource: `${bucketArn(stagingFile.proofsBucket.name)}/kovan_1`,
    want: 'Allowed',
  },
  {
    what: "ATTACK overwrites a proof of goerli, another operator's home",
    principal: acme,
    action: 's3:PutObject',
    resource: `${bucketArn(stagingFile.proofsBucket.name)}/goerli_1`,
    want: 'Denied',
  },

  // staging apply: attacks on the account-wide resources and on production
  {
    what: 'ATTACK rewrites the account-wide kms-admin policy',
    principal: stagingApply,
    action: 'iam:CreatePolicyVersion',
    resource: policy('kms-admin'),
    context: iamTags('shared'),
    want: 'Denied',
  },
  {
    what: 'ATTACK adds a user to the kms-admin group',
    principal: stagingApply,
    action: 'iam:AddUserToGroup',
    resource: group('kms-admin'),
    want: 'Denied',
  },
  {
    what: 'ATTACK tags the kms-admin user',
    principal: stagingApply,
    action: 'iam:TagUser',
    resource: user('kms-admin'),
    context: { ...iamTags('shared'), ...tagRequest('staging') },
    want: 'Denied',
  },
  {
    what: "ATTACK rewrites production's signer policy",
    principal: stagingApply,
    action: 'iam:CreatePolicyVersion',
    resource: policy('production-relayer-signer'),
    context: iamTags('production'),
    want: 'Denied',
  },
  {
    what: "ATTACK adds a user to production's signer group",
    principal: stagingApply,
    action: 'iam:AddUserToGroup',
    resource: group('production-signer'),
    want: 'Denied',
  },
  {
    what: 'ATTACK attaches AdministratorAccess to its own group',
    principal: stagingApply,
    action: 'iam:AttachGroupPolicy',
    resource: group('staging-signer'),
    context: { 'iam:PolicyARN': 'arn:aws:iam::aws:policy/AdministratorAccess' },
    want: 'Denied',
  },
  {
    what: 'ATTACK names an alias in the production namespace',
    principal: stagingApply,
    action: 'kms:CreateAlias',
    resource: aliasArn('alias/production-ethereum-relayer-signer'),
    want: 'Denied',
  },
  {
    what: 'ATTACK puts a second (signer-looking) alias on its own bank',
    principal: stagingApply,
    action: 'kms:CreateAlias',
    ...onKey(stagingBank),
    want: 'ExplicitlyDenied',
  },
  {
    what: 'ATTACK puts a second alias on a bank that predates the toolkit key policy',
    principal: stagingApply,
    action: 'kms:CreateAlias',
    ...onKey({ ...stagingBank, policy: foreignKey.policy }),
    want: 'ExplicitlyDenied',
  },
  {
    what: "ATTACK puts an alias on production's bank",
    principal: stagingApply,
    action: 'kms:CreateAlias',
    ...onKey(productionBank),
    want: 'ExplicitlyDenied',
  },
  {
    what: "ATTACK aliases production's fresh key",
    principal: stagingApply,
    action: 'kms:CreateAlias',
    ...onKey(freshProductionKey),
    want: 'Denied',
  },
  {
    what: 'ATTACK aliases a key the toolkit does not own',
    principal: stagingApply,
    action: 'kms:CreateAlias',
    ...onKey(foreignKey),
    want: 'Denied',
  },
  {
    what: "ATTACK retags production's bank as staging's",
    principal: stagingApply,
    action: 'kms:TagResource',
    resource: productionBank.arn,
    context: { ...productionBank.context, ...tagRequest('staging') },
    resourcePolicy: productionBank.policy,
    want: 'Denied',
  },
  {
    what: "ATTACK writes the alias record on production's bank",
    principal: stagingApply,
    action: 'kms:TagResource',
    resource: productionBank.arn,
    context: {
      ...productionBank.context,
      ...tagRequest('staging'),
      'aws:TagKeys': ['managed-by', 'nomad:environment', 'nomad:aliased'],
    },
    resourcePolicy: productionBank.policy,
    want: 'Denied',
  },
  {
    what: 'ATTACK tags its key as production',
    principal: stagingApply,
    action: 'kms:TagResource',
    resource: freshStagingKey.arn,
    context: { ...freshStagingKey.context, ...tagRequest('production') },
    resourcePolicy: freshStagingKey.policy,
    want: 'Denied',
  },
  {
    what: 'ATTACK creates a key tagged for production',
    principal: stagingApply,
    action: 'kms:CreateKey',
    resource: '*',
    context: createKeyContext('production'),
    want: 'Denied',
  },
  {
    what: 'ATTACK creates a key that is not secp256k1 signing',
    principal: stagingApply,
    action: 'kms:CreateKey',
    resource: '*',
    context: createKeyContext('staging', { 'kms:KeySpec': 'SYMMETRIC_DEFAULT' }),
    want: 'Denied',
  },
  {
    what: 'ATTACK creates a key with a tag of its own choosing',
    principal: stagingApply,
    action: 'kms:CreateKey',
    resource: '*',
    context: createKeyContext('staging', {
      'aws:TagKeys': ['managed-by', 'nomad:environment', 'owner'],
    }),
    want: 'Denied',
  },
  {
    what: "ATTACK (cross-environment prune) detaches production's policies",
    principal: stagingApply,
    action: 'iam:DetachGroupPolicy',
    resource: group('production-signer'),
    context: { 'iam:PolicyARN': policy('production-relayer-signer') },
    want: 'Denied',
  },
  {
    what: "ATTACK (cross-environment prune) deletes production's user",
    principal: stagingApply,
    action: 'iam:DeleteUser',
    resource: user('nomad-signer-production'),
    want: 'Denied',
  },
  {
    what: "ATTACK (cross-environment prune) deletes production's group",
    principal: stagingApply,
    action: 'iam:DeleteGroup',
    resource: group('production-signer'),
    want: 'Denied',
  },
  {
    what: "ATTACK re-tags production's bucket",
    principal: stagingApply,
    action: 's3:PutBucketTagging',
    resource: bucketArn('nomadxyz-production-proofs'),
    want: 'Denied',
  },
  {
    what: 'ATTACK widens its own role',
    principal: stagingApply,
    action: 'iam:AttachRolePolicy',
    resource: `arn:aws:iam::${ACCOUNT}:role/nomad-ops-staging-apply`,
    context: { 'iam:PolicyARN': 'arn:aws:iam::aws:policy/AdministratorAccess' },
    want: 'Denied',
  },
  {
    what: 'ATTACK creates an access key for the signer user',
    principal: stagingApply,
    action: 'iam:CreateAccessKey',
    resource: user('nomad-signer-staging'),
    want: 'Denied',
  },
  {
    what: 'ATTACK creates a user under the production name',
    principal: stagingApply,
    action: 'iam:CreateUser',
    resource: user('nomad-signer-production'),
    context: tagRequest('staging'),
    want: 'Denied',
  },

  // development apply: no KMS at all, no kms-admin
  {
    what: 'ATTACK development creates a KMS key',
    principal: developmentApply,
    action: 'kms:CreateKey',
    resource: '*',
    context: createKeyContext('development'),
    want: 'Denied',
  },
  {
    what: 'ATTACK development rewrites kms-admin',
    principal: developmentApply,
    action: 'iam:CreatePolicyVersion',
    resource: policy('kms-admin'),
    context: iamTags('shared'),
    want: 'Denied',
  },

  // production apply: its own, and the account-wide kms-admin
  {
    // kms-admin carries no environment's boundary: its policy is the administrator's alone.
    what: 'ATTACK rewrites the account-wide kms-admin policy',
    principal: productionApply,
    action: 'iam:CreatePolicyVersion',
    resource: policy('kms-admin'),
    context: iamTags('shared'),
    want: 'Denied',
  },
  {
    what: 'ATTACK adds a user to the kms-admin group',
    principal: productionApply,
    action: 'iam:AddUserToGroup',
    resource: group('kms-admin'),
    want: 'Denied',
  },
  {
    what: 'aliases a fresh production key',
    principal: productionApply,
    action: 'kms:CreateAlias',
    ...onKey(freshProductionKey),
    want: 'Allowed',
  },
  {
    what: "ATTACK rewrites staging's signer policy",
    principal: productionApply,
    action: 'iam:CreatePolicyVersion',
    resource: policy('staging-relayer-signer'),
    context: iamTags('staging'),
    want: 'Denied',
  },
  {
    what: "ATTACK aliases staging's fresh key",
    principal: productionApply,
    action: 'kms:CreateAlias',
    ...onKey(freshStagingKey),
    want: 'Denied',
  },
  {
    what: 'ATTACK puts a second alias on its own bank',
    principal: productionApply,
    action: 'kms:CreateAlias',
    ...onKey(productionBank),
    want: 'ExplicitlyDenied',
  },

  // plan role: reads what a plan reads
  {
    what: 'reads a user',
    principal: stagingPlan,
    action: 'iam:GetUser',
    resource: user('nomad-signer-staging'),
    want: 'Allowed',
  },
  {
    what: "lists a group's inline policy names",
    principal: stagingPlan,
    action: 'iam:ListGroupPolicies',
    resource: group('staging-signer'),
    want: 'Allowed',
  },
  {
    what: "reads a key's policy and grants",
    principal: stagingPlan,
    action: 'kms:GetKeyPolicy',
    resource: stagingRelayerKey.arn,
    context: stagingRelayerKey.context,
    resourcePolicy: stagingRelayerKey.policy,
    want: 'Allowed',
  },
  {
    what: 'ATTACK reads the whole account (GetAccountAuthorizationDetails)',
    principal: stagingPlan,
    action: 'iam:GetAccountAuthorizationDetails',
    resource: '*',
    want: 'Denied',
  },
  {
    what: 'ATTACK reads the credential report',
    principal: stagingPlan,
    action: 'iam:GetCredentialReport',
    resource: '*',
    want: 'Denied',
  },
  {
    what: "ATTACK reads an inline policy's document",
    principal: stagingPlan,
    action: 'iam:GetUserPolicy',
    resource: user('admin'),
    want: 'Denied',
  },
  {
    what: 'ATTACK signs',
    principal: stagingPlan,
    action: 'kms:Sign',
    resource: stagingRelayerKey.arn,
    context: stagingRelayerKey.context,
    resourcePolicy: stagingRelayerKey.policy,
    want: 'Denied',
  },

  // kms-admin: administers the toolkit's keys, never uses them, never widens a signer
  {
    what: 'creates a key of the toolkit shape and tags',
    principal: kmsAdmin,
    action: 'kms:CreateKey',
    resource: '*',
    context: createKeyContext('staging'),
    want: 'Allowed',
  },
  {
    // KMS sends no kms:ResourceAliases for a key without an alias.
    what: 'retires a toolkit key no alias points at',
    principal: kmsAdmin,
    action: 'kms:ScheduleKeyDeletion',
    resource: freshStagingKey.arn,
    context: toolkitTags('staging', 'alias/staging-kovan-relayer-signer'),
    resourcePolicy: freshStagingKey.policy,
    want: 'Allowed',
  },
  {
    what: 'enables a toolkit key',
    principal: kmsAdmin,
    action: 'kms:EnableKey',
    ...onKey(stagingRelayerKey),
    want: 'Allowed',
  },
  ...['kms:DisableKey', 'kms:ScheduleKeyDeletion'].flatMap((action) =>
    [productionBank, stagingRelayerKey].map((k): Row => ({
      what: `ATTACK ${action} on ${[k.context['kms:ResourceAliases']].flat().join('')}, a key in use`,
      principal: kmsAdmin,
      action,
      ...onKey(k),
      want: 'Denied',
    })),
  ),
  {
    // It could create a toolkit-tagged key whose key policy lets it sign, then point an alias
    // not yet created at it: kms-admin aliases nothing, the apply roles do after the trust check.
    what: 'ATTACK aliases a fresh toolkit key',
    principal: kmsAdmin,
    action: 'kms:CreateAlias',
    ...onKey(freshProductionKey),
    want: 'Denied',
  },
  {
    what: 'ATTACK names a production alias not yet created',
    principal: kmsAdmin,
    action: 'kms:CreateAlias',
    resource: aliasArn('alias/production-avalanche-relayer-signer'),
    want: 'Denied',
  },
  {
    what: 'ATTACK creates a key without the toolkit tags',
    principal: kmsAdmin,
    action: 'kms:CreateKey',
    resource: '*',
    context: createKeyContext('someone'),
    want: 'Denied',
  },
  {
    what: 'ATTACK puts an alias on the production bank',
    principal: kmsAdmin,
    action: 'kms:CreateAlias',
    ...onKey(productionBank),
    want: 'ExplicitlyDenied',
  },
  {
    what: 'ATTACK names an alias outside the toolkit namespace',
    principal: kmsAdmin,
    action: 'kms:CreateAlias',
    resource: aliasArn('alias/anything'),
    want: 'Denied',
  },
  {
    what: 'ATTACK disables a key the toolkit does not own',
    principal: kmsAdmin,
    action: 'kms:DisableKey',
    ...onKey(foreignKey),
    want: 'Denied',
  },
  ...['kms:Sign', 'kms:PutKeyPolicy', 'kms:CreateGrant', 'kms:UpdateAlias'].map((action): Row => ({
    what: `ATTACK gives itself use of the bank (${action})`,
    principal: kmsAdmin,
    action,
    ...onKey(productionBank),
    want: 'Denied',
  })),

  // the key policy: what no IAM policy can undo
  {
    what: 'KEY POLICY: even an administrator puts no second alias on the bank',
    principal: administrator,
    action: 'kms:CreateAlias',
    ...onKey(productionBank),
    want: 'ExplicitlyDenied',
  },
  {
    what: 'KEY POLICY: even an administrator moves no alias onto or off the bank',
    principal: administrator,
    action: 'kms:UpdateAlias',
    ...onKey(productionBank),
    want: 'ExplicitlyDenied',
  },
  {
    what: "KEY POLICY: even an administrator deletes no bank's alias",
    principal: administrator,
    action: 'kms:DeleteAlias',
    ...onKey(productionBank),
    want: 'ExplicitlyDenied',
  },
  {
    what: 'KEY POLICY: no second alias on an agent key',
    principal: administrator,
    action: 'kms:CreateAlias',
    ...onKey(stagingRelayerKey),
    want: 'ExplicitlyDenied',
  },
  {
    what: 'KEY POLICY: the first alias of a fresh key is allowed',
    principal: administrator,
    action: 'kms:CreateAlias',
    ...onKey(freshStagingKey),
    want: 'Allowed',
  },
];

/** IAM's `aws:PrincipalArn`: a role session's is its role's ARN. */
const principalArnOf = (arn: string) =>
  arn.replace(/^arn:aws:sts::(\d+):assumed-role\/([^/]+)\/.*$/, 'arn:aws:iam::$1:role/$2');

describe('permission matrix (all environments in one account and region)', () => {
  it.each(rows.map((r) => [`${r.principal.name}: ${r.what}`, r] as const))(
    '%s',
    async (_name, row) => {
      const verdict: Verdict = await simulate({
        principal: row.principal.arn,
        action: row.action,
        resource: row.resource,
        accountId: ACCOUNT,
        context: { 'aws:PrincipalArn': principalArnOf(row.principal.arn), ...row.context },
        identity: row.principal.identity,
        ...(row.principal.boundary ? { boundary: row.principal.boundary } : {}),
        ...(row.resourcePolicy ? { resourcePolicy: row.resourcePolicy } : {}),
      });
      if (row.want === 'Denied') expect(verdict).not.toBe('Allowed');
      else expect(verdict).toBe(row.want);
    },
  );

  it('holds attacks and legitimate actions for every principal', () => {
    const attacks = rows.filter((r) => r.what.startsWith('ATTACK'));
    expect(attacks.length).toBeGreaterThan(25);
    expect(attacks.every((r) => r.want !== 'Allowed')).toBe(true);
    for (const p of [stagingApply, productionApply, kmsAdmin, stagingPlan]) {
      expect(rows.some((r) => r.principal === p && r.want === 'Allowed')).toBe(true);
    }
  });
});
