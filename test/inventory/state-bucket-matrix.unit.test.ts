/**
 * The permission matrix of the Keymaster's state bucket (issue 30), evaluated by
 * @cloud-copilot/iam-simulate on the documents the code renders, with the bucket policy as the
 * resource policy: the Keymaster role adds ledger objects and writes its lease, and cannot
 * overwrite or delete a ledger object or version; no toolkit principal, nor an administrator
 * allowed everything, can delete them.
 */
import { describe, expect, it } from 'vitest';
import type { ResolvedEnvironment } from '../../src/config/model.js';
import { iamFor, roleDocuments } from '../../src/inventory/iam.js';
import { type PolicyDocument } from '../../src/inventory/types.js';
import {
  LEASE_KEY,
  stateBucketName,
  stateBucketPolicyDocument,
} from '../../src/inventory/keymaster-state.js';
import { development, production, staging } from './fixtures.js';
import { simulate, type Verdict } from './simulate.js';

const ACCOUNT = '345678901234';
const shared = (env: ResolvedEnvironment): ResolvedEnvironment => ({
  ...env,
  aws: { accountId: ACCOUNT, region: 'us-west-2' },
});
const envs = [shared(development()), shared(staging()), shared(production())];
const [, stagingEnv, productionEnv] = envs as [
  ResolvedEnvironment,
  ResolvedEnvironment,
  ResolvedEnvironment,
];

const object = (env: ResolvedEnvironment, key: string) =>
  `arn:aws:s3:::${stateBucketName(env)}/${key}`;
const RECORD = 'ledger/records/1/0xab.json';

interface Principal {
  name: string;
  arn: string;
  identity: PolicyDocument[];
}
const roleOf = (env: ResolvedEnvironment, kind: 'plan' | 'apply' | 'keymaster'): Principal => ({
  name: `${env.name} ${kind} role`,
  arn: `arn:aws:sts::${ACCOUNT}:assumed-role/nomad-ops-${env.name}-${kind}/gha`,
  identity: roleDocuments(iamFor(env), `nomad-ops-${env.name}-${kind}`),
});
const keymaster = roleOf(stagingEnv, 'keymaster');

async function verdict(
  principal: Principal,
  action: string,
  resource: string,
  env: ResolvedEnvironment,
  context: Record<string, string> = {},
): Promise<Verdict> {
  return simulate({
    principal: principal.arn,
    action,
    resource,
    accountId: ACCOUNT,
    context,
    identity: principal.identity,
    resourcePolicy: stateBucketPolicyDocument(stateBucketName(env)),
  });
}

describe('state bucket permissions (all environments in one account)', () => {
  it('the Keymaster role adds ledger objects, reads them, and writes its lease', async () => {
    expect(keymaster.identity.length).toBeGreaterThan(0);
    const ifNoneMatch = { 's3:if-none-match': '*' };
    expect(
      await verdict(keymaster, 's3:PutObject', object(stagingEnv, RECORD), stagingEnv, ifNoneMatch),
    ).toBe('Allowed');
    expect(await verdict(keymaster, 's3:GetObject', object(stagingEnv, RECORD), stagingEnv)).toBe(
      'Allowed',
    );
    expect(
      await verdict(keymaster, 's3:PutObject', object(stagingEnv, LEASE_KEY), stagingEnv),
    ).toBe('Allowed');
  });

  it('ATTACK: the Keymaster role overwrites or deletes a ledger object or version', async () => {
    // Without If-None-Match a PutObject would replace the record: denied by the bucket policy.
    expect(await verdict(keymaster, 's3:PutObject', object(stagingEnv, RECORD), stagingEnv)).toBe(
      'ExplicitlyDenied',
    );
    for (const action of ['s3:DeleteObject', 's3:DeleteObjectVersion']) {
      expect(await verdict(keymaster, action, object(stagingEnv, RECORD), stagingEnv)).toBe(
        'ExplicitlyDenied',
      );
    }
    // Nor another environment's ledger, nor any object outside lease/ and ledger/.
    expect(
      await verdict(keymaster, 's3:PutObject', object(productionEnv, RECORD), productionEnv, {
        's3:if-none-match': '*',
      }),
    ).not.toBe('Allowed');
    expect(
      await verdict(keymaster, 's3:PutObject', object(stagingEnv, 'other.json'), stagingEnv),
    ).not.toBe('Allowed');
  });

  it('ATTACK: no toolkit principal of any environment, nor an administrator, deletes ledger objects', async () => {
    const administrator: Principal = {
      name: 'an administrator',
      arn: `arn:aws:iam::${ACCOUNT}:user/admin`,
      identity: [
        { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
      ],
    };
    const principals: Principal[] = [
      administrator,
      ...envs.flatMap((env) =>
        (['plan', 'apply', 'keymaster'] as const).map((k) => roleOf(env, k)),
      ),
      ...envs.flatMap((env) =>
        iamFor(env).policies.map((p) => ({
          name: `policy ${p.name}`,
          arn: `arn:aws:iam::${ACCOUNT}:user/holder-of-${p.name}`,
          identity: [p.document],
        })),
      ),
    ];
    expect(principals.length).toBeGreaterThan(10);
    for (const env of envs) {
      for (const principal of principals) {
        for (const action of ['s3:DeleteObject', 's3:DeleteObjectVersion']) {
          const v = await verdict(principal, action, object(env, RECORD), env);
          expect(v, `${principal.name} ${action} in ${env.name}`).toBe('ExplicitlyDenied');
        }
        const lifecycle = await simulate({
          principal: principal.arn,
          action: 's3:PutLifecycleConfiguration',
          resource: `arn:aws:s3:::${stateBucketName(env)}`,
          accountId: ACCOUNT,
          identity: principal.identity,
          resourcePolicy: stateBucketPolicyDocument(stateBucketName(env)),
        });
        expect(lifecycle, `${principal.name} expires ledger objects in ${env.name}`).toBe(
          'ExplicitlyDenied',
        );
      }
    }
  }, 120_000);

  it('the apply role configures its state bucket; the plan role reads it', async () => {
    const bucket = `arn:aws:s3:::${stateBucketName(stagingEnv)}`;
    expect(
      await verdict(roleOf(stagingEnv, 'apply'), 's3:PutBucketVersioning', bucket, stagingEnv),
    ).toBe('Allowed');
    expect(
      await verdict(
        roleOf(stagingEnv, 'apply'),
        's3:PutEncryptionConfiguration',
        bucket,
        stagingEnv,
      ),
    ).toBe('Allowed');
    expect(
      await verdict(
        roleOf(stagingEnv, 'plan'),
        's3:GetEncryptionConfiguration',
        bucket,
        stagingEnv,
      ),
    ).toBe('Allowed');
    expect(
      await verdict(roleOf(stagingEnv, 'plan'), 's3:PutBucketVersioning', bucket, stagingEnv),
    ).not.toBe('Allowed');
  });
});

describe('the ledger as the plan role reads it (keymaster ledger, --burn, the threshold proposal)', () => {
  const plan = roleOf(stagingEnv, 'plan');
  const SNAPSHOT = 'ledger/balances/2026-12-01/000000000001.json';

  it('reads ledger records and balances snapshots of its own environment', async () => {
    for (const key of [RECORD, SNAPSHOT]) {
      expect(await verdict(plan, 's3:GetObject', object(stagingEnv, key), stagingEnv)).toBe(
        'Allowed',
      );
    }
    expect(
      await verdict(
        plan,
        's3:ListBucket',
        `arn:aws:s3:::${stateBucketName(stagingEnv)}`,
        stagingEnv,
        { 's3:prefix': 'ledger/balances/' },
      ),
    ).toBe('Allowed');
  });

  it('ATTACK: the plan role writes or deletes a ledger object, reads the lease, or reads another environment', async () => {
    expect(
      await verdict(plan, 's3:PutObject', object(stagingEnv, SNAPSHOT), stagingEnv, {
        's3:if-none-match': '*',
      }),
    ).not.toBe('Allowed');
    expect(await verdict(plan, 's3:DeleteObject', object(stagingEnv, RECORD), stagingEnv)).not.toBe(
      'Allowed',
    );
    expect(await verdict(plan, 's3:GetObject', object(stagingEnv, LEASE_KEY), stagingEnv)).not.toBe(
      'Allowed',
    );
    expect(
      await verdict(plan, 's3:GetObject', object(productionEnv, RECORD), productionEnv),
    ).not.toBe('Allowed');
  });
});
