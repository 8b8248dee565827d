import { createAwsClients, type AwsClients } from '../aws/clients.js';
import { credentialsError } from '../aws/credentials.js';
import { assertAccount } from '../aws/sts.js';
import type { ResolvedEnvironment } from '../config/model.js';

/**
 * AWS clients for an environment's account and region, from the given variables (the process's
 * in the CLI and actions). Explicit keys are used when set, endpoints from
 * `AWS_ENDPOINT_URL_<SERVICE>` then `AWS_ENDPOINT_URL`; otherwise the SDK's own
 * chain applies (OIDC web identity in workflows, profiles on a laptop).
 *
 * The account check happens here, once, for every job: when the credentials act in another
 * account than the file names, it throws `AccountMismatchError` (an `InputError`, exit 2) and no
 * client is handed out, so nothing is read or written there. The jobs and runners trust the
 * clients they are given. Missing or expired credentials are an `InputError` too (exit 2), one
 * line naming where the SDK looked.
 */
export async function awsForEnvironment(
  env: ResolvedEnvironment,
  vars: NodeJS.ProcessEnv,
): Promise<AwsClients> {
  const credentials =
    vars.AWS_ACCESS_KEY_ID && vars.AWS_SECRET_ACCESS_KEY
      ? {
          accessKeyId: vars.AWS_ACCESS_KEY_ID,
          secretAccessKey: vars.AWS_SECRET_ACCESS_KEY,
          ...(vars.AWS_SESSION_TOKEN ? { sessionToken: vars.AWS_SESSION_TOKEN } : {}),
        }
      : undefined;
  const clients = createAwsClients({
    region: env.aws.region,
    vars,
    ...(credentials ? { credentials } : {}),
  });
  try {
    await assertAccount(clients.sts, env.aws.accountId, env.source);
  } catch (error) {
    // Missing or expired credentials fail here, at the first call: bad input, nothing ran.
    throw credentialsError(error, vars) ?? error;
  }
  return clients;
}
