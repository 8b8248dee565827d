import { isWriteDenied } from '../github/client.js';
import {
  upsertMarkedComment,
  type CommentsApi,
  type CommentTarget,
  type IssueComment,
} from '../github/comments.js';
import { InputError } from '../errors.js';
import { commentMarker, type CommentKind } from '../report/comment/markers.js';
import { renderComment, renderReport, type CommentInput } from '../report/comment/render.js';
import { reportSections, type ReportPlans } from '../report/comment/sections.js';
import { hasPlans, planFile, type PlanFile } from '../report/plan-hash.js';
import { unseenChange } from '../plan/funding/funding.js';
import { redact } from '../redact.js';
import { readIamPlan, readKeymasterPlan, readKeysPlan, type ReadFile } from './plan-inputs.js';

/**
 * The report action's job: the plans of one environment (each checked against its schema) become
 * the job summary, the plan file the apply guard compares with, and the pull-request comment.
 */

/** GitHub does not show a step summary above 1 MiB (it refuses the whole summary). */
export const SUMMARY_LIMIT = 1024 * 1024;
/** What a summary cut to fit is cut to: below the limit, with room for the runner's own bytes. */
const SUMMARY_ROOM = SUMMARY_LIMIT - 4096;

const PARTS = ['keys', 'iam', 'bucket', 'keymaster'] as const;
type Part = (typeof PARTS)[number];

export interface ReportJobInputs {
  environment: string;
  kind: CommentKind;
  /** `<part>-json` inputs: JSON, or the path of a file holding it; empty is none. */
  json: Record<Part, string>;
  /** `<part>-markdown` inputs, used for a part whose JSON was not given. */
  markdown: Record<Part, string>;
  /** `nomad-ops plan --offline` output, when no credentials could be had. */
  offline: string;
  /** The commit planned (full sha). */
  commit?: string | undefined;
  /** Link to this run, whose job summary holds the whole report. */
  runUrl?: string | undefined;
  /** The artifact the workflow uploads the plan file as (named when the summary cannot hold it). */
  artifact?: string | undefined;
  readFile: ReadFile;
}

export interface ReportJobResult {
  /** The plan file for the artifact; undefined when no keys, IAM or bucket plan was given. */
  file: PlanFile | undefined;
  /** The job summary: the whole report, or (too large) the failure and as much as fits. */
  summary: string;
  /** An applied report too large for GitHub to show in full (a warning: the apply is done). */
  summaryWarning?: string;
  /**
   * Why this plan must not go to approval: a plan too large for reviewers to read in the job
   * summary, a funding hash change no line shows. The action fails the step with them.
   */
  failures: string[];
  /** The comment's marker and body (cut to GitHub's limit, redacted). */
  marker: string;
  comment: string;
}

function readPlans(inputs: ReportJobInputs): ReportPlans {
  const { json, readFile } = inputs;
  const input = (part: Part) => ({ name: `${part}-json`, text: json[part] });
  return {
    keys: readKeysPlan(input('keys'), readFile),
    iam: readIamPlan(input('iam'), readFile),
    bucket: readIamPlan(input('bucket'), readFile),
    keymaster: readKeymasterPlan(input('keymaster'), readFile),
    markdown: Object.fromEntries(
      PARTS.flatMap((p) => (inputs.markdown[p] ? [[p, inputs.markdown[p]]] : [])),
    ),
    ...(inputs.offline ? { offline: inputs.offline } : {}),
  };
}

/**
 * A report over GitHub's 1 MiB summary limit is refused whole by the runner. A plan that big
 * cannot be read by reviewers, so it fails (naming where the full plan is); an applied report
 * only warns. Either way the summary is cut to fit, so what fits is still shown.
 */
function fitSummary(
  inputs: Pick<ReportJobInputs, 'environment' | 'kind' | 'artifact' | 'runUrl'>,
  whole: string,
): { cut?: { limit: string; whole: string }; failure?: string; warning?: string } {
  const bytes = Buffer.byteLength(whole);
  if (bytes <= SUMMARY_LIMIT) return {};
  const where = inputs.artifact
    ? `the artifact \`${inputs.artifact}\` of this run${inputs.runUrl ? ` (${inputs.runUrl})` : ''}`
    : 'the plan file of this step (its `plan-file` output)';
  const size = `${bytes} bytes, above the ${SUMMARY_LIMIT} (1 MiB) GitHub shows in a job summary`;
  const cut = { limit: "GitHub's 1 MiB job summary limit", whole: where };
  if (inputs.kind !== 'plan') {
    return { cut, warning: `the ${inputs.environment} report is ${size}; it is cut to fit` };
  }
  return {
    cut,
    failure: `${inputs.environment}: the plan report is ${size}, so reviewers cannot read all of it and it must not go to approval. The full plan is in ${where}; split the change into smaller pull requests (a few networks or operators at a time).`,
  };
}

export function reportJob(inputs: ReportJobInputs): ReportJobResult {
  const { environment, kind, commit, runUrl } = inputs;
  const plans = readPlans(inputs);
  const environmentPlans = { environment, keys: plans.keys, iam: plans.iam, bucket: plans.bucket };
  const file = hasPlans(environmentPlans) ? planFile(environmentPlans, commit) : undefined;
  const input: CommentInput = {
    kind,
    environment,
    ...(file ? { planHash: file.sha256 } : {}),
    ...(runUrl ? { runUrl } : {}),
    ...(commit ? { commit: commit.slice(0, 7) } : {}),
    notes: plans.offline
      ? [
          '⚠️ Offline plan: no AWS credentials could be had, so this shows what the environment wants, not what changes.',
        ]
      : [],
    sections: reportSections(plans),
  };
  const failures: string[] = [];
  const unseen = plans.keys?.funding ? unseenChange(plans.keys.funding) : undefined;
  if (unseen) failures.push(`${environment}: ${unseen}`);
  const whole = renderReport(input);
  const fit = fitSummary(inputs, whole);
  if (fit.failure) failures.push(fit.failure);
  const noted = { ...input, notes: [...failures.map((f) => `❌ ${f}`), ...(input.notes ?? [])] };
  const summary = fit.cut
    ? renderComment({ ...noted, cut: fit.cut }, SUMMARY_ROOM)
    : failures.length > 0
      ? renderReport(noted)
      : whole;
  return {
    file,
    summary,
    ...(fit.warning ? { summaryWarning: fit.warning } : {}),
    failures,
    marker: commentMarker(kind, environment),
    comment: redact(renderComment(noted)),
  };
}

/** The pull request to comment on: the input, the event's, or (on push) the merged one of the commit. */
export async function pullRequestToComment(source: {
  given: string;
  fromEvent: number | undefined;
  sha: string | undefined;
  ofCommit: (sha: string) => Promise<number | undefined>;
}): Promise<number | undefined> {
  if (source.given) {
    const n = Number(source.given);
    if (!Number.isInteger(n) || n <= 0) {
      throw new InputError(`pull-request is "${source.given}", expected a number`);
    }
    return n;
  }
  if (source.fromEvent !== undefined) return source.fromEvent;
  return source.sha ? source.ofCommit(source.sha) : undefined;
}

export type CommentOutcome =
  | { posted: true; comment: IssueComment; action: 'created' | 'updated' }
  /** The token may only read (pull requests from forks): the summary is the report. */
  | { posted: false };

/** Creates or updates the environment's comment; a read-only token is not a failure. */
export async function postReportComment(
  api: CommentsApi,
  target: CommentTarget,
  report: Pick<ReportJobResult, 'marker' | 'comment'>,
  botLogin: string,
): Promise<CommentOutcome> {
  try {
    const { comment, action } = await upsertMarkedComment(
      api,
      target,
      report.marker,
      report.comment,
      botLogin,
    );
    return { posted: true, comment, action };
  } catch (error) {
    if (isWriteDenied(error)) return { posted: false };
    throw error;
  }
}
