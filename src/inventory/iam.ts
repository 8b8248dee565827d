import type { ResolvedEnvironment } from '../config/model.js';
import type { EnvironmentName } from '../config/schema.js';
import { InventoryError } from './errors.js';
import {
  checkRepository,
  GITHUB_OIDC_AUDIENCE,
  GITHUB_OIDC_THUMBPRINTS,
  GITHUB_OIDC_URL,
  githubSubject,
  oidcProviderArn,
} from './github.js';
import { keysFor } from './keys.js';
import {
  adminPolicyName,
  checkBucketName,
  checkIamName,
  checkTags,
  githubRoleName,
  keymasterPolicyName,
  policyArn,
  roleArn,
  uploaderPolicyName,
} from './names.js';
import { keyGrantsFor, keyGrantViolations } from './patterns.js';
import {
  applyPolicyDocument,
  checkPolicySize,
  githubTrustPolicyDocument,
  keymasterPolicyDocument,
  kmsAdminPolicyDocument,
  planPolicyDocument,
  signerPolicyDocument,
  uploaderPolicyDocument,
} from './policies.js';
import { baseTags, SHARED_ENVIRONMENT, sharedTags } from './tags.js';
import type {
  GithubOidcSpec,
  GithubRoleKind,
  GithubRoleSpec,
  IamInventory,
  KeySpec,
  ManagedPolicySpec,
  PolicyAttachment,
  PolicyDocument,
} from './types.js';

export interface IamOptions {
  /** Fallback when the environment file names no repository (e.g. `GITHUB_REPOSITORY`). */
  repository?: string;
  /** `keysFor(env)`, when the caller already has it. */
  keys?: KeySpec[];
}

const GITHUB_ROLE_KINDS: GithubRoleKind[] = ['plan', 'apply', 'keymaster'];

/**
 * Whether the account-wide resources (kms-admin user, group and policy) are bootstrap resources
 * for this environment's apply: they are for every environment but production, whose apply
 * role is the one gated by required reviewers.
 */
export const accountWideIsBootstrap = (env: EnvironmentName) => env !== 'production';

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

  for (const grant of grants) {
    if (!grant.role) continue;
    const policy = addPolicy(
      grant.policy,
      `${env.name} ${grant.role} agent keys: sign and read public keys`,
      signerPolicyDocument(env, grant),
    );
    attach(policy, 'group', signerGroup);
  }
  attach(
    addPolicy(
      uploaderPolicyName(env.name),
      `${env.name} processor: read and write proofs in ${bucket}`,
      uploaderPolicyDocument(bucket),
    ),
    'group',
    signerGroup,
  );
  // Account-wide resources change only through the administrator's bootstrap or the production
  // apply: in any other environment they are bootstrap resources its apply role cannot write.
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
    // The production apply also keeps the account-wide kms-admin in line; no other does.
    const withShared = adminUser !== undefined && adminGroup !== undefined && !sharedBootstrap;
    const users = [signerUser, ...(withShared ? [adminUser] : [])];
    const groups = [signerGroup, ...(withShared ? [adminGroup] : [])];
    const managed = policies.filter((p) => !p.bootstrap);
    const attachable = attachments.filter((a) => !a.bootstrap && a.target.kind === 'group');
    const permissions: Record<GithubRoleKind, ManagedPolicySpec> = {
      plan: addPolicy(
        githubRoleName(env.name, 'plan'),
        `${env.name} plan from pull requests: read only`,
        planPolicyDocument(env, bucket),
        { bootstrap: true },
      ),
      apply: addPolicy(
        githubRoleName(env.name, 'apply'),
        `${env.name} apply: keys, IAM and bucket configuration`,
        applyPolicyDocument(env, {
          bucket,
          iam: {
            owners: [env.name, ...(withShared ? [SHARED_ENVIRONMENT] : [])],
            users,
            groups,
            policyArns: managed.map((p) => p.arn),
            attachablePolicyArns: [...new Set(attachable.map((a) => a.policyArn))],
          },
        }),
        { bootstrap: true },
      ),
      keymaster: keymasterPolicy,
    };
    const providerArn = oidcProviderArn(accountId);
    const roles = GITHUB_ROLE_KINDS.map((kind): GithubRoleSpec => {
      const name = checkIamName('role', githubRoleName(env.name, kind));
      const subject = githubSubject(repository, env.name, kind);
      attach(permissions[kind], 'role', name);
      return {
        kind,
        name,
        arn: roleArn(accountId, name),
        description: `GitHub Actions ${kind} for ${env.name} (${subject})`,
        subject,
        trustPolicy: checkPolicySize(
          name,
          githubTrustPolicyDocument(providerArn, subject),
          'trust',
        ),
        maxSessionDurationSeconds: 3600,
        tags,
        bootstrap: true,
      };
    });
    github = {
      repository,
      provider: {
        url: GITHUB_OIDC_URL,
        arn: providerArn,
        clientIds: [GITHUB_OIDC_AUDIENCE],
        thumbprints: GITHUB_OIDC_THUMBPRINTS,
        tags: accountTags,
        bootstrap: true,
      },
      roles,
    };
  }

  const shared = sharedBootstrap ? { bootstrap: true as const } : {};
  return {
    users: [
      { name: signerUser, tags },
      ...(adminUser ? [{ name: adminUser, tags: accountTags, ...shared }] : []),
    ],
    groups: [{ name: signerGroup }, ...(adminGroup ? [{ name: adminGroup, ...shared }] : [])],
    memberships: [
      { user: signerUser, group: signerGroup },
      ...(adminUser && adminGroup ? [{ user: adminUser, group: adminGroup, ...shared }] : []),
    ],
    policies,
    attachments,
    ...(github
      ? { github }
      : {
          githubOmitted: `no GitHub repository known: set github.repository in the ${env.name} environment file or pass GITHUB_REPOSITORY; the OIDC provider and the plan, apply and keymaster roles are left out`,
        }),
  };
}
