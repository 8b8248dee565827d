import { isWriteDenied } from '../github/client.js';
import {
  upsertMarkedComment,
  type CommentsApi,
  type CommentTarget,
  type IssueComment,
} from '../github/comments.js';
import { InputError } from '../errors.js';
import {
  commentMarker,
  renderComment,
  renderReport,
  reportSections,
  type CommentInput,
  type CommentKind,
  type ReportPlans,
} from '../report/comment.js';
import { hasPlans, planFile, type PlanFile } from '../report/plan-hash.js';
import { redact } from '../redact.js';
import { readAccessPlan, readKeymasterPlan, readKeysPlan, type ReadFile } from './plan-inputs.js';

/**
 * The report action's job: the plans of one environment (each checked against its schema) become
 * the job summary, the plan file the apply guard compares with, and the pull-request comment.
 */

/** GitHub does not show a step summary above 1 MiB. */
export const SUMMARY_LIMIT = 1024 * 1024;

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
  readFile: ReadFile;
}

export interface ReportJobResult {
  /** The plan file for the artifact; undefined when no keys, IAM or bucket plan was given. */
  file: PlanFile | undefined;
  /** The whole report (the job summary). */
  summary: string;
  /** Set when the summary is too large for GitHub to show. */
  summaryWarning?: string;
  /** The comment's marker and body (cut to GitHub's limit, redacted). */
  marker: string;
  comment: string;
}

function readPlans(inputs: ReportJobInputs): ReportPlans {
  const { json, readFile } = inputs;
  const input = (part: Part) => ({ name: `${part}-json`, text: json[part] });
  return {
    keys: readKeysPlan(input('keys'), readFile),
    iam: readAccessPlan(input('iam'), readFile),
    bucket: readAccessPlan(input('bucket'), readFile),
    keymaster: readKeymasterPlan(input('keymaster'), readFile),
    markdown: Object.fromEntries(
      PARTS.flatMap((p) => (inputs.markdown[p] ? [[p, inputs.markdown[p]]] : [])),
    ),
    ...(inputs.offline ? { offline: inputs.offline } : {}),
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
  const summary = renderReport(input);
  const bytes = Buffer.byteLength(summary);
  return {
    file,
    summary,
    ...(bytes > SUMMARY_LIMIT
      ? { summaryWarning: `the report is ${bytes} bytes; GitHub shows job summaries up to 1 MiB` }
      : {}),
    marker: commentMarker(kind, environment),
    comment: redact(renderComment(input)),
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
