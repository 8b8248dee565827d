/**
 * The apply guard's decision: what was approved (the plan hash in the merged pull request's
 * comment) must be what is applied (the hash of the plan made again just before applying).
 */

export interface GuardInput {
  environment: string;
  /** Hash of the plan made now, before applying. */
  currentHash: string;
  /** Hash read from the approval source; undefined when none was found. */
  approvedHash: string | undefined;
  /** Where `approvedHash` came from, for messages: "the plan comment on #12". */
  approvedFrom: string;
  /** Whether the current plan writes anything. */
  writes: boolean;
}

export interface GuardDecision {
  ok: boolean;
  message: string;
}

export function decideApply(input: GuardInput): GuardDecision {
  const { environment: env, currentHash: now, approvedHash: approved, approvedFrom } = input;
  if (approved === now) {
    return { ok: true, message: `${env}: plan ${now} is the one approved in ${approvedFrom}` };
  }
  if (!input.writes) {
    // Nothing will be written, so nothing unapproved can be.
    const was = approved ? `approved ${approved}` : 'no approved plan';
    return {
      ok: true,
      message: `${env}: plan ${now} writes nothing (${was} in ${approvedFrom}); going on`,
    };
  }
  if (approved === undefined) {
    return {
      ok: false,
      message:
        `${env}: refusing to apply plan ${now}: no approved plan hash found in ${approvedFrom}. ` +
        'Open a pull request so the plan is commented and reviewed, or run the apply workflow by hand ' +
        'with the hash you reviewed in its job summary.',
    };
  }
  return {
    ok: false,
    message:
      `${env}: refusing to apply: the plan now has hash ${now}, but ${approvedFrom} approved ${approved}. ` +
      'Something changed between review and merge (another merge, or a change made outside the toolkit). ' +
      "Review the new plan in this run's job summary and open a pull request for it, or run the apply " +
      'workflow by hand with that hash.',
  };
}
