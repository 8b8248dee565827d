/**
 * Proves the rendered policies by IAM policy simulation (@cloud-copilot/iam-simulate, AGPL,
 * tests only). moto does not enforce IAM, so this is where "the signer policy reaches exactly
 * its role's keys" is shown, for every alias of every environment.
 */
import {
  anonymousPrincipal,
  isWildcardOnlyAction,
  runSimulation,
  runUnsafeSimulation,
} from '@cloud-copilot/iam-simulate';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ResolvedEnvironment } from '../../src/config/model.js';
import { bucketFor } from '../../src/inventory/bucket.js';
import { groupArn } from '../../src/inventory/names.js';
import { iamFor, roleDocuments } from '../../src/inventory/iam.js';
import { keysFor } from '../../src/inventory/keys.js';
import { matchesStringLike } from '../../src/inventory/patterns.js';
import {
  type KeySpec,
  type ManagedPolicySpec,
  type PolicyDocument,
} from '../../src/inventory/types.js';
import { allFixtures, development, production, staging } from './fixtures.js';
import { simulate, type Verdict } from './simulate.js';

const all = allFixtures();
const kmsEnvs = all.filter((e) => e.keyStore === 'kms');
/** Every alias the scheme creates, in all three environments. */
const universe: KeySpec[] = all.flatMap((env) => keysFor(env));

const userOf = (env: ResolvedEnvironment) =>
  `arn:aws:iam::${env.aws.accountId}:user/${env.iam.signerUser}`;
/** A deterministic key id per alias, placed in the account under test. */
const keyArnIn = (env: ResolvedEnvironment, alias: string) => {
  const h = createHash('sha256').update(alias).digest('hex');
  const id = `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
  return `arn:aws:kms:${env.aws.region}:${env.aws.accountId}:key/${id}`;
};
/** KMS's default key policy: the account delegates to IAM (what CreateKey without a policy sets). */
const defaultKeyPolicy = (env: ResolvedEnvironment): PolicyDocument => ({
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'Enable IAM User Permissions',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${env.aws.accountId}:root` },
      Action: 'kms:*',
      Resource: '*',
    },
  ],
});
const policyNamed = (env: ResolvedEnvironment, name: string): ManagedPolicySpec => {
  const policy = iamFor(env).policies.find((p) => p.name === name);
  if (!policy) throw new Error(`no policy ${name} in ${env.name}`);
  return policy;
};
/** Sign or GetPublicKey on a key that carries `alias`, as a user holding `policy`. */
const useKey = (env: ResolvedEnvironment, policy: PolicyDocument, action: string, alias: string) =>
  simulate({
    principal: userOf(env),
    action,
    resource: keyArnIn(env, alias),
    accountId: env.aws.accountId,
    context: { 'kms:ResourceAliases': [alias] },
    identity: [policy],
    resourcePolicy: defaultKeyPolicy(env),
  });

describe('signer policies ({env}-{role}-signer), over every alias of every environment', () => {
  const cases = kmsEnvs.flatMap((env) =>
    iamFor(env)
      .policies.filter((p) => /-signer$/.test(p.name))
      .map((policy) => ({ env, policy, role: policy.name.slice(env.name.length + 1, -7) })),
  );

  it('cover every agent role with keys in staging and production', () => {
    expect(cases.map((c) => c.policy.name).sort()).toEqual(
      kmsEnvs
        .flatMap((env) =>
          [...new Set(keysFor(env).flatMap((k) => (k.role ? [k.role] : [])))].map(
            (r) => `${env.name}-${r}-signer`,
          ),
        )
        .sort(),
    );
  });

  it.each(cases.map((c) => [c.policy.name, c] as const))(
    '%s signs with exactly its role keys of its environment',
    async (_name, { env, policy, role }) => {
      const wrong: string[] = [];
      for (const key of universe) {
        const expected: Verdict =
          key.environment === env.name && key.role === role ? 'Allowed' : 'ImplicitlyDenied';
        for (const action of ['kms:Sign', 'kms:GetPublicKey']) {
          const verdict = await useKey(env, policy.document, action, key.alias);
          if (verdict !== expected)
            wrong.push(`${action} ${key.alias}: ${verdict}, want ${expected}`);
        }
      }
      expect(wrong).toEqual([]);
    },
  );

  it('never allow key creation, deletion or key-policy changes', async () => {
    for (const { env, policy, role } of cases) {
      const own = universe.find((k) => k.environment === env.name && k.role === role)!;
      const asSigner = (action: string, resource: string) =>
        simulate({
          principal: userOf(env),
          action,
          resource,
          accountId: env.aws.accountId,
          context: action === 'kms:CreateKey' ? {} : { 'kms:ResourceAliases': [own.alias] },
          identity: [policy.document],
          ...(action === 'kms:CreateKey' ? {} : { resourcePolicy: defaultKeyPolicy(env) }),
        });
      expect(await asSigner('kms:CreateKey', '*')).not.toBe('Allowed');
      expect(await asSigner('kms:ScheduleKeyDeletion', keyArnIn(env, own.alias))).not.toBe(
        'Allowed',
      );
      expect(await asSigner('kms:PutKeyPolicy', keyArnIn(env, own.alias))).not.toBe('Allowed');
    }
  });

  it("Nomad's documented pattern alias/staging-processor* would let the processor sign with nothing", async () => {
    const env = staging();
    const nomadDoc = structuredClone(policyNamed(env, 'staging-processor-signer').document);
    nomadDoc.Statement[0]!.Condition = {
      'ForAnyValue:StringLike': { 'kms:ResourceAliases': 'alias/staging-processor*' },
    };
    const processorAliases = universe.filter(
      (k) => k.environment === 'staging' && k.role === 'processor',
    );
    expect(processorAliases).toHaveLength(env.networks.length);
    for (const key of processorAliases) {
      expect(await useKey(env, nomadDoc, 'kms:Sign', key.alias)).toBe('ImplicitlyDenied');
      expect(
        await useKey(
          env,
          policyNamed(env, 'staging-processor-signer').document,
          'kms:Sign',
          key.alias,
        ),
      ).toBe('Allowed');
    }
  });
});

describe('kms-admin', () => {
  it.each(kmsEnvs.map((e) => [e.name, e] as const))(
    '%s: administers keys but cannot use or re-permission them',
    async (_name, env) => {
      const admin = policyNamed(env, 'kms-admin').document;
      const alias = `alias/${env.name}-bank`;
      const asAdmin = (action: string, resource = keyArnIn(env, alias)) =>
        simulate({
          principal: `arn:aws:iam::${env.aws.accountId}:user/kms-admin`,
          action,
          resource,
          accountId: env.aws.accountId,
          identity: [admin],
          ...(resource === '*'
            ? {}
            : {
                resourcePolicy: defaultKeyPolicy(env),
                context: { 'aws:ResourceTag/managed-by': 'nomad-agent-ops' },
              }),
        });
      expect(await asAdmin('kms:ListAliases', '*')).toBe('Allowed');
      // Creating and tagging keys, only with the toolkit's tags: see permission-matrix.test.ts.
      for (const action of [
        'kms:DescribeKey',
        'kms:GetPublicKey',
        'kms:DisableKey',
        'kms:ScheduleKeyDeletion',
        'kms:CancelKeyDeletion',
      ]) {
        expect(await asAdmin(action)).toBe('Allowed');
      }
      for (const action of ['kms:Sign', 'kms:Decrypt', 'kms:PutKeyPolicy', 'kms:CreateGrant']) {
        expect(await asAdmin(action)).toBe('ImplicitlyDenied');
      }
      const foreignKey = keyArnIn(
        { ...env, aws: { ...env.aws, accountId: '999999999999' } },
        alias,
      );
      expect(await asAdmin('kms:ScheduleKeyDeletion', foreignKey)).not.toBe('Allowed');
    },
  );
});

describe('keymaster policy ({env}-keymaster)', () => {
  it.each(kmsEnvs.map((e) => [e.name, e] as const))(
    '%s: signs with the bank only, reads public keys of its own environment only',
    async (_name, env) => {
      const keymaster = policyNamed(env, `${env.name}-keymaster`).document;
      const wrong: string[] = [];
      for (const key of universe) {
        const sign = await useKey(env, keymaster, 'kms:Sign', key.alias);
        const wantSign = key.alias === `alias/${env.name}-bank` ? 'Allowed' : 'ImplicitlyDenied';
        if (sign !== wantSign) wrong.push(`Sign ${key.alias}: ${sign}`);
        const read = await useKey(env, keymaster, 'kms:GetPublicKey', key.alias);
        const wantRead = key.environment === env.name ? 'Allowed' : 'ImplicitlyDenied';
        if (read !== wantRead) wrong.push(`GetPublicKey ${key.alias}: ${read}`);
      }
      expect(wrong).toEqual([]);
    },
  );
});

describe('development secrets', () => {
  const env = development();
  const iam = iamFor(env);
  const secretArn = (name: string) =>
    `arn:aws:secretsmanager:${env.aws.region}:${env.aws.accountId}:secret:${name}-Xy12Zw`;
  const devKeys = keysFor(env);
  const read = (policy: PolicyDocument, action: string, name: string) =>
    simulate({
      principal: userOf(env),
      action,
      resource: secretArn(name),
      accountId: env.aws.accountId,
      identity: [policy],
    });

  it('each signer policy reads exactly its own role key secrets', async () => {
    const wrong: string[] = [];
    for (const policy of iam.policies.filter((p) => /-signer$/.test(p.name))) {
      const role = policy.name.slice('development-'.length, -'-signer'.length);
      for (const key of devKeys) {
        const want = key.role === role ? 'Allowed' : 'ImplicitlyDenied';
        const got = await read(policy.document, 'secretsmanager:GetSecretValue', key.secretName!);
        if (got !== want) wrong.push(`${policy.name} ${key.secretName}: ${got}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('the Keymaster reads the bank secret value only, and only metadata of the others', async () => {
    const keymaster = policyNamed(env, 'development-keymaster').document;
    for (const key of devKeys) {
      const value = await read(keymaster, 'secretsmanager:GetSecretValue', key.secretName!);
      expect([key.secretName, value]).toEqual([
        key.secretName,
        key.purpose === 'bank' ? 'Allowed' : 'ImplicitlyDenied',
      ]);
      expect(await read(keymaster, 'secretsmanager:DescribeSecret', key.secretName!)).toBe(
        'Allowed',
      );
    }
    expect(await read(keymaster, 'secretsmanager:GetSecretValue', 'nomad/staging/bank/key')).toBe(
      'ImplicitlyDenied',
    );
  });
});

describe('proofs bucket', () => {
  const env = staging();
  const bucket = bucketFor(env);
  const object = `${bucket.arn}/kovan_42`;
  const anonymous = (action: string, resource: string, blockPublicAccess = false) =>
    runSimulation(
      {
        request: {
          principal: anonymousPrincipal,
          action,
          resource: { resource, accountId: env.aws.accountId },
          contextVariables: {},
        },
        identityPolicies: [],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy: bucket.policy,
        additionalSettings: { s3: { blockPublicAccess } },
      },
      {},
    ).then((r) => (r.resultType === 'error' ? JSON.stringify(r.errors) : r.overallResult));

  it('lets anyone GET a proof and nothing else', async () => {
    expect(await anonymous('s3:GetObject', object)).toBe('Allowed');
    expect(await anonymous('s3:PutObject', object)).toBe('ImplicitlyDenied');
    expect(await anonymous('s3:DeleteObject', object)).toBe('ImplicitlyDenied');
    expect(await anonymous('s3:ListBucket', bucket.arn)).toBe('ImplicitlyDenied');
  });

  it('needs RestrictPublicBuckets off, which is why the inventory turns it off', async () => {
    expect(bucket.publicAccessBlock.RestrictPublicBuckets).toBe(false);
    expect(await anonymous('s3:GetObject', object, true)).not.toBe('Allowed');
  });

  it('the uploader writes and lists its own bucket only', async () => {
    const uploader = policyNamed(env, 'staging-proofs-uploader').document;
    const asProcessor = (action: string, resource: string) =>
      simulate({
        principal: userOf(env),
        action,
        resource,
        accountId: env.aws.accountId,
        identity: [uploader],
        resourcePolicy: bucket.policy,
      });
    expect(await asProcessor('s3:PutObject', object)).toBe('Allowed');
    expect(await asProcessor('s3:GetObject', object)).toBe('Allowed');
    expect(await asProcessor('s3:ListBucket', bucket.arn)).toBe('Allowed');
    expect(await asProcessor('s3:DeleteObject', object)).toBe('ImplicitlyDenied');
    expect(await asProcessor('s3:PutBucketPolicy', bucket.arn)).toBe('ImplicitlyDenied');
    const other = bucketFor(production());
    expect(
      await simulate({
        principal: userOf(env),
        action: 's3:PutObject',
        resource: `${other.arn}/ethereum_1`,
        accountId: env.aws.accountId,
        identity: [uploader],
      }),
    ).toBe('ImplicitlyDenied');
  });
});

describe('GitHub OIDC trust', () => {
  const env = production();
  env.github = { repository: 'o/r' };
  const iam = iamFor(env);
  const roleOf = (kind: string) => iam.github!.roles.find((r) => r.kind === kind)!;
  const provider = iam.github!.provider.arn;
  // The validating runSimulation drops `…:sub`/`…:aud` (its action data lists only newer GitHub
  // keys for AssumeRoleWithWebIdentity), so trust goes through runUnsafeSimulation. Its resource
  // policy must be passed pre-validated: it reads a name from the policy metadata.
  const assume = (kind: string, sub: string, aud = 'sts.amazonaws.com', principal = provider) =>
    runUnsafeSimulation(
      {
        request: {
          principal,
          action: 'sts:AssumeRoleWithWebIdentity',
          resource: { resource: roleOf(kind).arn, accountId: env.aws.accountId },
          contextVariables: {
            'token.actions.githubusercontent.com:sub': sub,
            'token.actions.githubusercontent.com:aud': aud,
          },
        },
        identityPolicies: [],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy: {
          __validated: true,
          policyDocument: roleOf(kind).trustPolicy,
          metadata: { name: roleOf(kind).name },
          errors: [],
        },
      },
      {},
    );

  it('apply: only jobs of the production GitHub environment of this repository', () => {
    expect(assume('apply', 'repo:o/r:environment:production')).toBe('Allowed');
    for (const sub of [
      'repo:o/r:pull_request',
      'repo:o/r:ref:refs/heads/main',
      'repo:o/r:environment:staging',
      'repo:o/r:environment:production-keymaster',
      'repo:fork/r:environment:production',
    ]) {
      expect([sub, assume('apply', sub)]).toEqual([sub, 'ImplicitlyDenied']);
    }
    expect(assume('apply', 'repo:o/r:environment:production', 'https://example.com')).toBe(
      'ImplicitlyDenied',
    );
    expect(
      assume(
        'apply',
        'repo:o/r:environment:production',
        'sts.amazonaws.com',
        'arn:aws:iam::345678901234:oidc-provider/token.example.com',
      ),
    ).toBe('ImplicitlyDenied');
  });

  it('plan: pull requests only; keymaster: its own GitHub environment only', () => {
    expect(assume('plan', 'repo:o/r:pull_request')).toBe('Allowed');
    expect(assume('plan', 'repo:o/r:environment:production')).toBe('ImplicitlyDenied');
    expect(assume('keymaster', 'repo:o/r:environment:production-keymaster')).toBe('Allowed');
    expect(assume('keymaster', 'repo:o/r:environment:production')).toBe('ImplicitlyDenied');
    expect(assume('keymaster', 'repo:o/r:ref:refs/heads/main')).toBe('ImplicitlyDenied');
  });
});

describe('apply role permissions', () => {
  const env = production();
  const iam = iamFor(env);
  const apply = roleDocuments(iam, 'nomad-ops-production-apply');
  const account = env.aws.accountId;
  const asApply = (
    action: string,
    resource: string,
    context: Record<string, string | string[]> = {},
  ) =>
    simulate({
      principal: `arn:aws:sts::${account}:assumed-role/nomad-ops-production-apply/gha`,
      action,
      resource,
      accountId: account,
      context,
      identity: apply,
      // Keys authorise against their key policy too: the default one delegates to IAM.
      ...(resource.startsWith('arn:aws:kms:') ? { resourcePolicy: defaultKeyPolicy(env) } : {}),
    });

  it('creates keys only when tagged managed-by=nomad-agent-ops for its environment', async () => {
    const request = (managedBy: string) => ({
      'aws:RequestTag/managed-by': managedBy,
      'aws:RequestTag/nomad:environment': 'production',
      'aws:TagKeys': ['managed-by', 'nomad:environment'],
      'kms:KeySpec': 'ECC_SECG_P256K1',
      'kms:KeyUsage': 'SIGN_VERIFY',
      'kms:KeyOrigin': 'AWS_KMS',
      'kms:MultiRegion': 'false',
      'kms:BypassPolicyLockoutSafetyCheck': 'false',
    });
    expect(await asApply('kms:CreateKey', '*', request('nomad-agent-ops'))).toBe('Allowed');
    expect(await asApply('kms:CreateKey', '*', request('someone'))).toBe('ImplicitlyDenied');
  });

  it('attaches its own policies to its groups, never a foreign policy, never touches roles', async () => {
    // The toolkit's groups live under its path: that is the ARN real IAM authorises against.
    const group = groupArn(account, 'production-signer');
    const own = iam.policies.find((p) => p.name === 'production-relayer-signer')!.arn;
    expect(await asApply('iam:AttachGroupPolicy', group, { 'iam:PolicyARN': own })).toBe('Allowed');
    expect(
      await asApply('iam:AttachGroupPolicy', group, {
        'iam:PolicyARN': 'arn:aws:iam::aws:policy/AdministratorAccess',
      }),
    ).toBe('ImplicitlyDenied');
    const role = `arn:aws:iam::${account}:role/nomad-ops-production-apply`;
    for (const action of [
      'iam:UpdateAssumeRolePolicy',
      'iam:AttachRolePolicy',
      'iam:PutRolePolicy',
    ]) {
      expect(await asApply(action, role)).toBe('ImplicitlyDenied');
    }
    const keymasterPolicy = iam.policies.find((p) => p.name === 'production-keymaster')!.arn;
    const ownTags = {
      'aws:ResourceTag/managed-by': 'nomad-agent-ops',
      'aws:ResourceTag/nomad:environment': 'production',
    };
    // Its name is in production's namespace: an explicit Deny keeps it the administrator's.
    expect(await asApply('iam:CreatePolicyVersion', keymasterPolicy, ownTags)).toBe(
      'ExplicitlyDenied',
    );
    expect(await asApply('iam:CreatePolicyVersion', own, ownTags)).toBe('Allowed');
    expect(
      await asApply('iam:CreateAccessKey', `arn:aws:iam::${account}:user/nomad-signer-production`),
    ).toBe('ImplicitlyDenied');
  });

  it('retires only the environment’s tagged keys that no alias points at', async () => {
    const key = keyArnIn(env, 'alias/production-bank');
    const ours = {
      'aws:ResourceTag/managed-by': 'nomad-agent-ops',
      'aws:ResourceTag/nomad:environment': 'production',
    };
    for (const action of ['kms:DisableKey', 'kms:ScheduleKeyDeletion']) {
      expect(await asApply(action, key, ours)).toBe('Allowed');
      // An alias points at it: in use, never retired.
      expect(
        await asApply(action, key, { ...ours, 'kms:ResourceAliases': ['alias/production-bank'] }),
      ).toBe('ImplicitlyDenied');
      // Not the toolkit's, or another environment's.
      expect(await asApply(action, key, { ...ours, 'aws:ResourceTag/managed-by': 'someone' })).toBe(
        'ImplicitlyDenied',
      );
      expect(
        await asApply(action, key, { ...ours, 'aws:ResourceTag/nomad:environment': 'staging' }),
      ).toBe('ImplicitlyDenied');
    }
  });

  it('can neither sign nor delete keys in use', async () => {
    const key = keyArnIn(env, 'alias/production-bank');
    for (const action of ['kms:Sign', 'kms:ScheduleKeyDeletion', 'kms:PutKeyPolicy']) {
      expect(await asApply(action, key, { 'kms:ResourceAliases': ['alias/production-bank'] })).toBe(
        'ImplicitlyDenied',
      );
    }
  });
});

describe('every action named in every rendered policy', () => {
  it('is a real IAM action (a typo would silently grant nothing)', async () => {
    const docs = all.flatMap((env) => [
      ...iamFor(env).policies.map((p) => p.document),
      ...(iamFor(env).github?.roles.map((r) => r.trustPolicy) ?? []),
      bucketFor(env).policy,
    ]);
    const actions = new Set(docs.flatMap((d) => d.Statement.flatMap((s) => [s.Action].flat())));
    // A wildcard must match at least one real action: each has a known probe here.
    const probes: Record<string, string> = {
      's3:GetBucket*': 's3:GetBucketPolicy',
    };
    const unknown: string[] = [];
    for (const action of actions) {
      const probe = action.includes('*') ? probes[action] : action;
      if (!probe || !matchesStringLike(action, probe)) {
        unknown.push(`${action} (no probe)`);
        continue;
      }
      const [service, name] = probe.split(':') as [string, string];
      await isWildcardOnlyAction(service, name).catch(() => unknown.push(action));
    }
    expect(unknown).toEqual([]);
    expect(actions.size).toBeGreaterThan(40);
  });
});
