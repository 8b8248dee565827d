import { errorMessage } from '../../errors.js';
import { resultOf, type Attempt } from './attempt.js';
import type { SendOptions } from './options.js';

/**
 * The ledger's intent of a payment's version (`beforeBroadcast`), written before its broadcast,
 * for versions signed after the first broadcast (a replacement with bumped fees, a top-up put over
 * a self-transfer): so a run killed after broadcasting one leaves an intent the next run
 * completes, whichever version is mined. Returns why it must not be broadcast (the hook refused:
 * the bank's lease was lost), or undefined.
 */
export async function intentRefused(
  version: Attempt,
  options: Pick<SendOptions, 'beforeBroadcast'>,
): Promise<string | undefined> {
  try {
    await options.beforeBroadcast?.([resultOf(version)]);
    return undefined;
  } catch (error) {
    return errorMessage(error);
  }
}
