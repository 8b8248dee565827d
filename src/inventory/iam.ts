import type { ResolvedEnvironment } from '../config/model.js';
import type { EnvironmentName } from '../config/names.js';
import { boundaryPolicyDocument } from './boundary.js';
import { drainPolicy } from './drain-policy.js';
import { InventoryError } from './errors.js';
import { checkRepository } from './github.js';
import { githubOidcFor } from './iam-github.js';
import { keysFor } from './keys.js';
import {
  adminPolicyName,
  boundaryPolicyName,
  checkBucketName,
  checkIamName,
  checkTags,
  githubRoleName,
  keymasterPolicyName,
  policyArn,
  uploaderPolicyName,
} from './names.js';
import { CORE_TEAM, coreTeamGrant, operatorsFor } from './operators.js';
import { keyGrantsFor, keyGrantViolations } from './patterns.js';
import {
  applyIamPolicyDocument,
  applyPolicyDocument,
  applyRotationPolicyDocument,
  type ApplyScope,
  checkPolicySize,
  keymasterPolicyDocument,
  planPolicyDocument,
  signerPolicyDocument,
  uploaderPolicyDocument,
} from './policies.js';
import { kmsAdminPolicyDocument } from './kms-admin.js';
import { baseTags, sharedTags } from './tags.js';
import type {
  GithubOidcSpec,
  GithubRoleKind,
  IamInventory,
  KeyParty,
  KeySpec,
  OperatorRoleSpec,
  ManagedPolicySpec,
  PolicyAttachment,
  PolicyDocument,
} from './types.js';

const BOOTSTRAP = { bootstrap: true } as const;

export interface IamOptions {
  /** Fallback when the environment file names no repository (e.g. `GITHUB_REPOSITORY`). */
  repository?: string;
  /** `keysFor(env)`, when the caller already has it. */
  keys?: KeySpec[];
}

/**
 * Whether the account-wide resources (kms-admin user, group and policy) are bootstrap resources
 * for this environment's apply: they are for every environment. The kms-admin user carries no
 * environment's permissions boundary, so an apply role that could rewrite the kms-admin policy
 * (even production's, behind required reviewers) could reach every environment (issue 24).
 */
export const accountWideIsBootstrap = (_env: EnvironmentName) => true;

/**
 * Users, groups, policies and attachments of DESIGN §5, plus the GitHub OIDC roles when a
 * repository is known. The repository in the environment file wins over `options.repository`,
 * so a fork's `GITHUB_REPOSITORY` can never redirect trust to itself.
 */
export function iamFor(env: ResolvedEnvironment, options: IamOptions = {}): IamInventory {
  const { accountId } = env.aws;
  const keys = options.keys ?? keysFor(env);
  const tags = checkTags(`IAM resources of ${env.name}`, baseTags(env.name));
  // The admin and the OIDC provider serve every environment of the account (see sharedTags).
  const accountTags = checkTags('account-wide IAM resources', sharedTags());
  const bucket = checkBucketName(env.proofsBucket.name);

  const grants = keyGrantsFor(env, keys);
  const violations = keyGrantViolations(grants, [{ env, keys }]);
  if (violations.length > 0) {
    throw new InventoryError(
      `Key access patterns of ${env.name} reach the wrong keys:\n  ${violations.join('\n  ')}`,
    );
  }

  const signerUser = checkIamName('user', env.iam.signerUser);
  const signerGroup = checkIamName('group', env.iam.signerGroup);
  const withAdmin = env.keyStore === 'kms';
  const adminUser = withAdmin ? checkIamName('user', env.iam.adminUser) : undefined;
  const adminGroup = withAdmin ? checkIamName('group', env.iam.adminGroup) : undefined;

  const policies: ManagedPolicySpec[] = [];
  const attachments: PolicyAttachment[] = [];
  const addPolicy = (
    name: string,
    description: string,
    document: PolicyDocument,
    {
      bootstrap = false,
      policyTags = tags,
    }: { bootstrap?: boolean; policyTags?: Record<string, string> } = {},
  ): ManagedPolicySpec => {
    checkIamName('policy', name);
    const policy: ManagedPolicySpec = {
      name,
      arn: policyArn(accountId, name),
      description,
      document: checkPolicySize(name, document, 'managed'),
      tags: policyTags,
      ...(bootstrap ? { bootstrap: true as const } : {}),
    };
    policies.push(policy);
    return policy;
  };
  const attach = (policy: ManagedPolicySpec, kind: 'group' | 'role', name: string) =>
    attachments.push({
      policyName: policy.name,
      policyArn: policy.arn,
      target: { kind, name },
      ...(policy.bootstrap ? { bootstrap: true as const } : {}),
    });

  // The cap of every principal of the environment; the administrator's alone (bootstrap).
  const boundary = addPolicy(
    boundaryPolicyName(env.name),
    `${env.name} permissions boundary: its keys, secrets and buckets only`,
    boundaryPolicyDocument(env, bucket),
    { bootstrap: true },
  );
  const bounded = { permissionsBoundary: boundary.arn };

  // Contracted operators: the signer group keeps only the agents left to the core team.
  const operators = operatorsFor(env, keys, bucket);
  for (const roleGrant of grants) {
    if (!roleGrant.role) continue;
    const grant = coreTeamGrant(
      env,
      keys,
      roleGrant,
      operators.coreTeam.homes.get(roleGrant.role) ?? [],
    );
    if (!grant) continue;
    const policy = addPolicy(
      grant.policy,
      `${env.name} ${grant.role} agent keys: sign and read public keys`,
      signerPolicyDocument(env, grant),
    );
    attach(policy, 'group', signerGroup);
  }
  if (operators.coreTeam.uploadsProofs) {
    attach(
      addPolicy(
        uploaderPolicyName(env.name),
        `${env.name} processor: read and write proofs in ${bucket}`,
        uploaderPolicyDocument(bucket),
      ),
      'group',
      signerGroup,
    );
  }
  const operatorRoles: OperatorRoleSpec[] = [];
  const operatorUsers: string[] = [];
  const operatorGroups: string[] = [];
  for (const op of operators.operators) {
    const policy = addPolicy(
      op.policyName,
      `${env.name} operator ${op.name}: sign with its agents' keys${op.uploadsProofs ? ', write proofs' : ''}`,
      op.document,
      { policyTags: checkTags(`policy ${op.policyName}`, op.tags) },
    );
    if (op.principal.kind === 'role') {
      operatorRoles.push({
        operator: op.name,
        name: op.principal.roleName,
        arn: op.principal.roleArn,
        description: `Nomad ${env.name} operator ${op.name}, assumed from ${op.principal.trustedPrincipal}`,
        subject: `${op.principal.trustedPrincipal} with its external id`,
        trustPolicy: op.trustPolicy!,
        maxSessionDurationSeconds: 3600,
        tags: op.tags,
        ...bounded,
        bootstrap: true,
      });
      attachments.push({
        policyName: policy.name,
        policyArn: policy.arn,
        target: { kind: 'role', name: op.principal.roleName },
        bootstrap: true,
      });
    } else {
      operatorUsers.push(op.principal.userName);
      operatorGroups.push(op.principal.groupName);
      attach(policy, 'group', op.principal.groupName);
    }
  }
  const parties: KeyParty[] = [
    ...operators.operators.map((op): KeyParty => ({
      name: op.name,
      principal:
        op.principal.kind === 'role'
          ? { kind: 'role', name: op.principal.roleName }
          : { kind: 'group', name: op.principal.groupName },
      keys: op.keys,
      uploadsProofs: op.uploadsProofs,
    })),
    {
      name: CORE_TEAM,
      principal: { kind: 'group', name: signerGroup },
      keys: [...new Set(operators.coreTeam.agents.flatMap((a) => a.keys))],
      uploadsProofs: operators.coreTeam.uploadsProofs,
    },
  ];
  const operatorTags = (name: string) =>
    operators.operators.find((o) => o.principal.kind === 'user' && o.principal.userName === name)!
      .tags;
  // Account-wide resources change only through the administrator's bootstrap.
  const sharedBootstrap = accountWideIsBootstrap(env.name);
  if (adminGroup) {
    attach(
      addPolicy(
        adminPolicyName(),
        'KMS key administration, without key use',
        kmsAdminPolicyDocument(accountId),
        { policyTags: accountTags, bootstrap: sharedBootstrap },
      ),
      'group',
      adminGroup,
    );
  }
  const bankGrant = grants.find((g) => !g.role);
  if (!bankGrant) throw new InventoryError(`${env.name} has no bank key.`);
  const keymasterPolicy = addPolicy(
    keymasterPolicyName(env.name),
    `${env.name} Keymaster: sign with the bank key only`,
    keymasterPolicyDocument(env, bankGrant),
    { bootstrap: true },
  );

  const repository = env.github.repository ?? options.repository;
  let github: GithubOidcSpec | undefined;
  if (repository) {
    checkRepository(
      repository,
      env.github.repository ? `${env.source} github.repository` : 'the repository option',
    );
    const users = [signerUser, ...operatorUsers];
    const groups = [signerGroup, ...operatorGroups];
    // Before the scope: apply may never rewrite its own drain policy (KeepBootstrapPolicies).
    const drain = addPolicy(...drainPolicy(env), { bootstrap: true });
    const managed = policies.filter((p) => !p.bootstrap);
    const attachable = attachments.filter((a) => !a.bootstrap && a.target.kind === 'group');
    const applyScope: ApplyScope = {
      bucket,
      iam: {
        boundaryArn: boundary.arn,
        owners: [env.name],
        users,
        groups,
        policyArns: managed.map((p) => p.arn),
        attachablePolicyArns: [...new Set(attachable.map((a) => a.policyArn))],
        bootstrapPolicyArns: policies.filter((p) => p.bootstrap).map((p) => p.arn),
      },
    };
    // Each role's managed policies; apply's IAM writes and rotations are their own (size limit).
    const applyRole = githubRoleName(env.name, 'apply');
    const permissions: Record<GithubRoleKind, ManagedPolicySpec[]> = {
      plan: [
        addPolicy(
          githubRoleName(env.name, 'plan'),
          `${env.name} plan from pull requests: read only`,
          planPolicyDocument(env, bucket),
          { bootstrap: true },
        ),
      ],
      apply: (
        [
          ['', 'keys and bucket configuration', applyPolicyDocument(env, applyScope)],
          [
            '-iam',
            "the environment's IAM users, groups and policies",
            applyIamPolicyDocument(env, applyScope),
          ],
          ['-rotate', 'key rotations (stage, switch)', applyRotationPolicyDocument(env)],
        ] as const
      )
        .flatMap(([suffix, what, document]) =>
          document
            ? [
                addPolicy(
                  `${applyRole}${suffix}`,
                  `${env.name} apply: ${what}`,
                  document,
                  BOOTSTRAP,
                ),
              ]
            : [],
        )
        .concat(drain),
      keymaster: [keymasterPolicy],
    };
    github = githubOidcFor(env, repository, {
      permissions,
      attach,
      tags,
      accountTags,
      boundaries: { keymaster: boundary.arn },
    });
  }

  const shared = sharedBootstrap ? { bootstrap: true as const } : {};
  return {
    users: [
      { name: signerUser, tags, ...bounded },
      ...operatorUsers.map((name) => ({ name, tags: operatorTags(name), ...bounded })),
      ...(adminUser ? [{ name: adminUser, tags: accountTags, ...shared }] : []),
    ],
    groups: [
      { name: signerGroup },
      ...operatorGroups.map((name) => ({ name })),
      ...(adminGroup ? [{ name: adminGroup, ...shared }] : []),
    ],
    // IAM cannot limit AddUserToGroup by the user added, and a group's policies are ones the
    // apply role may rewrite: only the administrator puts users in groups (issue 24).
    memberships: [
      { user: signerUser, group: signerGroup, bootstrap: true },
      ...operatorUsers.map((user, i) => ({
        user,
        group: operatorGroups[i]!,
        bootstrap: true as const,
      })),
      ...(adminUser && adminGroup
        ? [{ user: adminUser, group: adminGroup, bootstrap: true as const }]
        : []),
    ],
    policies,
    attachments,
    ...(operatorRoles.length > 0 ? { operatorRoles } : {}),
    // Files without operators render as before operators existed.
    ...(env.operators || env.coreTeam
      ? {
          keyAccess: {
            region: env.aws.region,
            bucket,
            networks: env.networks.map((n) => n.name),
            aliases: keys.filter((k) => k.role).map((k) => k.alias),
            parties,
          },
        }
      : {}),
    ...(github
      ? { github }
      : {
          githubOmitted: `no GitHub repository known: set github.repository in the ${env.name} environment file or pass GITHUB_REPOSITORY; the OIDC provider and the plan, apply and keymaster roles are left out`,
        }),
  };
}

/** The documents of every managed policy attached to a role (what IAM evaluates for it). */
export function roleDocuments(iam: IamInventory, roleName: string): PolicyDocument[] {
  return iam.attachments
    .filter((a) => a.target.kind === 'role' && a.target.name === roleName)
    .flatMap((a) => iam.policies.filter((p) => p.arn === a.policyArn).map((p) => p.document));
}
