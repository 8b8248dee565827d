import { MANAGED_GROUP_PATH } from '../../inventory/names.js';
import type { IamStep } from '../../aws/iam-steps.js';
import {
  boundaryChange,
  boundaryMissing,
  existsOrUpdate,
  refusal,
  row,
  tagCommand,
  tagDrift,
} from './rows.js';
import type { IamPlanner, IamRow } from './types.js';

/**
 * Users: created tagged and with their environment's permissions boundary; re-tagged and
 * re-bounded on drift; never touched when unmarked or another's.
 */
export const planUsers: IamPlanner = ({ inventory, state, options }) =>
  inventory.iam.users.map((u): IamRow => {
    const actual = state.users[u.name];
    const base = { kind: 'iam-user', id: u.name };
    const waiting = boundaryMissing(
      u.permissionsBoundary,
      state.policies,
      options.bootstrap ?? true,
    );
    if (!actual) {
      if (waiting) return row({ ...base, action: 'broken', reason: `no such user; ${waiting}` });
      return row(
        { ...base, action: 'create', reason: 'no such user', detail: { tags: u.tags } },
        [
          {
            op: 'createUser',
            name: u.name,
            tags: u.tags,
            ...(u.permissionsBoundary ? { permissionsBoundary: u.permissionsBoundary } : {}),
          },
        ],
        u.bootstrap,
      );
    }
    const refused = refusal(u.tags, actual.tags, tagCommand('user', u.name));
    if (refused) {
      return row({ ...base, action: 'broken', reason: refused, detail: { arn: actual.arn } });
    }
    const changes = tagDrift(u.tags, actual.tags);
    const steps: IamStep[] =
      changes.length > 0 ? [{ op: 'tagUser', name: u.name, tags: u.tags }] : [];
    const boundary = boundaryChange(
      { kind: 'user', name: u.name },
      u.permissionsBoundary,
      actual.permissionsBoundary,
    );
    if (boundary && waiting) {
      return row({
        ...base,
        action: 'broken',
        reason: `${boundary.change}; ${waiting}`,
        detail: { arn: actual.arn },
      });
    }
    if (boundary) {
      changes.push(boundary.change);
      steps.push(boundary.step);
    }
    return row(
      existsOrUpdate(base, actual.arn, steps, changes, 'exists as wanted'),
      steps,
      u.bootstrap,
    );
  });

/**
 * Groups: IAM groups cannot carry tags, so the toolkit's are those under `MANAGED_GROUP_PATH`;
 * a group of a wanted name elsewhere is never touched.
 */
export const planGroups: IamPlanner = ({ inventory, state }) =>
  inventory.iam.groups.map((g): IamRow => {
    const actual = state.groups[g.name];
    const base = { kind: 'iam-group', id: g.name };
    if (!actual) {
      return row(
        {
          ...base,
          action: 'create',
          reason: `no such group (created under path ${MANAGED_GROUP_PATH})`,
        },
        [{ op: 'createGroup', name: g.name, path: MANAGED_GROUP_PATH }],
        g.bootstrap,
      );
    }
    if (actual.path !== MANAGED_GROUP_PATH) {
      return row({
        ...base,
        action: 'broken',
        reason: `exists under path ${actual.path}, not ${MANAGED_GROUP_PATH} (IAM groups cannot be tagged; the path marks the toolkit's groups): the toolkit will not change it. To adopt it: aws iam update-group --group-name ${g.name} --new-path ${MANAGED_GROUP_PATH}`,
        detail: { arn: actual.arn },
      });
    }
    return row({
      ...base,
      action: 'exists',
      reason: 'exists as wanted',
      detail: { arn: actual.arn },
    });
  });
