import { type FieldIssue, type PathSegment } from './problem.js';
import { isAwsRegion, AWS_REGIONS } from './regions.js';
import { didYouMean } from './suggest.js';
import { classifySubjectPrefix, subjectPrefixMismatch } from './github-subject.js';
import { operatorIssues } from './operators.js';
import { asArray, isEnvironmentName, isRecord, keyNamesOf, readNetworks, type Raw } from './raw.js';
import { resourceNameIssues } from './resource-names.js';
import { longStringIssues } from './string-limits.js';
import { keymasterIssues } from './validate-keymaster.js';
import { networkIssues } from './validate-networks.js';
import { rotationIssues } from './validate-rotate.js';

/**
 * Rules that span fields, which a schema cannot express. Runs on the parsed file even when the
 * schema found problems, so one run reports everything; each rule skips parts whose shape is wrong
 * (the schema reports those).
 */
export function crossFieldIssues(
  data: unknown,
  context: { fileEnvironment?: string | undefined } = {},
): FieldIssue[] {
  if (!isRecord(data)) return [];
  const networks = readNetworks(data);
  return [
    ...environmentNameIssues(data, context.fileEnvironment),
    ...regionIssues(data),
    ...keyNameIssues(data),
    ...rotationIssues(data, networks),
    ...networkIssues(networks),
    ...keymasterIssues(data, networks),
    ...githubSubjectIssues(data),
    ...operatorIssues(data, {
      networks: networks.flatMap((n) => (n.name === undefined ? [] : [n.name])),
      keyNames: keyNamesOf(data),
    }),
    ...resourceNameIssues(data),
    ...longStringIssues(data),
  ];
}

function environmentNameIssues(data: Raw, fileEnvironment: string | undefined): FieldIssue[] {
  if (fileEnvironment === undefined || !isEnvironmentName(data.environment)) return [];
  if (data.environment === fileEnvironment) return [];
  return [
    {
      path: ['environment'],
      message: `is "${data.environment}" but the file is ${fileEnvironment}.yaml; the file must be named after its environment: fix the value or rename the file`,
    },
  ];
}

function regionIssues(data: Raw): FieldIssue[] {
  const region = isRecord(data.aws) ? data.aws.region : undefined;
  if (typeof region !== 'string' || isAwsRegion(region)) return [];
  const shown = /^[a-z0-9-]{1,30}$/.test(region) ? `"${region}"` : 'this';
  return [
    {
      path: ['aws', 'region'],
      message: `${shown} is not an AWS region name${didYouMean(region, AWS_REGIONS)}; expected a region like us-west-2`,
    },
  ];
}

function keyNameIssues(data: Raw): FieldIssue[] {
  const listed = isRecord(data.keys) ? asArray(data.keys.names) : [];
  const issues: FieldIssue[] = [];
  const seen = new Map<unknown, number>();
  listed.forEach((name, i) => {
    const first = seen.get(name);
    if (first !== undefined) {
      issues.push({
        path: ['keys', 'names', i],
        message: `"${String(name)}" is listed twice (also keys.names[${first}]); list each key name once`,
      });
    } else seen.set(name, i);
    if (name === 'kathy-signer' && data.environment === 'production') {
      issues.push({
        path: ['keys', 'names', i],
        message: 'kathy-signer is not allowed in production: kathy sends test messages; remove it',
      });
    }
  });
  return issues;
}

/** A stated OIDC subject prefix must belong to github.repository, in one of GitHub's formats. */
function githubSubjectIssues(data: Raw): FieldIssue[] {
  const github = isRecord(data.github) ? data.github : {};
  const { repository, subjectPrefix } = github;
  if (typeof subjectPrefix !== 'string') return [];
  const path: PathSegment[] = ['github', 'subjectPrefix'];
  if (typeof repository !== 'string') {
    return [
      {
        path,
        message:
          'needs github.repository: the prefix is checked against the repository it must name; add github.repository (owner/name)',
      },
    ];
  }
  if (classifySubjectPrefix(subjectPrefix, repository)) return [];
  return [{ path, message: subjectPrefixMismatch(subjectPrefix, repository) }];
}
