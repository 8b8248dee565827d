import { z } from 'zod';

/**
 * `keymaster.burn`: how the Keymaster judges a wallet's burn (the balance it loses between runs,
 * top-ups excluded) and how thresholds are proposed from it. Neither moves money, so neither is
 * part of the funding settings' hash; a proposal is a pull request reviewers approve.
 */

export const DEFAULT_BURN = {
  alertFactor: 5,
  alertBaselineDays: 7,
  alertRecentHours: 6,
  lowerDays: 2,
  targetDays: 5,
  significantDigits: 2,
} as const;

export const KeymasterBurn = z
  .strictObject({
    alertFactor: z
      .number()
      .min(1.5)
      .max(100)
      .default(DEFAULT_BURN.alertFactor)
      .describe(
        'The burn alert fires when a wallet burns this many times faster over alertRecentHours than over alertBaselineDays.',
      ),
    alertBaselineDays: z
      .number()
      .int()
      .min(1)
      .max(90)
      .default(DEFAULT_BURN.alertBaselineDays)
      .describe("The window of a wallet's usual burn rate, in days."),
    alertRecentHours: z
      .number()
      .int()
      .min(1)
      .max(72)
      .default(DEFAULT_BURN.alertRecentHours)
      .describe('The window of the burn rate compared with the usual one, in hours.'),
    lowerDays: z
      .number()
      .min(0.25)
      .max(60)
      .default(DEFAULT_BURN.lowerDays)
      .describe("Proposed lower bound: this many days of the role's highest daily burn."),
    targetDays: z
      .number()
      .min(0.5)
      .max(120)
      .default(DEFAULT_BURN.targetDays)
      .describe('Proposed target: this many days of the same burn (more than lowerDays).'),
    significantDigits: z
      .number()
      .int()
      .min(1)
      .max(6)
      .default(DEFAULT_BURN.significantDigits)
      .describe('Proposed amounts are rounded up to this many significant digits, for people.'),
  })
  .superRefine((burn, ctx) => {
    if (burn.targetDays <= burn.lowerDays) {
      ctx.addIssue({
        code: 'custom',
        path: ['targetDays'],
        message: `must be more than lowerDays (${burn.lowerDays}): a top-up brings a wallet from lower to target`,
      });
    }
    if (burn.alertRecentHours >= burn.alertBaselineDays * 24) {
      ctx.addIssue({
        code: 'custom',
        path: ['alertRecentHours'],
        message: `must be shorter than alertBaselineDays (${burn.alertBaselineDays} days): the recent rate is compared with the usual one`,
      });
    }
  })
  .default({ ...DEFAULT_BURN })
  .describe(
    "The burn alert and the threshold proposal (keymaster propose-thresholds). Defaults: alert at 5× the last 7 days' rate over 6 hours; lower = 2 days, target = 5 days of burn, 2 significant digits.",
  );

export type KeymasterBurnConfig = z.output<typeof KeymasterBurn>;
