import { z } from 'zod';
import { KEY_NAMES } from './names.js';

/**
 * The `keys` part of the environment file: which key names each network gets, and the key
 * lifecycle (DESIGN §3 "Lifecycle", issue 26): rotations in two approved steps, and how long a
 * retired key waits before KMS deletes it.
 */

/** KMS's bounds for ScheduleKeyDeletion's PendingWindowInDays. */
export const GRACE_PERIOD_DAYS = { min: 7, max: 30, default: 30 } as const;

/** `<network>/<keyName>` of a key of this file, or `bank`. Cross-field rules in validate-rotate.ts. */
export const ROTATION_KEY_PATTERN = /^(bank|[A-Za-z0-9][A-Za-z0-9_.-]*\/[a-z]+-[a-z]+)$/;

export const ROTATION_STATES = ['staged', 'switched'] as const;
export type RotationState = (typeof ROTATION_STATES)[number];

export const KeyRotation = z
  .strictObject({
    key: z
      .string()
      .regex(ROTATION_KEY_PATTERN, {
        message:
          'must be <network>/<keyName> of a key of this file (e.g. ethereum/relayer-signer), or bank',
      })
      .describe('The key to rotate: <network>/<keyName> (e.g. ethereum/relayer-signer), or bank.'),
    state: z
      .enum(ROTATION_STATES)
      .describe(
        'staged: apply creates the new key beside the current one and shows its address (nothing else changes). switched: apply moves the alias to the staged key and retires the old one (disabled, deletion scheduled after gracePeriodDays).',
      ),
    reason: z
      .string()
      .trim()
      .min(1, { message: 'must say why the key is rotated (shown in the plan and the comment)' })
      .max(200)
      .describe('Why the key is rotated, e.g. "operator left"; shown in the plan and the comment.'),
  })
  .describe('One key rotation, moved from staged to switched by two approved pull requests.');

export const Keys = z
  .strictObject({
    names: z.array(z.enum(KEY_NAMES)).min(1).optional(),
    gracePeriodDays: z
      .number()
      .int()
      .min(GRACE_PERIOD_DAYS.min)
      .max(GRACE_PERIOD_DAYS.max)
      .default(GRACE_PERIOD_DAYS.default)
      .describe(
        'Days between retiring a key (disabled, deletion scheduled) and its deletion; KMS allows 7 to 30. Cancelling the deletion in that window undoes the retirement.',
      ),
    rotate: z
      .array(KeyRotation)
      .default([])
      .describe('Keys being rotated (docs/runbooks/rotating-an-agent-key.md).'),
  })
  .describe(
    'Key names (default Nomad six, plus kathy-signer outside production), rotations and the grace period of retired keys.',
  );
