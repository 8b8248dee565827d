import { z } from 'zod';
import { AGENT_ROLES } from './names.js';
import { Name } from './schema-fields.js';

/** The `operators` part of the environment file: who runs which agents, and how they sign in. */

/** An operator's name: it becomes part of IAM role, user and policy names. */
export const OperatorName = z
  .string()
  .regex(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/, {
    message:
      'must be lower-case letters and digits, words joined by single "-", starting with a letter (it becomes part of IAM names)',
  })
  .max(32)
  .describe('Short name of the party, e.g. "acme"; part of its IAM role or policy name.');

export const AgentAssignment = z
  .strictObject({
    role: z.enum(AGENT_ROLES).describe('The agent role.'),
    homes: z
      .array(Name)
      .min(1)
      .optional()
      .describe('Home networks whose agent of this role it runs. Default: every network.'),
    hotStandby: z
      .boolean()
      .default(false)
      .describe(
        'A second instance on the same key, kept ready to take over; it must not send while the primary does (two senders race on the nonce).',
      ),
  })
  .describe('Agents of one role, one per home network.');

/** IAM's rule for sts:ExternalId. It is not a secret, but unique per operator. */
const ExternalId = z.string().regex(/^[\w+=,.@:/-]{2,1224}$/, {
  message: 'must be 2 to 1224 of letters, digits and _ + = , . @ : / -',
});

export const OperatorAccess = z
  .strictObject({
    principal: z
      .string()
      .regex(/^arn:aws(-[a-z]+)*:iam::[0-9]{12}:(root|role\/[\w+=,.@/-]{1,512})$/, {
        message:
          "must be the ARN of a role (arn:aws:iam::123456789012:role/name) or of an account (arn:aws:iam::123456789012:root) in the operator's own AWS account",
      })
      .optional()
      .describe(
        "The operator's role or account in its own AWS account; it assumes the role the toolkit creates for the operator.",
      ),
    externalId: ExternalId.optional().describe(
      'The sts:ExternalId the operator passes when assuming its role (required with principal).',
    ),
    user: z
      .string()
      .regex(/^[\w+=,.@-]{1,64}$/, {
        message: 'must be an IAM user name: 1 to 64 of letters, digits and + = , . @ _ -',
      })
      .optional()
      .describe('Instead of principal: an IAM user in this account, created by the toolkit.'),
  })
  .describe('How the operator authenticates: principal with externalId, or user.');

export const Operator = z
  .strictObject({
    name: OperatorName,
    runs: z.array(AgentAssignment).min(1).describe('The agents it runs.'),
    access: OperatorAccess,
  })
  .describe('A party that runs agents; it gets exactly the keys of those agents.');
