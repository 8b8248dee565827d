/**
 * The permission matrix of contracted operators (DESIGN §8b), proven by IAM policy simulation
 * (@cloud-copilot/iam-simulate) on the documents the toolkit renders: every operator signs with
 * each key of its agents and with no other key of any environment, cannot assume another
 * operator's role, and writes the proofs bucket only if it runs a processor.
 */
import { runUnsafeSimulation } from '@cloud-copilot/iam-simulate';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadEnvironmentFile, loadEnvironmentText } from '../../src/config/load.js';
import type { ResolvedEnvironment } from '../../src/config/model.js';
import { bucketPolicyDocument } from '../../src/inventory/policies.js';
import { iamFor, roleDocuments } from '../../src/inventory/iam.js';
import { keysFor } from '../../src/inventory/keys.js';
import { type IamInventory, type PolicyDocument } from '../../src/inventory/types.js';
import { operatorsFor } from '../../src/inventory/operators.js';
import {
  defaultKeyPolicy as defaultKeyPolicyOf,
  keyArnFor,
  simulate as simulateIn,
  type Verdict,
} from './simulate.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const load = (name: string): ResolvedEnvironment => {
  const result = loadEnvironmentFile(`${repo}environments/${name}.yaml`);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.env;
};

/** Staging as shipped, plus a second role operator so role-to-role trust can be tried. */
function stagingWithThreeOperators(): ResolvedEnvironment {
  const text = readFileSync(`${repo}environments/staging.yaml`, 'utf8')
    .replace(
      '      user: nomad-operator-staging-blockwatch\n',
      `      user: nomad-operator-staging-blockwatch
  - name: ferry
    runs:
      - role: updater
        homes: [goerli, sepolia]
    access:
      principal: arn:aws:iam::444455556666:root
      externalId: nomad-staging-ferry-91ab
`,
    )
    .replace(
      'runs:\n    - role: updater\n',
      'runs:\n    - role: updater\n      homes: [kovan, moonbasealpha]\n',
    );
  const result = loadEnvironmentText(text, `${repo}environments/staging.yaml`);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.env;
}

const staging = stagingWithThreeOperators();
const universe = ['development', 'staging', 'production'].flatMap((name) => keysFor(load(name)));
const bucket = staging.proofsBucket.name;
const iam = iamFor(staging);
const operators = operatorsFor(staging, keysFor(staging), bucket).operators;

/**
 * What each operator is meant to sign with, computed here from the file rather than by the
 * code under test: for each agent (role, home), the home's `{role}-signer`, and the
 * `{role}-attestation` of updaters and watchers.
 */
function expectedKeys(env: ResolvedEnvironment, name: string): string[] {
  const operator = env.operators!.find((o) => o.name === name)!;
  return operator.runs.flatMap((run) =>
    run.homes.flatMap((home) => [
      `alias/${env.name}-${home}-${run.role}-signer`,
      ...(run.role === 'updater' || run.role === 'watcher'
        ? [`alias/${env.name}-${home}-${run.role}-attestation`]
        : []),
    ]),
  );
}

/** The identity policies of a principal: every managed policy the inventory attaches to it. */
function policiesOf(inventory: IamInventory, kind: 'role' | 'group', name: string) {
  return inventory.attachments
    .filter((a) => a.target.kind === kind && a.target.name === name)
    .map((a) => inventory.policies.find((p) => p.arn === a.policyArn)!.document);
}

function identityOf(name: string): { arn: string; documents: PolicyDocument[] } {
  const operator = operators.find((o) => o.name === name)!;
  const p = operator.principal;
  return p.kind === 'role'
    ? {
        arn: `arn:aws:sts::${staging.aws.accountId}:assumed-role/${p.roleName}/agent`,
        documents: policiesOf(iam, 'role', p.roleName),
      }
    : { arn: p.userArn, documents: policiesOf(iam, 'group', p.groupName) };
}

const keyArn = (alias: string) =>
  // Every key placed in staging's account: the alias condition alone must keep them apart.
  keyArnFor(staging.aws.region, staging.aws.accountId, alias);
const defaultKeyPolicy = defaultKeyPolicyOf(staging.aws.accountId);
const simulate = (request: Omit<Parameters<typeof simulateIn>[0], 'accountId'>) =>
  simulateIn({ ...request, accountId: staging.aws.accountId });

describe('operators: the permission matrix', () => {
  it('the example file has role and user operators and names what each runs', () => {
    expect(operators.map((o) => [o.name, o.principal.kind])).toEqual([
      ['acme', 'role'],
      ['blockwatch', 'user'],
      ['ferry', 'role'],
    ]);
    for (const o of operators) expect(o.keys.sort()).toEqual(expectedKeys(staging, o.name).sort());
  });

  it.each(['acme', 'blockwatch', 'ferry'])(
    '%s signs with each of its keys and no other key of any environment',
    async (name) => {
      const { arn, documents } = identityOf(name);
      const mine = new Set(expectedKeys(staging, name));
      const wrong: string[] = [];
      for (const key of universe) {
        const want: Verdict = mine.has(key.alias) ? 'Allowed' : 'ImplicitlyDenied';
        for (const action of ['kms:Sign', 'kms:GetPublicKey']) {
          const verdict = await simulate({
            principal: arn,
            action,
            resource: keyArn(key.alias),
            context: { 'kms:ResourceAliases': [key.alias] },
            identity: documents,
            resourcePolicy: defaultKeyPolicy,
          });
          if (verdict !== want) wrong.push(`${action} ${key.alias}: ${verdict}, want ${want}`);
        }
      }
      expect(wrong).toEqual([]);
      expect(mine.size).toBeGreaterThan(0);
    },
  );

  it('writes proofs only of the homes whose processor it runs (objects `{home}_{leaf}`)', async () => {
    const wrong: string[] = [];
    for (const o of operators) {
      const { arn, documents } = identityOf(o.name);
      const homes = new Set(
        staging
          .operators!.find((op) => op.name === o.name)!
          .runs.filter((r) => r.role === 'processor')
          .flatMap((r) => r.homes),
      );
      for (const network of staging.networks) {
        const verdict = await simulate({
          principal: arn,
          action: 's3:PutObject',
          resource: `arn:aws:s3:::${bucket}/${network.name}_12`,
          identity: documents,
          resourcePolicy: bucketPolicyDocument(bucket),
        });
        const want: Verdict = homes.has(network.name) ? 'Allowed' : 'ImplicitlyDenied';
        if (verdict !== want) wrong.push(`${o.name} ${network.name}_12: ${verdict}, want ${want}`);
      }
    }
    expect(wrong).toEqual([]);
    const processors = staging
      .operators!.filter((o) => o.runs.some((r) => r.role === 'processor'))
      .map((o) => o.name);
    expect(processors).toEqual(['acme', 'blockwatch']);
  });

  it('the core team signs only with the keys of the agents left to it', async () => {
    const documents = policiesOf(iam, 'group', staging.iam.signerGroup);
    const core = new Set(
      staging.coreTeam!.runs.flatMap((run) =>
        run.homes.flatMap((home) => [
          `alias/staging-${home}-${run.role}-signer`,
          ...(run.role === 'updater' ? [`alias/staging-${home}-updater-attestation`] : []),
        ]),
      ),
    );
    const wrong: string[] = [];
    for (const key of universe) {
      const want: Verdict = core.has(key.alias) ? 'Allowed' : 'ImplicitlyDenied';
      const verdict = await simulate({
        principal: `arn:aws:iam::${staging.aws.accountId}:user/${staging.iam.signerUser}`,
        action: 'kms:Sign',
        resource: keyArn(key.alias),
        context: { 'kms:ResourceAliases': [key.alias] },
        identity: documents,
        resourcePolicy: defaultKeyPolicy,
      });
      if (verdict !== want) wrong.push(`${key.alias}: ${verdict}, want ${want}`);
    }
    expect(wrong).toEqual([]);
    const uploads = await simulate({
      principal: `arn:aws:iam::${staging.aws.accountId}:user/${staging.iam.signerUser}`,
      action: 's3:PutObject',
      resource: `arn:aws:s3:::${bucket}/kovan_1`,
      identity: documents,
      resourcePolicy: bucketPolicyDocument(bucket),
    });
    expect(uploads).toBe('ImplicitlyDenied');
  });
});

describe('operators: who can assume which role', () => {
  const roles = iam.operatorRoles ?? [];
  const roleOperators = operators.filter((o) => o.principal.kind === 'role');
  // Trust goes through runUnsafeSimulation, as in policy-simulation.test.ts: the resource
  // policy is passed pre-validated.
  const assume = (
    principal: string,
    roleName: string,
    externalId: string | undefined,
    identity: PolicyDocument[],
  ) => {
    const role = roles.find((r) => r.name === roleName)!;
    return runUnsafeSimulation(
      {
        request: {
          principal,
          action: 'sts:AssumeRole',
          resource: { resource: role.arn, accountId: staging.aws.accountId },
          contextVariables: externalId === undefined ? {} : { 'sts:ExternalId': externalId },
        },
        identityPolicies: identity.map((policy, i) => ({ name: `p${i}`, policy })),
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
  };
  /** The operator's own account lets it do anything: only our trust policy stands in the way. */
  const allowAll: PolicyDocument = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
  };
  const callerIn = (principal: string) =>
    principal.endsWith(':root')
      ? principal.replace(':root', ':user/anyone-in-that-account')
      : principal.replace(':iam::', ':sts::').replace(':role/', ':assumed-role/') + '/session';

  it('each role operator assumes its own role with its external id, and no other', () => {
    expect(roleOperators.map((o) => o.name)).toEqual(['acme', 'ferry']);
    for (const a of roleOperators) {
      if (a.principal.kind !== 'role') continue;
      const caller = callerIn(a.principal.trustedPrincipal);
      for (const b of roleOperators) {
        if (b.principal.kind !== 'role') continue;
        const verdict = assume(caller, b.principal.roleName, a.principal.externalId, [allowAll]);
        expect([a.name, b.name, verdict]).toEqual([
          a.name,
          b.name,
          a === b ? 'Allowed' : 'ImplicitlyDenied',
        ]);
        // Even with b's external id (it is not a secret), a's principal is not b's.
        if (a !== b)
          expect(assume(caller, b.principal.roleName, b.principal.externalId, [allowAll])).toBe(
            'ImplicitlyDenied',
          );
      }
      expect(assume(caller, a.principal.roleName, undefined, [allowAll])).toBe('ImplicitlyDenied');
      // Cross-account: the operator's own account must allow it too.
      expect(assume(caller, a.principal.roleName, a.principal.externalId, [])).toBe(
        'ImplicitlyDenied',
      );
      expect(assume(caller, a.principal.roleName, 'guessed', [allowAll])).toBe('ImplicitlyDenied');
    }
  });

  it('a user operator cannot assume any operator role', () => {
    const { arn, documents } = identityOf('blockwatch');
    for (const role of roles) {
      expect(assume(arn, role.name, undefined, documents)).toBe('ImplicitlyDenied');
      // Even were its identity policies to allow everything: the trust policy names only the operator.
      for (const o of roleOperators)
        if (o.principal.kind === 'role')
          expect(assume(arn, role.name, o.principal.externalId, [allowAll])).toBe(
            'ImplicitlyDenied',
          );
    }
  });
});

describe('operators: what the workflows can change', () => {
  const applyRole = `arn:aws:sts::${staging.aws.accountId}:assumed-role/nomad-ops-staging-apply/run`;
  const asApply = (action: string, resource: string, context?: Record<string, string | string[]>) =>
    simulate({
      principal: applyRole,
      action,
      resource,
      ...(context ? { context } : {}),
      identity: roleDocuments(iam, 'nomad-ops-staging-apply'),
    });
  // The tags the toolkit's staging resources carry, and the ones its create requests send.
  const stagingTags = {
    'aws:ResourceTag/managed-by': 'nomad-agent-ops',
    'aws:ResourceTag/nomad:environment': 'staging',
  };
  const stagingRequest = {
    'aws:RequestTag/managed-by': 'nomad-agent-ops',
    'aws:RequestTag/nomad:environment': 'staging',
    'aws:TagKeys': ['managed-by', 'nomad:environment'],
  };

  it('the apply role rewrites which keys an operator has, but never whom its role trusts', async () => {
    for (const o of operators) {
      expect([o.name, await asApply('iam:CreatePolicyVersion', o.policyArn, stagingTags)]).toEqual([
        o.name,
        'Allowed',
      ]);
      if (o.principal.kind !== 'role') continue;
      for (const action of [
        'iam:CreateRole',
        'iam:UpdateAssumeRolePolicy',
        'iam:AttachRolePolicy',
        'iam:DeleteRole',
      ]) {
        // CreateRole is also denied explicitly: never a principal without the boundary.
        expect([action, await asApply(action, o.principal.roleArn)]).toEqual([
          action,
          action === 'iam:CreateRole' ? 'ExplicitlyDenied' : 'ImplicitlyDenied',
        ]);
      }
    }
  });

  it('the apply role creates a user operator and attaches its policy to its group only', async () => {
    const blockwatch = operators.find((o) => o.name === 'blockwatch')!;
    if (blockwatch.principal.kind !== 'user') throw new Error('blockwatch is a user operator');
    const { userName } = blockwatch.principal;
    const boundary = {
      'iam:PermissionsBoundary': iam.users.find((u) => u.name === userName)!.permissionsBoundary!,
    };
    expect(
      await asApply('iam:CreateUser', blockwatch.principal.userArn, {
        ...stagingRequest,
        ...boundary,
      }),
    ).toBe('Allowed');
    // Only with the environment's permissions boundary attached.
    expect(await asApply('iam:CreateUser', blockwatch.principal.userArn, stagingRequest)).toBe(
      'ExplicitlyDenied',
    );
    expect(await asApply('iam:CreateAccessKey', blockwatch.principal.userArn)).toBe(
      'ImplicitlyDenied',
    );
    const attach = (policyArn: string) =>
      simulate({
        principal: applyRole,
        action: 'iam:AttachGroupPolicy',
        resource: blockwatch.principal.kind === 'user' ? blockwatch.principal.groupArn : '',
        context: { 'iam:PolicyARN': policyArn },
        identity: roleDocuments(iam, 'nomad-ops-staging-apply'),
      });
    expect(await attach(blockwatch.policyArn)).toBe('Allowed');
    expect(await attach('arn:aws:iam::aws:policy/AdministratorAccess')).toBe('ImplicitlyDenied');
  });
});
