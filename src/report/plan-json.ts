import { z } from 'zod';
import { InputError } from '../errors.js';
import { KEY_STATUSES } from '../plan/keys/types.js';

/**
 * The plan JSON the actions exchange, as zod schemas: provision-keys' `keys-json`, apply-iam's
 * and proofs-bucket's `plan-json`, the Keymaster's `run-json`, and the plan file the report
 * action writes and the apply guard reads. The writers build values of these types; the readers
 * (the report action, the apply guard) parse their inputs with the same schemas, so a field a
 * reader needs cannot go missing without an error naming the input and the field.
 *
 * A reader keeps the fields of the schema and drops others; the plan hash is computed over the
 * parsed values on both sides of the guard, so the schema is also what the hash covers.
 */

const CHANGE_ACTIONS = [
  'exists',
  'create',
  'adopt',
  'update',
  'remove',
  'broken',
  'drift',
] as const;

/** Which part of the report a change row belongs to; the writer decides, the reader groups by it. */
export const CHANGE_GROUPS = ['iam', 'github-oidc', 'bucket'] as const;
export type ChangeGroup = (typeof CHANGE_GROUPS)[number];

export const changeRowSchema = z.object({
  kind: z.string(),
  id: z.string(),
  action: z.enum(CHANGE_ACTIONS),
  reason: z.string(),
  group: z.enum(CHANGE_GROUPS),
  detail: z.unknown().optional(),
});
export type ChangeRow = z.infer<typeof changeRowSchema>;

export const keyAccessRowSchema = z.object({
  party: z.string(),
  principal: z.string(),
  now: z.array(z.string()),
  wanted: z.array(z.string()),
  granted: z.array(z.string()),
  revoked: z.array(z.string()),
  uploadsProofs: z.object({ now: z.boolean(), wanted: z.boolean() }),
  removed: z.literal(true).optional(),
});

/** apply-iam's and proofs-bucket's `plan-json` (and `nomad-ops iam|bucket plan --json`). */
export const iamPlanJsonSchema = z.object({
  ok: z.boolean(),
  summary: z.record(z.string(), z.number()),
  changes: z.array(changeRowSchema),
  /** Apply only: the changes a re-read finds afterwards. */
  after: z.array(changeRowSchema).optional(),
  keyAccess: z.array(keyAccessRowSchema).optional(),
});
export type IamPlanJson = z.infer<typeof iamPlanJsonSchema>;

export const keyRowJsonSchema = z.object({
  alias: z.string(),
  region: z.string(),
  keyId: z.string(),
  arn: z.string(),
  description: z.string(),
  address: z.string(),
  status: z.enum(KEY_STATUSES),
  reason: z.string().optional(),
  network: z.string().optional(),
  keyName: z.string().optional(),
  purpose: z.string(),
  store: z.string(),
  /** Leftover rows: whether apply schedules the key's deletion or leaves it. */
  leftover: z.enum(['schedule-deletion', 'keep']).optional(),
  /** Orphaned rows: the wallet's balance (integer wei strings) and what `--prune` may do. */
  orphaned: z
    .object({
      aliased: z.boolean(),
      abandoned: z.boolean(),
      balanceWei: z.string().optional(),
      feeWei: z.string().optional(),
      symbol: z.string().optional(),
      balanceUnknown: z.string().optional(),
      retire: z.enum(['ready', 'not-drained', 'pending-deletion']),
      deletionDays: z.number().int().optional(),
    })
    .optional(),
  /** Rotation rows (`keys.rotate`): state, reason, and the addresses before and after. */
  rotation: z
    .object({
      state: z.enum(['staged', 'switched']),
      reason: z.string(),
      from: z.string().optional(),
      to: z.string().optional(),
    })
    .optional(),
});
export type KeyRowJson = z.infer<typeof keyRowJsonSchema>;

export const fundingJsonSchema = z.object({
  action: z.enum(['exists', 'record']),
  sha256: z.string(),
  settings: z.unknown(),
  recorded: z.object({ sha256: z.string(), commit: z.string().optional() }).nullable(),
  baseline: z.enum(['recorded', 'none', 'unavailable']),
  changes: z.array(
    z.object({
      setting: z.string(),
      before: z.string().optional(),
      after: z.string().optional(),
    }),
  ),
  outcome: z.enum(['recorded', 'failed']).optional(),
  error: z.string().optional(),
});

/** provision-keys' `keys-json` (and `nomad-ops keys plan --json`). */
export const keysPlanJsonSchema = z.object({
  ok: z.boolean(),
  keys: z.array(keyRowJsonSchema),
  attestation: z.array(z.object({ network: z.string(), updater: z.string(), watcher: z.string() })),
  /**
   * The funding settings (they move money, so they are planned and approved with the keys):
   * their sha256, the settings, what the bank records and what changes.
   */
  funding: fundingJsonSchema.optional(),
  /**
   * A `--prune` plan: its orphaned rows that are ready are retired. Hashed with the rows, so the
   * apply of an approved plan prunes exactly when the approved plan did.
   */
  prune: z.literal(true).optional(),
});
export type KeysPlanJson = z.infer<typeof keysPlanJsonSchema>;

/** An amount of a Keymaster row: wei as a decimal string, a number, or `{ known, wei }`. */
const amountJsonSchema = z.union([
  z.string(),
  z.number(),
  z.object({
    known: z.boolean().optional(),
    wei: z.union([z.string(), z.number()]).optional(),
    reason: z.string().optional(),
  }),
]);
export type AmountJson = z.infer<typeof amountJsonSchema>;

/** The Keymaster's `run-json`: of it, the report reads the decisions. */
export const keymasterPlanJsonSchema = z.object({
  decisions: z
    .array(
      z.object({
        network: z.string().optional(),
        roles: z.array(z.string()).optional(),
        address: z.string().optional(),
        balance: amountJsonSchema.optional(),
        lower: amountJsonSchema.optional(),
        target: amountJsonSchema.optional(),
        amount: amountJsonSchema.optional(),
        reason: z.string(),
        detail: z.string().optional(),
      }),
    )
    .optional(),
});
export type KeymasterPlanJson = z.infer<typeof keymasterPlanJsonSchema>;
export type KeymasterDecisionJson = NonNullable<KeymasterPlanJson['decisions']>[number];

/**
 * The plan file: what the report action writes for the apply workflow's artifact and the gated
 * job's guard compares its re-plan with. `sha256` is informative: the guard hashes again.
 */
export const planFileSchema = z.object({
  environment: z.string().min(1),
  /** The commit planned. */
  commit: z.string().optional(),
  keys: keysPlanJsonSchema.optional(),
  iam: iamPlanJsonSchema.optional(),
  bucket: iamPlanJsonSchema.optional(),
  sha256: z.string(),
});
export type PlanFileJson = z.infer<typeof planFileSchema>;

/** `name: field.path: problem` for each issue, so the operator finds the bad field. */
function issuesText(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : '(top level)'}: ${i.message}`)
    .join('; ');
}

/**
 * A parsed plan input checked against its schema; `undefined` stays no plan. `name` says where
 * it came from (the action input, and the file when one was given).
 */
export function checkPlanJson<S extends z.ZodType>(
  name: string,
  value: unknown,
  schema: S,
): z.infer<S> | undefined {
  if (value === undefined) return undefined;
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new InputError(
      `${name} is not the plan JSON the toolkit writes (${issuesText(result.error)}); pass the step output of the same version of the actions as is`,
    );
  }
  return result.data;
}
