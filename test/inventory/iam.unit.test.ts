import { describe, expect, it } from 'vitest';
import { checkBucketName, checkIamName } from '../../src/inventory/names.js';
import { iamFor } from '../../src/inventory/iam.js';
import { InventoryError } from '../../src/inventory/errors.js';
import { keysFor } from '../../src/inventory/keys.js';
import { MANAGED_BY_TAG } from '../../src/inventory/tags.js';
import { type ManagedPolicySpec, type PolicyStatement } from '../../src/inventory/types.js';
import { allFixtures, development, production, staging } from './fixtures.js';

const actionsOf = (policy: ManagedPolicySpec | undefined): string[] =>
  (policy?.document.Statement ?? []).flatMap((s: PolicyStatement) => [s.Action].flat());

describe('iamFor', () => {
  it("builds Nomad's documented principals: users, groups, each user in its group", () => {
    const iam = iamFor(staging());
    expect(iam.users.map((u) => u.name)).toEqual(['nomad-signer-staging', 'kms-admin']);
    expect(iam.groups.map((g) => g.name)).toEqual(['staging-signer', 'kms-admin']);
    // IAM cannot limit AddUserToGroup by the user: every membership is the administrator's.
    expect(iam.memberships).toEqual([
      { user: 'nomad-signer-staging', group: 'staging-signer', bootstrap: true },
      { user: 'kms-admin', group: 'kms-admin', bootstrap: true },
    ]);
    expect(iamFor(production()).memberships).toContainEqual({
      user: 'kms-admin',
      group: 'kms-admin',
      bootstrap: true,
    });
  });

  it('has one signer policy per role that has keys, attached to the signer group', () => {
    for (const env of allFixtures()) {
      const iam = iamFor(env);
      const roles = new Set(keysFor(env).flatMap((k) => (k.role ? [k.role] : [])));
      const signerPolicies = iam.policies.filter((p) => /-signer$/.test(p.name));
      expect(signerPolicies.map((p) => p.name).sort()).toEqual(
        [...roles].map((r) => `${env.name}-${r}-signer`).sort(),
      );
      for (const policy of signerPolicies) {
        expect(iam.attachments).toContainEqual({
          policyName: policy.name,
          policyArn: `arn:aws:iam::${env.aws.accountId}:policy/${policy.name}`,
          target: { kind: 'group', name: env.iam.signerGroup },
        });
      }
    }
  });

  it('conditions KMS signer policies on the alias pattern derived from the scheme', () => {
    const policy = iamFor(production()).policies.find(
      (p) => p.name === 'production-relayer-signer',
    );
    expect(policy?.document.Statement).toEqual([
      {
        Sid: 'SignWithRoleKeys',
        Effect: 'Allow',
        Action: ['kms:GetPublicKey', 'kms:Sign'],
        Resource: 'arn:aws:kms:us-west-2:345678901234:key/*',
        Condition: {
          'ForAnyValue:StringLike': { 'kms:ResourceAliases': ['alias/production-*-relayer-*'] },
        },
      },
    ]);
  });

  it('gives development signers their own role secrets instead of KMS, and no kms-admin', () => {
    const iam = iamFor(development());
    const watcher = iam.policies.find((p) => p.name === 'development-watcher-signer');
    expect(actionsOf(watcher)).toEqual(['secretsmanager:GetSecretValue']);
    expect(watcher?.document.Statement[0]?.Resource).toEqual([
      'arn:aws:secretsmanager:us-west-2:123456789012:secret:nomad/development/*/watcher-signer/key-??????',
      'arn:aws:secretsmanager:us-west-2:123456789012:secret:nomad/development/*/watcher-attestation/key-??????',
    ]);
    expect(iam.users.map((u) => u.name)).toEqual(['nomad-signer-development']);
    expect(iam.policies.some((p) => p.name === 'kms-admin')).toBe(false);
  });

  it('gives kms-admin administration but no key use, no key-policy or grant escalation', () => {
    const admin = iamFor(staging()).policies.find((p) => p.name === 'kms-admin');
    const actions = actionsOf(admin);
    expect(actions).toEqual(expect.arrayContaining(['kms:CreateKey', 'kms:ScheduleKeyDeletion']));
    for (const forbidden of [
      // It would alias a key it created, whose key policy may let it sign (issue 24 item 9).
      'kms:CreateAlias',
      'kms:Sign',
      'kms:Decrypt',
      'kms:PutKeyPolicy',
      'kms:CreateGrant',
      'kms:UpdateAlias',
      'kms:DeleteAlias',
    ]) {
      expect(actions).not.toContain(forbidden);
    }
    expect(actions.some((a) => a.includes('*'))).toBe(false);
    const resources = (admin?.document.Statement ?? []).flatMap((s) => [s.Resource ?? []].flat());
    for (const r of resources) if (r !== '*') expect(r).toContain(':210987654321:');
  });

  it('attaches the uploader policy to the signer group (the processor principal)', () => {
    const iam = iamFor(staging());
    const uploader = iam.policies.find((p) => p.name === 'staging-proofs-uploader');
    expect(uploader?.document.Statement.map((s) => [s.Action, s.Resource])).toEqual([
      ['s3:ListBucket', 'arn:aws:s3:::nomadxyz-staging-proofs'],
      [['s3:GetObject', 's3:PutObject'], 'arn:aws:s3:::nomadxyz-staging-proofs/*'],
    ]);
    expect(iam.attachments.find((a) => a.policyName === uploader?.name)?.target).toEqual({
      kind: 'group',
      name: 'staging-signer',
    });
  });

  it('renders the three GitHub roles with one subject each, all bootstrap', () => {
    const iam = iamFor(production());
    expect(iam.githubOmitted).toBeUndefined();
    const roles = iam.github?.roles ?? [];
    expect(roles.map((r) => [r.name, r.subject])).toEqual([
      ['nomad-ops-production-plan', 'repo:nomad-xyz/nomad-agent-ops:pull_request'],
      ['nomad-ops-production-apply', 'repo:nomad-xyz/nomad-agent-ops:environment:production'],
      [
        'nomad-ops-production-keymaster',
        'repo:nomad-xyz/nomad-agent-ops:environment:production-keymaster',
      ],
    ]);
    const apply = roles[1]!;
    expect(apply.trustPolicy.Statement[0]).toEqual({
      Sid: 'GithubActionsOidc',
      Effect: 'Allow',
      Principal: {
        Federated: 'arn:aws:iam::345678901234:oidc-provider/token.actions.githubusercontent.com',
      },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: {
        StringEquals: {
          'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
          'token.actions.githubusercontent.com:sub':
            'repo:nomad-xyz/nomad-agent-ops:environment:production',
        },
      },
    });
    expect(iam.github?.provider).toMatchObject({
      url: 'https://token.actions.githubusercontent.com',
      clientIds: ['sts.amazonaws.com'],
      bootstrap: true,
    });
    for (const role of roles) {
      expect(role.bootstrap).toBe(true);
      const attached = iam.attachments.filter(
        (a) => a.target.kind === 'role' && a.target.name === role.name,
      );
      // apply's IAM writes, key rotations and keys drain are policies of their own: one could
      // not hold them all (issue 26).
      expect(attached.map((a) => a.policyName)).toEqual(
        role.kind === 'apply'
          ? [role.name, `${role.name}-iam`, `${role.name}-rotate`, 'production-key-drain']
          : [attached[0]?.policyName],
      );
      expect(attached.every((a) => a.bootstrap)).toBe(true);
    }
    expect(
      iam.attachments.find((a) => a.target.name === 'nomad-ops-production-keymaster')?.policyName,
    ).toBe('production-keymaster');
  });

  it('keeps the plan role away from secret values and writes', () => {
    for (const env of allFixtures()) {
      const plan = iamFor(env).policies.find((p) => p.name === `nomad-ops-${env.name}-plan`);
      const actions = actionsOf(plan);
      expect(actions).not.toContain('secretsmanager:GetSecretValue');
      expect(actions).not.toContain('kms:Sign');
      expect(
        actions.filter((a) => /:(Create|Put|Delete|Update|Tag|Attach|Add|Set)/.test(a)),
      ).toEqual([]);
    }
  });

  it('never lets apply manage a bootstrap policy or a role', () => {
    const iam = iamFor(production());
    const apply = iam.policies.find((p) => p.name === 'nomad-ops-production-apply-iam')!;
    const applyKeys = iam.policies.find((p) => p.name === 'nomad-ops-production-apply')!;
    const bootstrapArns = iam.policies.filter((p) => p.bootstrap).map((p) => p.arn);
    // boundary, kms-admin (account-wide), keymaster, plan, apply (keys and bucket), apply-iam,
    // apply-rotate, keys drain
    expect(bootstrapArns).toHaveLength(8);
    // Apply's own policies by the environment's name prefix; the bootstrap ones that prefix
    // also matches (the Keymaster's) denied explicitly.
    const namespace = 'arn:aws:iam::345678901234:policy/production-*';
    const keep = apply.document.Statement.find((s) => s.Sid === 'KeepBootstrapPolicies')!;
    expect(keep.Effect).toBe('Deny');
    expect([keep.Resource].flat()).toEqual(
      bootstrapArns.filter((arn) => arn.startsWith(namespace.slice(0, -1))),
    );
    expect([keep.Resource].flat()).toContain(
      'arn:aws:iam::345678901234:policy/production-keymaster',
    );
    expect([keep.Resource].flat()).toContain(
      'arn:aws:iam::345678901234:policy/production-boundary',
    );
    // The apply role signs with what its drain policy allows: it never rewrites it.
    expect([keep.Resource].flat()).toContain(
      'arn:aws:iam::345678901234:policy/production-key-drain',
    );
    for (const sid of ['CreatePolicies', 'ChangePolicies']) {
      const managed = apply.document.Statement.find((s) => s.Sid === sid)!;
      const resources = [managed.Resource].flat();
      expect(resources).toContain(namespace);
      expect(resources.filter((r) => bootstrapArns.includes(r!))).toEqual([]);
    }
    const allowed = (p: ManagedPolicySpec) => ({
      ...p,
      document: {
        ...p.document,
        Statement: p.document.Statement.filter((s) => s.Effect === 'Allow'),
      },
    });
    expect(
      [...actionsOf(allowed(apply)), ...actionsOf(allowed(applyKeys))].filter(
        (a) => /Role|OpenIDConnect|AccessKey|LoginProfile/.test(a) && !/^iam:(Get|List)/.test(a),
      ),
    ).toEqual([]);
  });

  it('takes the repository from the file first, then the option, else leaves GitHub out and says why', () => {
    const env = staging();
    expect(iamFor(env, { repository: 'fork/copy' }).github?.repository).toBe(
      'nomad-xyz/nomad-agent-ops',
    );
    env.github = {};
    expect(iamFor(env, { repository: 'someone/else' }).github?.roles[0]?.subject).toBe(
      'repo:someone/else:pull_request',
    );
    const without = iamFor(env);
    expect(without.github).toBeUndefined();
    expect(without.githubOmitted).toMatch(/github\.repository.*GITHUB_REPOSITORY/);
    expect(without.attachments.some((a) => a.target.kind === 'role')).toBe(false);
    expect(() => iamFor(env, { repository: 'no-slash' })).toThrow(/not "owner\/name"/);
    expect(() => iamFor(env, { repository: 'o/*' })).toThrow(InventoryError);
  });

  it('tags every taggable resource managed-by=nomad-agent-ops', () => {
    const iam = iamFor(staging());
    const tagged = [
      ...iam.users,
      ...iam.policies,
      ...(iam.github?.roles ?? []),
      iam.github!.provider,
    ];
    for (const r of tagged) expect(r.tags[MANAGED_BY_TAG]).toBe('nomad-agent-ops');
  });

  it('refuses names IAM would reject, with the offending name in the message', () => {
    const env = staging();
    env.iam.signerUser = 'nomad signer';
    expect(() => iamFor(env)).toThrow(/IAM user name "nomad signer"/);
    const long = staging();
    long.iam.signerUser = 'u'.repeat(65);
    expect(() => iamFor(long)).toThrow(/1 to 64/);
    expect(checkIamName('group', 'g'.repeat(128))).toHaveLength(128);
    expect(() => checkIamName('role', 'r'.repeat(65))).toThrow(InventoryError);
  });
});

describe('account-wide IAM resources', () => {
  /** Staging and production in one account, in different regions, as two files may name them. */
  const sharedAccount = () => {
    const s = staging();
    const p = production();
    p.aws = { accountId: s.aws.accountId, region: 'eu-central-1' };
    return [
      iamFor(s, { repository: 'nomad-xyz/nomad-agent-ops' }),
      iamFor(p, { repository: 'nomad-xyz/nomad-agent-ops' }),
    ] as const;
  };

  it('render the same kms-admin user, policy and OIDC provider for every environment of an account', () => {
    const [s, p] = sharedAccount();
    // Whether a run may write them differs (bootstrap outside production); what they are does not.
    const unmarked = <T extends { bootstrap?: true }>(r: T | undefined) => {
      if (!r) return r;
      const { bootstrap: _, ...rest } = r;
      return rest;
    };
    const accountWide = (iam: ReturnType<typeof iamFor>) => ({
      user: unmarked(iam.users.find((u) => u.name === 'kms-admin')),
      policy: unmarked(iam.policies.find((x) => x.name === 'kms-admin')),
      provider: iam.github?.provider,
    });
    const fromStaging = accountWide(s);
    expect(fromStaging.user && fromStaging.policy && fromStaging.provider).toBeTruthy();
    expect(accountWide(p)).toEqual(fromStaging);
    for (const tagged of [fromStaging.user!, fromStaging.policy!, fromStaging.provider!]) {
      expect(tagged.tags).toEqual({
        [MANAGED_BY_TAG]: 'nomad-agent-ops',
        'nomad:environment': 'shared',
      });
    }
  });

  it("keep each environment's own resources tagged with its name", () => {
    const [s, p] = sharedAccount();
    for (const [iam, name] of [
      [s, 'staging'],
      [p, 'production'],
    ] as const) {
      const own = [
        ...iam.users.filter((u) => u.name !== 'kms-admin'),
        ...iam.policies.filter((x) => x.name !== 'kms-admin'),
        ...(iam.github?.roles ?? []),
      ];
      expect(own.length).toBeGreaterThan(5);
      for (const r of own) expect(r.tags['nomad:environment'], r.name).toBe(name);
    }
  });
});

describe('checkBucketName', () => {
  it.each([
    ['Nomad-Proofs', /lower-case/],
    ['ab', /3 to 63/],
    ['-proofs', /start and end/],
    ['192.168.1.1', /IP address/],
    ['xn--proofs', /xn--/],
    ['proofs-s3alias', /-s3alias/],
    ['nomad.proofs', /HTTPS/],
  ])('refuses %s', (name, message) => {
    expect(() => checkBucketName(name)).toThrow(message);
  });
  it('accepts the default names', () => {
    for (const env of allFixtures())
      expect(checkBucketName(env.proofsBucket.name)).toBe(env.proofsBucket.name);
  });
});
