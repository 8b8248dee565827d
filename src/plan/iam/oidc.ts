import type { IamStep } from '../../aws/iam-steps.js';
import { MANAGED_BY_TAG, MANAGED_BY_VALUE } from '../../inventory/tags.js';
import {
  boundaryChange,
  existsOrUpdate,
  isManaged,
  refusal,
  row,
  tagCommand,
  tagDrift,
} from './rows.js';
import type { IamPlanner, IamRow } from './types.js';
import { diffPolicies, renderPolicy, samePolicy } from '../policy-document.js';

/**
 * The GitHub OIDC provider. One made by somebody else is used as is when it has our audience,
 * and never changed; the toolkit's own gets missing audiences, thumbprints and tags.
 */
export const planOidcProvider: IamPlanner = ({ inventory, state }) => {
  const p = inventory.iam.github?.provider;
  if (!p) return [];
  const host = p.url.replace(/^https:\/\//, '');
  const actual = state.oidcProvider;
  const base = { kind: 'iam-oidc-provider', id: host };
  if (!actual) {
    return [
      row(
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
      ),
    ];
  }
  const missingAudiences = p.clientIds.filter((id) => !actual.clientIds.includes(id));
  if (!isManaged(actual.tags)) {
    if (missingAudiences.length === 0) {
      return [
        row({
          ...base,
          action: 'exists',
          reason: 'exists (not created by the toolkit; used as is, never changed)',
          detail: { arn: p.arn },
        }),
      ];
    }
    return [
      row({
        ...base,
        action: 'broken',
        reason: `exists without tag ${MANAGED_BY_TAG}=${MANAGED_BY_VALUE} and lacks audience ${missingAudiences.join(', ')}; add the audience yourself, or tag it to let the toolkit manage it: aws iam tag-open-id-connect-provider --open-id-connect-provider-arn ${p.arn} --tags Key=${MANAGED_BY_TAG},Value=${MANAGED_BY_VALUE}`,
        detail: { arn: p.arn },
      }),
    ];
  }
  const steps: IamStep[] = [];
  const changes: string[] = [];
  for (const id of missingAudiences) {
    steps.push({ op: 'addOidcClientId', arn: p.arn, clientId: id });
    changes.push(`add audience ${id}`);
  }
  const lower = (xs: string[]) => xs.map((x) => x.toLowerCase());
  if (p.thumbprints.length > 0 && !sameSet(lower(p.thumbprints), lower(actual.thumbprints))) {
    steps.push({ op: 'updateOidcThumbprints', arn: p.arn, thumbprints: p.thumbprints });
    changes.push(`thumbprints ${actual.thumbprints.join(',')} → ${p.thumbprints.join(',')}`);
  }
  const drift = tagDrift(p.tags, actual.tags);
  if (drift.length > 0) {
    steps.push({ op: 'tagOidcProvider', arn: p.arn, tags: p.tags });
    changes.push(...drift);
  }
  return [row(existsOrUpdate(base, p.arn, steps, changes, 'exists as wanted'), steps, p.bootstrap)];
};

/** Roles: the workflows' (trusted through the OIDC provider), then the contracted operators'. */
export const planRoles: IamPlanner = ({ inventory, state }) =>
  [...(inventory.iam.github?.roles ?? []), ...(inventory.iam.operatorRoles ?? [])].map(
    (r): IamRow => {
      const actual = state.roles[r.name];
      const base = { kind: 'iam-role', id: r.name };
      const trustPolicy = JSON.stringify(r.trustPolicy);
      if (!actual) {
        return row(
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
              ...(r.permissionsBoundary ? { permissionsBoundary: r.permissionsBoundary } : {}),
            },
          ],
          r.bootstrap,
        );
      }
      const refused = refusal(r.tags, actual.tags, tagCommand('role', r.name));
      if (refused) {
        return row({ ...base, action: 'broken', reason: refused, detail: { arn: actual.arn } });
      }
      const steps: IamStep[] = [];
      const changes: string[] = [];
      let diff: string | undefined;
      if (!samePolicy(actual.trustPolicy, r.trustPolicy)) {
        diff = diffPolicies(actual.trustPolicy, r.trustPolicy);
        steps.push({ op: 'updateTrustPolicy', name: r.name, trustPolicy });
        changes.push('trust policy differs');
      }
      const description = (actual.description ?? '') !== r.description;
      const session = actual.maxSessionDuration !== r.maxSessionDurationSeconds;
      if (description || session) {
        steps.push({
          op: 'updateRole',
          name: r.name,
          description: r.description,
          maxSessionDuration: r.maxSessionDurationSeconds,
        });
        if (description) changes.push(`description → ${JSON.stringify(r.description)}`);
        if (session) {
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
      const boundary = boundaryChange(
        { kind: 'role', name: r.name },
        r.permissionsBoundary,
        actual.permissionsBoundary,
      );
      if (boundary) {
        steps.push(boundary.step);
        changes.push(boundary.change);
      }
      return row(
        existsOrUpdate(
          base,
          actual.arn,
          steps,
          changes,
          'trust policy and settings as wanted',
          diff,
        ),
        steps,
        r.bootstrap,
      );
    },
  );

const sameSet = (a: string[], b: string[]) =>
  a.length === b.length && a.every((x) => b.includes(x));
