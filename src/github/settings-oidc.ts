import { classifySubjectPrefix } from '../config/github-subject.js';
import { denied, SETUP, type Finding } from './settings-finding.js';
import type { ExpectedSettings, RepositorySettings } from './settings-types.js';

/**
 * The OIDC subject GitHub issues to the repository, as `github check` judges it against the
 * subject prefix the environment files' roles trust.
 */

/**
 * What the API tells of the subjects GitHub issues to the repository: the prefix itself
 * (`sub_claim_prefix`), or only the format (`use_immutable_subject`), or nothing.
 */
export function repositorySubject(s: RepositorySettings): {
  prefix?: string;
  format?: 'legacy' | 'immutable';
} {
  const oidc = s.oidc.status === 'ok' ? s.oidc.data : undefined;
  if (!oidc) return {};
  if (oidc.sub_claim_prefix) {
    const parsed = classifySubjectPrefix(oidc.sub_claim_prefix, s.repository);
    const format = parsed?.format ?? (oidc.use_immutable_subject ? 'immutable' : undefined);
    return { prefix: oidc.sub_claim_prefix, ...(format ? { format } : {}) };
  }
  if (typeof oidc.use_immutable_subject === 'boolean') {
    return { format: oidc.use_immutable_subject ? 'immutable' : 'legacy' };
  }
  return {};
}

export function oidcFindings(s: RepositorySettings, expected: ExpectedSettings): Finding[] {
  const subject = 'OIDC subject';
  const read = s.oidc;
  const endpoint = `repos/${s.repository}/actions/oidc/customization/sub`;
  if (read.status === 'denied') {
    return [denied('oidc', subject, read, 'the OIDC subject settings', 'Actions: read')];
  }
  if (read.status === 'missing') {
    return [
      {
        area: 'oidc',
        subject,
        severity: 'unknown',
        problem: `GitHub answered 404 for ${endpoint}: the subject format cannot be told (GitHub Enterprise Server issues the legacy format only)`,
        fix: `compare a job's token subject with the environment files (configure-aws-credentials prints the sub it presented when AssumeRoleWithWebIdentity is refused)`,
      },
    ];
  }
  if (read.data.use_default === false) {
    return [
      {
        area: 'oidc',
        subject,
        severity: 'problem',
        problem: `the repository uses a custom subject template (${(read.data.include_claim_keys ?? []).join(', ') || 'no claim keys'}): its tokens do not carry the repo:…:environment:… subjects the roles trust`,
        fix: `gh api -X PUT ${endpoint} -F use_default=true (after checking nothing else relies on the custom template)`,
      },
    ];
  }
  const actual = repositorySubject(s);
  const repo = s.repo.status === 'ok' ? s.repo.data : undefined;
  const findings: Finding[] = [];
  for (const want of expected.subjectPrefixes) {
    const where = `${want.source} (github.subjectPrefix)`;
    if (actual.prefix !== undefined) {
      if (actual.prefix !== want.prefix) {
        findings.push(
          mismatch(where, want.prefix, `"${actual.prefix}"`, actual.format, s.repository),
        );
      }
    } else if (actual.format !== undefined) {
      if (actual.format !== want.format) {
        findings.push(
          mismatch(where, want.prefix, `the ${actual.format} format`, actual.format, s.repository),
        );
      }
    } else {
      findings.push({
        area: 'oidc',
        subject,
        severity: 'unknown',
        problem: `GitHub's answer for ${endpoint} has neither sub_claim_prefix nor use_immutable_subject: the subject format of ${s.repository} is unknown; ${want.source} expects "${want.prefix}"`,
        fix: `compare a job's token subject with the environment files (configure-aws-credentials prints the sub it presented when AssumeRoleWithWebIdentity is refused)`,
      });
    }
    // The ids stated in the file must be the repository's, not a look-alike's.
    const parsed = classifySubjectPrefix(want.prefix, s.repository);
    if (
      repo &&
      parsed?.format === 'immutable' &&
      (parsed.ownerId !== String(repo.owner.id) || parsed.repositoryId !== String(repo.id))
    ) {
      findings.push({
        area: 'oidc',
        subject,
        severity: 'problem',
        problem: `${where} names owner id ${parsed.ownerId} and repository id ${parsed.repositoryId}, but ${s.repository} has ${repo.owner.id} and ${repo.id}`,
        fix: `set github.subjectPrefix to the sub_claim_prefix of ${endpoint}, then run nomad-ops iam apply (an administrator)`,
      });
    }
  }
  return findings;
}

function mismatch(
  where: string,
  want: string,
  actual: string,
  actualFormat: 'legacy' | 'immutable' | undefined,
  repository: string,
): Finding {
  return {
    area: 'oidc',
    subject: 'OIDC subject',
    severity: 'problem',
    problem: `${where} makes the roles trust "${want}", but GitHub issues ${repository}'s tokens with ${actual}: every role assumption fails`,
    fix:
      actualFormat === 'immutable' || actualFormat === undefined
        ? `set github.subjectPrefix to the repository's sub_claim_prefix and run nomad-ops iam apply (an administrator) before the next workflow run`
        : `remove github.subjectPrefix (legacy is the default) or opt the repository in to immutable subjects; run nomad-ops iam apply (an administrator) first, see ${SETUP}`,
  };
}
