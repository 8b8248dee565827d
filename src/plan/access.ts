import type { IAMClient } from '@aws-sdk/client-iam';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { IamPolicy, PrincipalRef, Tags } from '../aws/iam.js';
import { accessKeySecretName } from '../aws/iam-access-keys.js';
import { type AccessState, principalKey, readAccessState } from '../aws/iam-state.js';
import { deleteInlinePolicyCommand, detachPolicyCommand } from '../aws/iam-inline.js';
import { type IamStep, runIamStep } from '../aws/iam-steps.js';
import { MANAGED_GROUP_PATH, checkIamName } from '../inventory/names.js';
import {
  MANAGED_BY_TAG,
  MANAGED_BY_VALUE,
  SHARED_ENVIRONMENT,
  TAG_KEYS,
  baseTags,
} from '../inventory/tags.js';
import type { IamInventory, Inventory } from '../inventory/types.js';
import { InputError, errorMessage } from '../errors.js';
import { type Change, PRUNE_ACTIONS, WRITING_ACTIONS } from './change.js';
import { type KeyAccessChange, planKeyAccess } from './key-access.js';
import { otherOwnerOf } from './ownership.js';
import { diffPolicies, renderPolicy, samePolicy } from './policy-document.js';
import { reconcile } from './reconcile.js';

/**
 * The access plan (DESIGN §5): IAM users, groups, memberships, managed policies, attachments,
 * the GitHub OIDC provider and roles, and optionally stored access keys of the signer users.
 *
 * plan  = read IAM, compare with the inventory, one Change per resource (pure: `planAccess`).
 * apply = carry out the writing changes in order, then plan again to confirm. Every run plans
 * from what IAM holds now, so a run that died half-way is finished by the next one.
 *
 * Ownership: users, policies, roles and the OIDC provider carry `managed-by=nomad-agent-ops`.
 * IAM groups cannot carry tags; the toolkit creates its groups under the path
 * `MANAGED_GROUP_PATH` and treats only groups there as its own. As every environment of an
 * account shares that path, an unwanted group there is this environment's leftover only when
 * all its members and attached policies are tagged for this environment. Nothing else is ever
 * changed or deleted: an unmarked resource with a wanted name is `broken`, with the command that
 * adopts it.
 */

export { MANAGED_GROUP_PATH };

export type AccessInventory = Pick<Inventory, 'environment' | 'accountId'> & { iam: IamInventory };

export interface AccessOptions {
  /** Remove resources marked as ours for this environment that it no longer wants. */
  prune?: boolean;
  /** Create an access key for each of `accessKeyUsers` that has none stored yet. */
  createAccessKeys?: boolean;
  /** Users that get a stored access key with `createAccessKeys`. Default: every signer user. */
  accessKeyUsers?: string[];
  /**
   * Whether this run may write the resources marked `bootstrap` (OIDC provider, workflow roles
   * and their policies). Default true (an administrator's run); the workflows' apply role
   * cannot and passes false, which reports pending bootstrap changes as `broken`.
   */
  bootstrap?: boolean;
}

/** A Change with the IAM writes that carry it out (empty for exists/broken). */
export interface PlannedChange {
  change: Change<AccessDetail>;
  steps: IamStep[];
}

export interface AccessDetail {
  arn?: string;
  /** Readable line diff of the policy document (actual → wanted), for updates. */
  diff?: string;
  /** The wanted document, rendered canonically, for creates. */
  document?: string;
  tags?: Tags;
  /** What the update changes, one line each. */
  changes?: string[];
  bootstrap?: boolean;
}

/** The access inventory breaks an IAM rule: found before the first AWS call, exit 2. */
export class AccessInputError extends InputError {}

const isManaged = (tags: Tags) => tags[MANAGED_BY_TAG] === MANAGED_BY_VALUE;

/** Wanted tags missing or different on the resource (extra tags are left alone). */
function tagDrift(wanted: Tags, actual: Tags): string[] {
  return Object.entries(wanted)
    .filter(([k, v]) => actual[k] !== v)
    .map(
      ([k, v]) =>
        `tag ${k}: ${actual[k] === undefined ? '(none)' : JSON.stringify(actual[k])} → ${JSON.stringify(v)}`,
    );
}

/**
 * The default access-key users: members of a group that carries an agent signer policy
 * (`{env}-{role}-signer`). The KMS admin gets none.
 */
export function signerUsers(inventory: AccessInventory): string[] {
  const { iam } = inventory;
  const signerGroups = new Set(
    iam.attachments
      .filter((a) => a.target.kind === 'group' && a.policyName.endsWith('-signer'))
      .map((a) => a.target.name),
  );
  return [...new Set(iam.memberships.filter((m) => signerGroups.has(m.group)).map((m) => m.user))];
}

/** Checks names before any call to AWS; throws one error listing every problem. */
export function validateAccessInventory(inventory: AccessInventory): void {
  const problems: string[] = [];
  const check = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      problems.push(errorMessage(error));
    }
  };
  if (!/^\d{12}$/.test(inventory.accountId)) {
    problems.push(`AWS account id "${inventory.accountId}" must be 12 digits.`);
  }
  const { iam } = inventory;
  for (const u of iam.users) check(() => checkIamName('user', u.name));
  for (const g of iam.groups) check(() => checkIamName('group', g.name));
  for (const p of iam.policies) check(() => checkIamName('policy', p.name));
  for (const r of iam.github?.roles ?? []) check(() => checkIamName('role', r.name));
  const policyNames = new Set(iam.policies.map((p) => p.name));
  for (const a of iam.attachments) {
    if (!policyNames.has(a.policyName) && !a.policyArn.startsWith('arn:aws:iam::aws:policy/')) {
      problems.push(
        `attachment of "${a.policyName}" to ${a.target.kind} ${a.target.name} names no policy of the inventory.`,
      );
    }
  }
  if (problems.length > 0) {
    throw new AccessInputError(
      `The access inventory is invalid; nothing was changed:\n  ${problems.join('\n  ')}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// plan (pure)

export function planAccess(
  inventory: AccessInventory,
  state: AccessState,
  options: AccessOptions = {},
): PlannedChange[] {
  const { iam } = inventory;
  const env = inventory.environment;
  const out: PlannedChange[] = [];
  const add = (change: Change<AccessDetail>, steps: IamStep[] = []) => out.push({ change, steps });
  const bootstrapOk = options.bootstrap ?? true;
  const prune = options.prune ?? false;
  const accountWide = accountWideIds(iam);
  /**
   * Bootstrap resources this run may not write become `broken` with what to do. A removal only
   * counts when this run prunes; without prune it is listed and never carried out.
   */
  const gate: Gate = (change, steps, bootstrap) => {
    if (
      bootstrap &&
      !bootstrapOk &&
      WRITING_ACTIONS.has(change.action) &&
      (!PRUNE_ACTIONS.has(change.action) || prune)
    ) {
      add(
        {
          ...change,
          action: 'broken',
          reason: `${change.reason} — a bootstrap resource: apply it with administrator credentials (nomad-ops iam apply, which writes bootstrap resources unless given --no-bootstrap)${accountWide.has(change.id) ? '; an account-wide resource, which the production apply also writes' : ''}`,
          detail: { ...change.detail, bootstrap: true },
        },
        [],
      );
    } else {
      add(change, steps);
    }
  };

  /** Whether a principal exists (or is about to be created) and is ours to change. */
  const usable = new Map<string, boolean>();

  // OIDC provider
  const github = iam.github;
  if (github) {
    const p = github.provider;
    const host = p.url.replace(/^https:\/\//, '');
    const actual = state.oidcProvider;
    const base = { kind: 'iam-oidc-provider', id: host };
    if (!actual) {
      gate(
        {
          ...base,
          action: 'create',
          reason: `no OIDC provider for ${p.url}`,
          detail: { arn: p.arn, tags: p.tags },
        },
        [
          {
            op: 'createOidcProvider',
            url: p.url,
            clientIds: p.clientIds,
            thumbprints: p.thumbprints,
            tags: p.tags,
          },
        ],
        p.bootstrap,
      );
    } else {
      const missingAudiences = p.clientIds.filter((id) => !actual.clientIds.includes(id));
      if (!isManaged(actual.tags)) {
        if (missingAudiences.length === 0) {
          add({
            ...base,
            action: 'exists',
            reason: 'exists (not created by the toolkit; used as is, never changed)',
            detail: { arn: p.arn },
          });
        } else {
          add({
            ...base,
            action: 'broken',
            reason: `exists without tag ${MANAGED_BY_TAG}=${MANAGED_BY_VALUE} and lacks audience ${missingAudiences.join(', ')}; add the audience yourself, or tag it to let the toolkit manage it: aws iam tag-open-id-connect-provider --open-id-connect-provider-arn ${p.arn} --tags Key=${MANAGED_BY_TAG},Value=${MANAGED_BY_VALUE}`,
            detail: { arn: p.arn },
          });
        }
      } else {
        const steps: IamStep[] = [];
        const changes: string[] = [];
        for (const id of missingAudiences) {
          steps.push({ op: 'addOidcClientId', arn: p.arn, clientId: id });
          changes.push(`add audience ${id}`);
        }
        if (
          p.thumbprints.length > 0 &&
          !sameSet(p.thumbprints.map(lower), actual.thumbprints.map(lower))
        ) {
          steps.push({ op: 'updateOidcThumbprints', arn: p.arn, thumbprints: p.thumbprints });
          changes.push(`thumbprints ${actual.thumbprints.join(',')} → ${p.thumbprints.join(',')}`);
        }
        const drift = tagDrift(p.tags, actual.tags);
        if (drift.length > 0) {
          steps.push({ op: 'tagOidcProvider', arn: p.arn, tags: p.tags });
          changes.push(...drift);
        }
        gate(existsOrUpdate(base, p.arn, steps, changes, 'exists as wanted'), steps, p.bootstrap);
      }
    }
  }

  // users
  for (const u of iam.users) {
    const actual = state.users[u.name];
    const base = { kind: 'iam-user', id: u.name };
    if (!actual) {
      gate(
        { ...base, action: 'create', reason: 'no such user', detail: { tags: u.tags } },
        [{ op: 'createUser', name: u.name, tags: u.tags }],
        u.bootstrap,
      );
      usable.set(principalKey({ kind: 'user', name: u.name }), true);
    } else if (!isManaged(actual.tags)) {
      add({
        ...base,
        action: 'broken',
        reason: `exists without tag ${MANAGED_BY_TAG}=${MANAGED_BY_VALUE}: the toolkit will not change it. To adopt it: aws iam tag-user --user-name ${u.name} --tags Key=${MANAGED_BY_TAG},Value=${MANAGED_BY_VALUE}`,
        detail: { arn: actual.arn },
      });
      usable.set(principalKey({ kind: 'user', name: u.name }), false);
    } else if (otherOwnerOf(u.tags, actual.tags)) {
      add({
        ...base,
        action: 'broken',
        reason: otherOwnerOf(u.tags, actual.tags)!,
        detail: { arn: actual.arn },
      });
      usable.set(principalKey({ kind: 'user', name: u.name }), false);
    } else {
      const drift = tagDrift(u.tags, actual.tags);
      gate(
        drift.length === 0
          ? { ...base, action: 'exists', reason: 'exists as wanted', detail: { arn: actual.arn } }
          : {
              ...base,
              action: 'update',
              reason: drift.join('; '),
              detail: { arn: actual.arn, changes: drift },
            },
        drift.length === 0 ? [] : [{ op: 'tagUser', name: u.name, tags: u.tags }],
        u.bootstrap,
      );
      usable.set(principalKey({ kind: 'user', name: u.name }), true);
    }
  }

  // groups
  for (const g of iam.groups) {
    const actual = state.groups[g.name];
    const base = { kind: 'iam-group', id: g.name };
    if (!actual) {
      gate(
        {
          ...base,
          action: 'create',
          reason: `no such group (created under path ${MANAGED_GROUP_PATH})`,
        },
        [{ op: 'createGroup', name: g.name, path: MANAGED_GROUP_PATH }],
        g.bootstrap,
      );
      usable.set(principalKey({ kind: 'group', name: g.name }), true);
    } else if (actual.path !== MANAGED_GROUP_PATH) {
      add({
        ...base,
        action: 'broken',
        reason: `exists under path ${actual.path}, not ${MANAGED_GROUP_PATH} (IAM groups cannot be tagged; the path marks the toolkit's groups): the toolkit will not change it. To adopt it: aws iam update-group --group-name ${g.name} --new-path ${MANAGED_GROUP_PATH}`,
        detail: { arn: actual.arn },
      });
      usable.set(principalKey({ kind: 'group', name: g.name }), false);
    } else {
      add({ ...base, action: 'exists', reason: 'exists as wanted', detail: { arn: actual.arn } });
      usable.set(principalKey({ kind: 'group', name: g.name }), true);
    }
  }

  // managed policies
  const policyUsable = new Map<string, boolean>();
  for (const p of iam.policies) {
    const actual = state.policies[p.arn];
    const base = { kind: 'iam-policy', id: p.name };
    const document = JSON.stringify(p.document);
    if (!actual) {
      gate(
        {
          ...base,
          action: 'create',
          reason: 'no such policy',
          detail: { arn: p.arn, document: renderPolicy(p.document), tags: p.tags },
        },
        [
          {
            op: 'createPolicy',
            name: p.name,
            path: pathOfPolicyArn(p.arn),
            description: p.description,
            document,
            tags: p.tags,
          },
        ],
        p.bootstrap,
      );
      policyUsable.set(p.arn, true);
      continue;
    }
    if (!isManaged(actual.tags)) {
      add({
        ...base,
        action: 'broken',
        reason: `exists without tag ${MANAGED_BY_TAG}=${MANAGED_BY_VALUE}: the toolkit will not change or attach it. To adopt it: aws iam tag-policy --policy-arn ${p.arn} --tags Key=${MANAGED_BY_TAG},Value=${MANAGED_BY_VALUE}`,
        detail: { arn: p.arn, diff: diffPolicies(actual.document, p.document) || undefined },
      });
      policyUsable.set(p.arn, false);
      continue;
    }
    const policyOwner = otherOwnerOf(p.tags, actual.tags);
    if (policyOwner) {
      add({ ...base, action: 'broken', reason: policyOwner, detail: { arn: p.arn } });
      policyUsable.set(p.arn, false);
      continue;
    }
    policyUsable.set(p.arn, true);
    const steps: IamStep[] = [];
    const changes: string[] = [];
    let diff: string | undefined;
    if (!samePolicy(actual.document, p.document)) {
      diff = diffPolicies(actual.document, p.document);
      const evict = versionToEvict(actual);
      if (evict) {
        steps.push({ op: 'deletePolicyVersion', arn: p.arn, versionId: evict });
        changes.push(`delete oldest non-default version ${evict} (IAM keeps at most 5)`);
      }
      steps.push({ op: 'createPolicyVersion', arn: p.arn, document });
      changes.push(
        `document differs from default version ${actual.defaultVersionId}: new default version`,
      );
    }
    const drift = tagDrift(p.tags, actual.tags);
    if (drift.length > 0) {
      steps.push({ op: 'tagPolicy', arn: p.arn, tags: p.tags });
      changes.push(...drift);
    }
    gate(
      existsOrUpdate(base, p.arn, steps, changes, 'document and tags as wanted', diff),
      steps,
      p.bootstrap,
    );
  }

  // roles: the workflows', then the contracted operators'
  for (const r of [...(github?.roles ?? []), ...(iam.operatorRoles ?? [])]) {
    const actual = state.roles[r.name];
    const base = { kind: 'iam-role', id: r.name };
    const trustPolicy = JSON.stringify(r.trustPolicy);
    const key = principalKey({ kind: 'role', name: r.name });
    if (!actual) {
      gate(
        {
          ...base,
          action: 'create',
          reason: `no such role (trusted for ${r.subject})`,
          detail: { arn: r.arn, document: renderPolicy(r.trustPolicy), tags: r.tags },
        },
        [
          {
            op: 'createRole',
            name: r.name,
            path: '/',
            trustPolicy,
            description: r.description,
            maxSessionDuration: r.maxSessionDurationSeconds,
            tags: r.tags,
          },
        ],
        r.bootstrap,
      );
      usable.set(key, true);
      continue;
    }
    if (!isManaged(actual.tags)) {
      add({
        ...base,
        action: 'broken',
        reason: `exists without tag ${MANAGED_BY_TAG}=${MANAGED_BY_VALUE}: the toolkit will not change it. To adopt it: aws iam tag-role --role-name ${r.name} --tags Key=${MANAGED_BY_TAG},Value=${MANAGED_BY_VALUE}`,
        detail: { arn: actual.arn },
      });
      usable.set(key, false);
      continue;
    }
    const roleOwner = otherOwnerOf(r.tags, actual.tags);
    if (roleOwner) {
      add({ ...base, action: 'broken', reason: roleOwner, detail: { arn: actual.arn } });
      usable.set(key, false);
      continue;
    }
    usable.set(key, true);
    const steps: IamStep[] = [];
    const changes: string[] = [];
    let diff: string | undefined;
    if (!samePolicy(actual.trustPolicy, r.trustPolicy)) {
      diff = diffPolicies(actual.trustPolicy, r.trustPolicy);
      steps.push({ op: 'updateTrustPolicy', name: r.name, trustPolicy });
      changes.push('trust policy differs');
    }
    if (
      (actual.description ?? '') !== r.description ||
      actual.maxSessionDuration !== r.maxSessionDurationSeconds
    ) {
      steps.push({
        op: 'updateRole',
        name: r.name,
        description: r.description,
        maxSessionDuration: r.maxSessionDurationSeconds,
      });
      if ((actual.description ?? '') !== r.description)
        changes.push(`description → ${JSON.stringify(r.description)}`);
      if (actual.maxSessionDuration !== r.maxSessionDurationSeconds) {
        changes.push(
          `max session ${actual.maxSessionDuration ?? '?'}s → ${r.maxSessionDurationSeconds}s`,
        );
      }
    }
    const drift = tagDrift(r.tags, actual.tags);
    if (drift.length > 0) {
      steps.push({ op: 'tagRole', name: r.name, tags: r.tags });
      changes.push(...drift);
    }
    gate(
      existsOrUpdate(base, actual.arn, steps, changes, 'trust policy and settings as wanted', diff),
      steps,
      r.bootstrap,
    );
  }

  // memberships
  const wantedMembers = new Set<string>();
  for (const m of iam.memberships) {
    wantedMembers.add(`${m.group}/${m.user}`);
    const base = { kind: 'iam-group-membership', id: `${m.user} in ${m.group}` };
    const blocked = [
      principalKey({ kind: 'user', name: m.user }),
      principalKey({ kind: 'group', name: m.group }),
    ].filter((k) => usable.get(k) !== true);
    if (state.groups[m.group]?.members.includes(m.user)) {
      add({ ...base, action: 'exists', reason: 'member as wanted' });
    } else if (blocked.length > 0) {
      add({
        ...base,
        action: 'broken',
        reason: `cannot add: ${blocked.join(', ')} is not managed by the toolkit (see above)`,
      });
    } else {
      gate(
        { ...base, action: 'create', reason: 'not a member' },
        [{ op: 'addUserToGroup', user: m.user, group: m.group }],
        m.bootstrap,
      );
    }
  }

  // attachments
  const wantedAttachments = new Set<string>();
  for (const a of iam.attachments) {
    const principal: PrincipalRef = a.target;
    const key = principalKey(principal);
    wantedAttachments.add(`${key}|${a.policyArn}`);
    const base = {
      kind: 'iam-policy-attachment',
      id: `${a.policyName} → ${a.target.kind} ${a.target.name}`,
    };
    const attached = state.attached[key] ?? [];
    if (attached.includes(a.policyArn)) {
      add({
        ...base,
        action: 'exists',
        reason: 'attached as wanted',
        detail: { arn: a.policyArn },
      });
      continue;
    }
    const problems: string[] = [];
    if (usable.get(key) !== true) problems.push(`${key} is not managed by the toolkit`);
    if (policyUsable.get(a.policyArn) === false)
      problems.push(`policy ${a.policyName} is not managed by the toolkit`);
    if (problems.length > 0) {
      add({
        ...base,
        action: 'broken',
        reason: `cannot attach: ${problems.join('; ')} (see above)`,
        detail: { arn: a.policyArn },
      });
      continue;
    }
    gate(
      { ...base, action: 'create', reason: 'not attached', detail: { arn: a.policyArn } },
      [{ op: 'attachPolicy', principal, arn: a.policyArn }],
      a.bootstrap,
    );
  }

  // access keys (only on request)
  if (options.createAccessKeys) {
    for (const user of options.accessKeyUsers ?? signerUsers(inventory)) {
      const base = { kind: 'iam-access-key', id: user };
      const keys = state.accessKeys[user] ?? { keyIds: [], secretExists: false };
      const secretName = accessKeySecretName(env, user);
      if (keys.secretExists) {
        add({ ...base, action: 'exists', reason: `stored in Secrets Manager as ${secretName}` });
      } else if (usable.get(principalKey({ kind: 'user', name: user })) !== true) {
        add({
          ...base,
          action: 'broken',
          reason: `user ${user} is not wanted or not managed by the toolkit`,
        });
      } else {
        // No key is stored, so every key the user has was never stored: an earlier
        // --create-access-keys died between CreateAccessKey and storing it. Nobody can read
        // those keys; they go, and one new key is created and stored (at most one per user).
        const unstored = keys.keyIds;
        add(
          {
            ...base,
            action: unstored.length > 0 ? 'update' : 'create',
            reason:
              (unstored.length > 0
                ? `${unstored.length} access key(s) never stored (${unstored.join(', ')}; an earlier run stopped before storing them): deleted, then `
                : '') + `no key stored as ${secretName}; a new key goes there and is never printed`,
          },
          [
            ...unstored.map((accessKeyId): IamStep => ({
              op: 'deleteAccessKey',
              user,
              accessKeyId,
            })),
            {
              op: 'createStoredAccessKey',
              user,
              secretName,
              tags: { ...baseTags(env), 'nomad:iam-user': user },
            },
          ],
        );
      }
    }
  }

  planLeftovers(state, { wantedMembers, wantedAttachments, usable }, add, gate);
  planDrift(state, { wantedMembers, wantedAttachments, usable, accountWide }, gate);
  return out;
}

/** Ids of the rows of account-wide resources (tagged `shared`): kms-admin and its group. */
function accountWideIds(iam: IamInventory): Set<string> {
  const shared = (tags: Tags) => tags[TAG_KEYS.environment] === SHARED_ENVIRONMENT;
  const users = iam.users.filter((u) => shared(u.tags)).map((u) => u.name);
  const groups = iam.memberships.filter((m) => users.includes(m.user)).map((m) => m.group);
  return new Set([
    ...users,
    ...groups,
    ...iam.memberships.filter((m) => users.includes(m.user)).map((m) => `${m.user} in ${m.group}`),
    ...iam.policies.filter((p) => shared(p.tags)).map((p) => p.name),
    ...iam.attachments
      .filter((a) => groups.includes(a.target.name) && a.target.kind === 'group')
      .map((a) => `${a.policyName} → group ${a.target.name}`),
  ]);
}

/**
 * Privilege added by hand to the toolkit's principals (DESIGN §5): a policy attached that the
 * toolkit does not manage (AWS-managed or untagged), an inline policy (the toolkit writes none),
 * a member of its group that is not the toolkit's user. Each is a `drift` row that fails the
 * plan, with the command that removes it; prune removes it, through the bootstrap gate for roles
 * and account-wide principals. Only principals the toolkit manages for this run are looked at,
 * so nothing outside them is ever touched.
 */
function planDrift(
  state: AccessState,
  wanted: {
    wantedMembers: Set<string>;
    wantedAttachments: Set<string>;
    usable: Map<string, boolean>;
    accountWide: Set<string>;
  },
  gate: Gate,
): void {
  const ours = (p: PrincipalRef) => wanted.usable.get(principalKey(p)) === true;
  const gated = (p: PrincipalRef) => p.kind === 'role' || wanted.accountWide.has(p.name);
  const leftoverUsers = new Set(state.leftovers.users.map((u) => u.user.name));
  const why = (what: string, command: string) =>
    `${what}, not by the toolkit: it widens what this principal may do. Remove it (nomad-ops iam apply --prune, or \`${command}\`), or if it is meant, make it part of the environment file`;

  for (const [group, actual] of Object.entries(state.groups)) {
    const principal: PrincipalRef = { kind: 'group', name: group };
    if (!actual || !ours(principal)) continue;
    for (const user of actual.members) {
      if (wanted.wantedMembers.has(`${group}/${user}`)) continue;
      // The toolkit's own users: wanted elsewhere, or leftovers removed with their user.
      if (ours({ kind: 'user', name: user }) || leftoverUsers.has(user)) continue;
      gate(
        {
          kind: 'iam-group-membership',
          id: `${user} in ${group}`,
          action: 'drift',
          reason: why(
            `member added by hand`,
            `aws iam remove-user-from-group --group-name ${group} --user-name ${user}`,
          ),
        },
        [{ op: 'removeUserFromGroup', user, group }],
        gated(principal),
      );
    }
  }
  for (const [key, arns] of Object.entries(state.attached)) {
    if (wanted.usable.get(key) !== true) continue;
    const principal = principalOfKey(key);
    for (const arn of arns) {
      if (wanted.wantedAttachments.has(`${key}|${arn}`)) continue;
      const tags = state.attachedPolicyTags[arn];
      if (tags && isManaged(tags)) continue; // the toolkit's, not wanted here: a leftover row
      gate(
        {
          kind: 'iam-policy-attachment',
          id: `${policyNameOfArn(arn)} → ${principal.kind} ${principal.name}`,
          action: 'drift',
          reason: why(`policy ${arn} attached by hand`, detachPolicyCommand(principal, arn)),
          detail: { arn },
        },
        [{ op: 'detachPolicy', principal, arn }],
        gated(principal),
      );
    }
  }
  for (const [key, names] of Object.entries(state.inline)) {
    if (wanted.usable.get(key) !== true) continue;
    const principal = principalOfKey(key);
    for (const policyName of names) {
      gate(
        {
          kind: 'iam-inline-policy',
          id: `${policyName} on ${principal.kind} ${principal.name}`,
          action: 'drift',
          reason: why(
            'inline policy written by hand',
            deleteInlinePolicyCommand(principal, policyName),
          ),
        },
        [{ op: 'deleteInlinePolicy', principal, policyName }],
        gated(principal),
      );
    }
  }
}

const principalOfKey = (key: string): PrincipalRef => {
  const [kind, name] = key.split(':') as [PrincipalRef['kind'], string];
  return { kind, name };
};

type Gate = (
  change: Change<AccessDetail>,
  steps: IamStep[],
  bootstrap: boolean | undefined,
) => void;

function planLeftovers(
  state: AccessState,
  wanted: {
    wantedMembers: Set<string>;
    wantedAttachments: Set<string>;
    usable: Map<string, boolean>;
  },
  add: (change: Change<AccessDetail>, steps?: IamStep[]) => void,
  gate: Gate,
): void {
  const why =
    'marked as managed by the toolkit for this environment, no longer wanted; removed only with prune';
  const leftoverUsers = new Set(state.leftovers.users.map((u) => u.user.name));

  // Stray memberships and attachments on the wanted principals that are ours.
  for (const [group, actual] of Object.entries(state.groups)) {
    if (!actual || wanted.usable.get(principalKey({ kind: 'group', name: group })) !== true)
      continue;
    for (const user of actual.members) {
      const ours =
        wanted.usable.get(principalKey({ kind: 'user', name: user })) === true ||
        leftoverUsers.has(user);
      if (wanted.wantedMembers.has(`${group}/${user}`) || !ours || leftoverUsers.has(user))
        continue;
      add(
        { kind: 'iam-group-membership', id: `${user} in ${group}`, action: 'remove', reason: why },
        [{ op: 'removeUserFromGroup', user, group }],
      );
    }
  }
  for (const [key, arns] of Object.entries(state.attached)) {
    if (wanted.usable.get(key) !== true) continue;
    const [kind, name] = key.split(':') as [PrincipalRef['kind'], string];
    for (const arn of arns) {
      if (wanted.wantedAttachments.has(`${key}|${arn}`)) continue;
      if (state.leftovers.policies.some((p) => p.policy.arn === arn)) continue; // removed with its policy
      const base = {
        kind: 'iam-policy-attachment',
        id: `${policyNameOfArn(arn)} → ${kind} ${name}`,
      };
      const tags = state.attachedPolicyTags[arn];
      if (!tags || !isManaged(tags)) continue; // privilege added by hand: a drift row (planDrift)
      // Every role of the toolkit is a bootstrap resource: only an administrator changes it.
      gate(
        {
          ...base,
          action: 'remove',
          reason: `policy managed by the toolkit, not wanted on this ${kind}; removed only with prune`,
          detail: { arn },
        },
        [{ op: 'detachPolicy', principal: { kind, name }, arn }],
        kind === 'role',
      );
    }
  }

  // Principals go first, each undoing its own links; a policy goes last and detaches only from
  // principals that stay (a detach from a principal already deleted would fail).
  const leftoverGroups = new Set(state.leftovers.groups.map((g) => g.group.name));
  const leftoverPrincipals = new Set([
    ...[...leftoverUsers].map((name) => principalKey({ kind: 'user', name })),
    ...[...leftoverGroups].map((name) => principalKey({ kind: 'group', name })),
    ...state.leftovers.roles.map((r) => principalKey({ kind: 'role', name: r.role.name })),
  ]);
  for (const { user, groups, attached, accessKeys } of state.leftovers.users) {
    add(
      { kind: 'iam-user', id: user.name, action: 'remove', reason: why, detail: { arn: user.arn } },
      [
        ...groups.map((group): IamStep => ({ op: 'removeUserFromGroup', user: user.name, group })),
        ...attached.map((arn): IamStep => ({
          op: 'detachPolicy',
          principal: { kind: 'user', name: user.name },
          arn,
        })),
        ...accessKeys.map((accessKeyId): IamStep => ({
          op: 'deleteAccessKey',
          user: user.name,
          accessKeyId,
        })),
        { op: 'deleteUser', name: user.name },
      ],
    );
  }
  for (const { group, attached } of state.leftovers.groups) {
    add(
      {
        kind: 'iam-group',
        id: group.name,
        action: 'remove',
        reason: `under ${MANAGED_GROUP_PATH}, holding only this environment's users and policies, no longer wanted; removed only with prune`,
        detail: { arn: group.arn },
      },
      [
        ...group.members
          .filter((user) => !leftoverUsers.has(user))
          .map((user): IamStep => ({ op: 'removeUserFromGroup', user, group: group.name })),
        ...attached.map((arn): IamStep => ({
          op: 'detachPolicy',
          principal: { kind: 'group', name: group.name },
          arn,
        })),
        { op: 'deleteGroup', name: group.name },
      ],
    );
  }
  for (const { role, attached } of state.leftovers.roles) {
    gate(
      { kind: 'iam-role', id: role.name, action: 'remove', reason: why, detail: { arn: role.arn } },
      [
        ...attached.map((arn): IamStep => ({
          op: 'detachPolicy',
          principal: { kind: 'role', name: role.name },
          arn,
        })),
        { op: 'deleteRole', name: role.name },
      ],
      true,
    );
  }
  for (const { policy, entities } of state.leftovers.policies) {
    add(
      {
        kind: 'iam-policy',
        id: policy.name,
        action: 'remove',
        reason: why,
        detail: { arn: policy.arn },
      },
      [
        ...entities
          .filter((principal) => !leftoverPrincipals.has(principalKey(principal)))
          .map((principal): IamStep => ({ op: 'detachPolicy', principal, arn: policy.arn })),
        ...policy.versions
          .filter((v) => !v.isDefault)
          .map((v): IamStep => ({
            op: 'deletePolicyVersion',
            arn: policy.arn,
            versionId: v.versionId,
          })),
        { op: 'deletePolicy', arn: policy.arn },
      ],
    );
  }
  for (const provider of state.leftovers.oidcProviders) {
    gate(
      {
        kind: 'iam-oidc-provider',
        id: provider.url,
        action: 'remove',
        reason: why,
        detail: { arn: provider.arn },
      },
      [{ op: 'deleteOidcProvider', arn: provider.arn }],
      true,
    );
  }
}

/** With 5 versions (IAM's limit) the oldest non-default one must go before a new one is added. */
export function versionToEvict(policy: Pick<IamPolicy, 'versions'>): string | undefined {
  if (policy.versions.length < 5) return undefined;
  const candidates = policy.versions.filter((v) => !v.isDefault);
  candidates.sort((a, b) => {
    const byDate = (a.created?.getTime() ?? 0) - (b.created?.getTime() ?? 0);
    return byDate !== 0 ? byDate : versionNumber(a.versionId) - versionNumber(b.versionId);
  });
  return candidates[0]?.versionId;
}

const versionNumber = (id: string) => Number(id.replace(/^v/, '')) || 0;
const lower = (s: string) => s.toLowerCase();
const sameSet = (a: string[], b: string[]) =>
  a.length === b.length && a.every((x) => b.includes(x));
const policyNameOfArn = (arn: string) => arn.slice(arn.lastIndexOf('/') + 1);
/** `arn:aws:iam::1:policy/a/b/name` → `/a/b/`. */
function pathOfPolicyArn(arn: string): string {
  const rest = arn.slice(arn.indexOf(':policy/') + ':policy'.length);
  return rest.slice(0, rest.lastIndexOf('/') + 1) || '/';
}

// ---------------------------------------------------------------------------------------------
// run

export interface AccessClients {
  iam: IAMClient;
  secrets: SecretsManagerClient;
}

export interface RunAccessInput extends AccessOptions {
  inventory: AccessInventory;
  clients: AccessClients;
  mode: 'plan' | 'apply';
  /** Called before each write with a one-line description (no documents, no secrets). */
  onStep?: (description: string) => void;
}

export interface AccessResult {
  /** The plan (in apply mode: the plan that was applied). */
  changes: Change<AccessDetail>[];
  /** apply only: the plan read again after applying; all `exists` when apply converged. */
  after?: Change<AccessDetail>[];
  /** plan: nothing broken. apply: nothing broken and nothing left to do (removes count only with prune). */
  ok: boolean;
  /** Who can sign with which key, now and as wanted, by party (files that list operators). */
  keyAccess?: KeyAccessChange[];
}

function queryFor(inventory: AccessInventory, options: AccessOptions) {
  const { iam } = inventory;
  const principals: PrincipalRef[] = [
    ...iam.users.map((u) => ({ kind: 'user' as const, name: u.name })),
    ...iam.groups.map((g) => ({ kind: 'group' as const, name: g.name })),
    ...(iam.github?.roles ?? []).map((r) => ({ kind: 'role' as const, name: r.name })),
    ...(iam.operatorRoles ?? []).map((r) => ({ kind: 'role' as const, name: r.name })),
  ];
  const scope = baseTags(inventory.environment);
  return {
    users: iam.users.map((u) => u.name),
    groups: iam.groups.map((g) => g.name),
    policyArns: iam.policies.map((p) => p.arn),
    roles: [...(iam.github?.roles ?? []), ...(iam.operatorRoles ?? [])].map((r) => r.name),
    oidcProviderArn: iam.github?.provider.arn,
    principals,
    accessKeys: options.createAccessKeys
      ? (options.accessKeyUsers ?? signerUsers(inventory)).map((user) => ({
          user,
          secretName: accessKeySecretName(inventory.environment, user),
        }))
      : [],
    isOurs: (tags: Tags) => Object.entries(scope).every(([k, v]) => tags[k] === v),
    managedGroupPath: MANAGED_GROUP_PATH,
  };
}

/**
 * Plans, and in apply mode carries out the plan and plans again, through the one reconcile loop.
 * The clients must act in `inventory.accountId`: `awsForEnvironment` checks that once, before any
 * job gets them. IAM changes build on one another in plan order, so the first failing write stops
 * the apply and is thrown; the next run plans from what was written.
 */
export async function runAccess(input: RunAccessInput): Promise<AccessResult> {
  const { inventory, clients } = input;
  validateAccessInventory(inventory);
  let first: AccessState | undefined;
  const result = await reconcile<AccessState, Change<AccessDetail>, IamStep>(
    {
      read: async () => {
        const state = await readAccessState(clients, queryFor(inventory, input));
        first ??= state;
        return state;
      },
      plan: (state) => planAccess(inventory, state, input),
      runStep: (step) => runIamStep(clients, step),
      describeStep: (step, change) => `${change.kind} ${change.id}: ${step.op}`,
    },
    {
      mode: input.mode,
      prune: input.prune ?? false,
      stopOnFailure: true,
      ...(input.onStep ? { onStep: input.onStep } : {}),
    },
  );
  const keyAccess = planKeyAccess(inventory.iam, inventory.accountId, first!);
  return {
    changes: result.changes,
    ...(result.after ? { after: result.after } : {}),
    ok: result.ok,
    ...(keyAccess ? { keyAccess } : {}),
  };
}

/** `exists` when there is nothing to do; otherwise `update`, listing every difference. */
function existsOrUpdate(
  base: { kind: string; id: string },
  arn: string,
  steps: readonly IamStep[],
  changes: string[],
  unchangedReason: string,
  diff?: string,
): Change<AccessDetail> {
  if (steps.length === 0)
    return { ...base, action: 'exists', reason: unchangedReason, detail: { arn } };
  return {
    ...base,
    action: 'update',
    reason: changes.join('; '),
    detail: { arn, changes, ...(diff ? { diff } : {}) },
  };
}
