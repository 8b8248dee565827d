/**
 * The record of the approved funding settings (tags on the bank) is written only by the apply
 * role and only read by the Keymaster, proven by IAM policy simulation on the rendered documents
 * (@cloud-copilot/iam-simulate; moto does not enforce IAM).
 */
import { runSimulation, runUnsafeSimulation } from '@cloud-copilot/iam-simulate';
import { describe, expect, it } from 'vitest';
import type { ResolvedEnvironment } from '../../src/config/model.js';
import { iamFor } from '../../src/inventory/iam.js';
import { keysFor } from '../../src/inventory/keys.js';
import { type PolicyDocument } from '../../src/inventory/types.js';
import { TAG_KEYS } from '../../src/inventory/tags.js';
import { development, production, staging } from './fixtures.js';

type Verdict = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

async function simulate(input: {
  env: ResolvedEnvironment;
  action: string;
  resource: string;
  policy: PolicyDocument;
  context?: Record<string, string | string[]>;
}): Promise<Verdict> {
  const { env } = input;
  const result = await runSimulation(
    {
      request: {
        principal: `arn:aws:sts::${env.aws.accountId}:assumed-role/someone/gha`,
        action: input.action,
        resource: { resource: input.resource, accountId: env.aws.accountId },
        contextVariables: input.context ?? {},
      },
      identityPolicies: [{ name: 'policy', policy: input.policy }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      // KMS's default key policy: the account delegates to IAM (what CreateKey without one sets).
      ...(input.resource.startsWith('arn:aws:kms:')
        ? {
            resourcePolicy: {
              Version: '2012-10-17',
              Statement: [
                {
                  Effect: 'Allow',
                  Principal: { AWS: `arn:aws:iam::${env.aws.accountId}:root` },
                  Action: 'kms:*',
                  Resource: '*',
                },
              ],
            },
          }
        : {}),
    },
    {},
  );
  if (result.resultType === 'error') throw new Error(JSON.stringify(result.errors));
  if (result.resultType === 'single' && (result.result.ignoredContextKeys ?? []).length > 0) {
    throw new Error(`ignored ${result.result.ignoredContextKeys?.join(', ')} for ${input.action}`);
  }
  return result.overallResult as Verdict;
}

const policyOf = (env: ResolvedEnvironment, name: string): PolicyDocument => {
  const policy = iamFor(env).policies.find((p) => p.name === name);
  if (!policy) throw new Error(`no policy ${name} in ${env.name}`);
  return policy.document;
};
const bankKey = (env: ResolvedEnvironment) =>
  `arn:aws:kms:${env.aws.region}:${env.aws.accountId}:key/11111111-2222-3333-4444-555555555555`;
const recordTags = {
  'aws:TagKeys': [TAG_KEYS.fundingSha256, TAG_KEYS.fundingCommit, TAG_KEYS.fundingRecordedAt],
};

describe('the funding record on the bank KMS key (staging, production)', () => {
  for (const env of [staging(), production()]) {
    const bank = `alias/${env.name}-bank`;
    const onBank = { 'kms:ResourceAliases': [bank] };
    const apply = policyOf(env, `nomad-ops-${env.name}-apply`);
    const keymaster = policyOf(env, `${env.name}-keymaster`);
    const plan = policyOf(env, `nomad-ops-${env.name}-plan`);
    const as = (
      policy: PolicyDocument,
      action: string,
      context: Record<string, string | string[]>,
    ) => simulate({ env, action, resource: bankKey(env), policy, context });

    it(`${env.name}: the apply role writes it, only those tags, only on its own bank`, async () => {
      expect(await as(apply, 'kms:TagResource', { ...onBank, ...recordTags })).toBe('Allowed');
      // Another tag (here the alias a key is meant for) is not part of the record.
      expect(
        await as(apply, 'kms:TagResource', { ...onBank, 'aws:TagKeys': [TAG_KEYS.alias] }),
      ).toBe('ImplicitlyDenied');
      // Not an agent key, not another environment's bank.
      const other = env.name === 'staging' ? 'alias/production-bank' : 'alias/staging-bank';
      for (const alias of [other, `alias/${env.name}-${env.networks[0]!.name}-relayer-signer`]) {
        expect(
          await as(apply, 'kms:TagResource', { 'kms:ResourceAliases': [alias], ...recordTags }),
        ).toBe('ImplicitlyDenied');
      }
    });

    it(`${env.name}: the Keymaster and plan roles read it and cannot write it`, async () => {
      for (const policy of [keymaster, plan]) {
        expect(await as(policy, 'kms:ListResourceTags', onBank)).toBe('Allowed');
        expect(await as(policy, 'kms:DescribeKey', onBank)).toBe('Allowed');
        for (const action of ['kms:TagResource', 'kms:UntagResource']) {
          expect([action, await as(policy, action, { ...onBank, ...recordTags })]).toEqual([
            action,
            'ImplicitlyDenied',
          ]);
        }
      }
    });
  }
});

describe('the funding record on the bank secret (development)', () => {
  const env = development();
  const bank = keysFor(env).find((k) => k.purpose === 'bank')!;
  const secret = `arn:aws:secretsmanager:${env.aws.region}:${env.aws.accountId}:secret:${bank.secretName}-Ab12Cd`;
  const as = (name: string, action: string) =>
    simulate({ env, action, resource: secret, policy: policyOf(env, name), context: recordTags });

  it('the apply role writes it; the Keymaster reads it and cannot write it or the key', async () => {
    expect(await as('nomad-ops-development-apply', 'secretsmanager:TagResource')).toBe('Allowed');
    expect(await as('development-keymaster', 'secretsmanager:DescribeSecret')).toBe('Allowed');
    // keymaster.yml's approved job reads it with the plan role.
    expect(await as('nomad-ops-development-plan', 'secretsmanager:DescribeSecret')).toBe('Allowed');
    for (const action of ['secretsmanager:TagResource', 'secretsmanager:GetSecretValue']) {
      expect([action, await as('nomad-ops-development-plan', action)]).toEqual([
        action,
        'ImplicitlyDenied',
      ]);
    }
    for (const action of [
      'secretsmanager:TagResource',
      'secretsmanager:UntagResource',
      'secretsmanager:PutSecretValue',
      'secretsmanager:UpdateSecret',
    ]) {
      expect([action, await as('development-keymaster', action)]).toEqual([
        action,
        'ImplicitlyDenied',
      ]);
    }
  });
});

describe('the plan role is trusted for the apply workflow’s plan jobs on main', () => {
  const env = production();
  env.github = { repository: 'o/r' };
  const iam = iamFor(env);
  const role = iam.github!.roles.find((r) => r.kind === 'plan')!;
  const assume = (sub: string) =>
    runUnsafeSimulation(
      {
        request: {
          principal: iam.github!.provider.arn,
          action: 'sts:AssumeRoleWithWebIdentity',
          resource: { resource: role.arn, accountId: env.aws.accountId },
          contextVariables: {
            'token.actions.githubusercontent.com:sub': sub,
            'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
          },
        },
        identityPolicies: [],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy: {
          __validated: true,
          policyDocument: role.trustPolicy,
          metadata: { name: role.name },
          errors: [],
        },
      },
      {},
    );

  it('pull requests and pushes to main; no other branch, no fork', () => {
    expect(assume('repo:o/r:pull_request')).toBe('Allowed');
    expect(assume('repo:o/r:ref:refs/heads/main')).toBe('Allowed');
    for (const sub of ['repo:o/r:ref:refs/heads/feature', 'repo:fork/r:ref:refs/heads/main']) {
      expect([sub, assume(sub)]).toEqual([sub, 'ImplicitlyDenied']);
    }
  });
});
