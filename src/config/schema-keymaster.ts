import { z } from 'zod';
import { AGENT_ROLES } from './names.js';
import { Address, Amount, Name } from './schema-fields.js';

/** The `keymaster.networks.<name>` and `keymaster.extraAccounts` parts of the environment file. */

export const Threshold = z.strictObject({
  lower: Amount.describe('Below this balance the wallet is topped up.'),
  target: Amount.describe('A top-up brings the wallet to this balance.'),
});

/** Defaults of the per-network Keymaster limits (also used when code builds settings directly). */
export const DEFAULT_MAX_BATCH_SIZE = 100;
export const DEFAULT_RPC_RETRIES = 2;
export const DEFAULT_MAX_GAS_PER_TRANSFER = 200_000;
export const DEFAULT_REPLACE_AFTER_SECONDS = 60;

export const KeymasterNetwork = z.strictObject({
  roles: z
    .partialRecord(z.enum(AGENT_ROLES), Threshold)
    .describe('Funding thresholds per agent role on this network.'),
  bank: z.strictObject({
    reserve: Amount.describe('The bank never pays below this balance.'),
    alertBelow: Amount.describe('The Keymaster run fails when the bank is below this.'),
  }),
  capPerRun: Amount.describe('At most this much is sent on this network in one run.'),
  overrides: z
    .array(Threshold.extend({ address: Address }).strict())
    .default([])
    .describe('Per-address thresholds that replace the role thresholds.'),
  rpc: z
    .strictObject({
      maxBatchSize: z
        .number()
        .int()
        .min(1)
        .max(1000)
        .default(DEFAULT_MAX_BATCH_SIZE)
        .describe(
          'Most JSON-RPC calls sent in one HTTP request to this network. A provider that refuses or truncates a batch gets halves of it, down to single calls.',
        ),
      timeoutSeconds: z
        .number()
        .int()
        .min(1)
        .optional()
        .describe('Timeout of one request to this network. Default: keymaster.rpcTimeoutSeconds.'),
      retries: z
        .number()
        .int()
        .min(0)
        .max(10)
        .default(DEFAULT_RPC_RETRIES)
        .describe('Further attempts after a request to this network fails to arrive.'),
    })
    .default({ maxBatchSize: DEFAULT_MAX_BATCH_SIZE, retries: DEFAULT_RPC_RETRIES })
    .describe('How the Keymaster talks to this network (each network has its own limits).'),
  gas: z
    .strictObject({
      maxPerTransfer: z
        .number()
        .int()
        .min(21_000)
        .max(30_000_000)
        .default(DEFAULT_MAX_GAS_PER_TRANSFER)
        .describe(
          'Ceiling of the estimated gas of one top-up; a recipient that needs more is unfundable.',
        ),
      maxFeePerGasGwei: Amount.optional().describe(
        'Most a top-up or its replacement may bid per gas, in gwei (decimal string, e.g. "300"). Default: no cap beyond the fee the chain asks.',
      ),
      replaceAfterSeconds: z
        .number()
        .int()
        .min(1)
        .default(DEFAULT_REPLACE_AFTER_SECONDS)
        .describe(
          'A top-up not mined this long after it was sent, and priced below what the chain now asks, is replaced at the same nonce with bumped fees.',
        ),
    })
    .default({
      maxPerTransfer: DEFAULT_MAX_GAS_PER_TRANSFER,
      replaceAfterSeconds: DEFAULT_REPLACE_AFTER_SECONDS,
    })
    .describe('Gas limits and fee bumping of top-ups on this network.'),
});

export const ExtraAccount = z.strictObject({
  address: Address,
  label: z.string().min(1).max(64),
  network: Name,
  lower: Amount,
  target: Amount,
});
