import { OperationError } from '../errors.js';
import { httpStatus, type GithubClient } from './client.js';
import type {
  EnvironmentSettings,
  Read,
  RepositorySettings,
  RestBranchPolicy,
  RestBranchProtection,
  RestBranchRule,
  RestEnvironment,
  RestOidcSubject,
  RestRepository,
  RestRuleset,
} from './settings-types.js';

/** Where GitHub looks for CODEOWNERS, in its order. */
export const CODEOWNERS_PATHS = ['.github/CODEOWNERS', 'CODEOWNERS', 'docs/CODEOWNERS'];
const KEYMASTER_SUFFIX = '-keymaster';

/**
 * Reads, through the REST API, the settings `github check` judges. Only GETs. A 404 is kept as
 * `missing`, a 403 (or another refusal) as `denied` with GitHub's message, so the check can say
 * what it could not see; a 401 (token refused) or a server error stops the run.
 */
export async function readRepositorySettings(
  client: GithubClient,
  repository: string,
  options: { keymasterEnvironments: string[]; otherEnvironments?: string[]; branch?: string },
): Promise<RepositorySettings> {
  const [owner = '', repo = ''] = repository.split('/');
  const base = { owner, repo };
  const branch = options.branch ?? 'main';
  const get = <T>(route: string, params: Record<string, unknown> = {}) =>
    read<T>(async () => (await client.request(route, { ...base, ...params })).data as T);

  const environment = async (name: string): Promise<EnvironmentSettings> => {
    const env = await get<RestEnvironment>(
      'GET /repos/{owner}/{repo}/environments/{environment_name}',
      { environment_name: name },
    );
    const custom = env.status === 'ok' && env.data.deployment_branch_policy?.custom_branch_policies;
    if (!custom) return { name, environment: env };
    // `{ total_count, branch_policies }`, which Octokit's paginate flattens to the array
    const policies = await read(
      async () =>
        (await client.paginate(
          'GET /repos/{owner}/{repo}/environments/{environment_name}/deployment-branch-policies',
          { ...base, environment_name: name, per_page: 100 },
        )) as unknown as RestBranchPolicy[],
    );
    return { name, environment: env, branchPolicies: policies };
  };

  // `{ total_count, environments }`, flattened the same way
  const listed = await read(
    async () =>
      (await client.paginate('GET /repos/{owner}/{repo}/environments', {
        ...base,
        per_page: 100,
      })) as unknown as { name: string }[],
  );
  const keymasterNames = [
    ...new Set([
      ...options.keymasterEnvironments,
      ...(listed.status === 'ok'
        ? listed.data.map((e) => e.name).filter((n) => n.endsWith(KEYMASTER_SUFFIX))
        : []),
    ]),
  ].sort();

  const [repoRead, production, mainRules, mainProtection, oidc] = await Promise.all([
    get<RestRepository>('GET /repos/{owner}/{repo}'),
    environment('production'),
    read(
      async () =>
        client.paginate('GET /repos/{owner}/{repo}/rules/branches/{branch}', {
          ...base,
          branch,
          per_page: 100,
        }) as Promise<RestBranchRule[]>,
    ),
    get<RestBranchProtection>('GET /repos/{owner}/{repo}/branches/{branch}/protection', {
      branch,
    }),
    get<RestOidcSubject>('GET /repos/{owner}/{repo}/actions/oidc/customization/sub'),
  ]);
  const keymaster = await Promise.all(keymasterNames.map(environment));
  const others = [...new Set(options.otherEnvironments ?? [])]
    .filter((n) => n !== 'production' && !keymasterNames.includes(n))
    .sort();
  const environments = await Promise.all(others.map(environment));
  const rulesetIds =
    mainRules.status === 'ok'
      ? [
          ...new Set(
            mainRules.data
              .filter((r) => r.type === 'pull_request' && r.ruleset_source_type !== 'Organization')
              .map((r) => r.ruleset_id)
              .filter((id): id is number => typeof id === 'number'),
          ),
        ]
      : [];
  const mainRulesets = Object.fromEntries(
    await Promise.all(
      rulesetIds.map(
        async (id) =>
          [
            id,
            await get<RestRuleset>('GET /repos/{owner}/{repo}/rulesets/{ruleset_id}', {
              ruleset_id: id,
            }),
          ] as const,
      ),
    ),
  );
  const codeowners = await readCodeowners(client, base);
  return {
    repository,
    repo: repoRead,
    production,
    keymaster,
    environments,
    mainRules,
    mainRulesets,
    mainProtection,
    codeowners,
    oidc,
  };
}

async function readCodeowners(
  client: GithubClient,
  base: { owner: string; repo: string },
): Promise<RepositorySettings['codeowners']> {
  let refusal: Read<never> | undefined;
  for (const path of CODEOWNERS_PATHS) {
    const file = await read(
      async () =>
        (await client.request('GET /repos/{owner}/{repo}/contents/{path}', { ...base, path }))
          .data as { type?: string; encoding?: string; content?: string },
    );
    if (file.status === 'ok' && file.data.type === 'file' && file.data.content !== undefined) {
      const content =
        file.data.encoding === 'base64'
          ? Buffer.from(file.data.content, 'base64').toString('utf8')
          : file.data.content;
      return { status: 'ok', data: { path, content } };
    }
    if (file.status === 'denied') refusal ??= file;
  }
  return refusal ?? { status: 'missing' };
}

async function read<T>(fetch: () => Promise<T>): Promise<Read<T>> {
  try {
    return { status: 'ok', data: await fetch() };
  } catch (error) {
    const status = httpStatus(error);
    const message = (error as { message?: string }).message ?? String(error);
    if (status === 404) return { status: 'missing' };
    if (status === 401) {
      throw new OperationError(
        `GitHub refused the token (401: ${message}); set GITHUB_TOKEN to a valid token`,
      );
    }
    if (status !== undefined && status >= 400 && status < 500) {
      return { status: 'denied', httpStatus: status, message: firstLine(message) };
    }
    throw new OperationError(
      `GitHub's API failed (${status ?? 'no answer'}: ${firstLine(message)}); run the check again`,
    );
  }
}

/** GitHub's message without Octokit's ` - <documentation url>` tail. */
const firstLine = (s: string) =>
  s
    .split('\n')[0]!
    .replace(/ - https:\/\/\S+$/, '')
    .slice(0, 200);
