import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { githubClient } from '../../src/github/client.js';
import {
  GITHUB_ACTIONS_BOT,
  commentBotLogin,
  findMarkedComment,
  octokitComments,
  upsertMarkedComment,
  type CommentsApi,
} from '../../src/github/comments.js';
import { commentMarker, planHashMarker, readPlanHash } from '../../src/report/comment/markers.js';
import { ACTIONS_BOT, FakeGithub, HUMAN } from './fake-github.js';

/**
 * Only the toolkit's own bot is believed: anyone who may comment (a fork's author too) can paste
 * the marker and a plan hash of their choosing.
 */

const REPOSITORY = 'nomad-xyz/nomad-agent-ops';
const target = { owner: 'nomad-xyz', repo: 'nomad-agent-ops', issueNumber: 5 };
const marker = commentMarker('plan', 'staging');
const forged = `${marker}\n${planHashMarker('staging', 'f0f0f0f0f0f0')}\nlooks approved`;

let github: FakeGithub;
let api: CommentsApi;

beforeAll(async () => {
  github = await new FakeGithub(REPOSITORY).start();
  api = octokitComments(githubClient('write-token', github.url));
});
afterAll(async () => {
  await github.stop();
});
beforeEach(() => {
  github.comments.length = 0;
  github.clearRequests();
});

describe('marked comments', () => {
  it("ignores a person's comment carrying the marker, and creates the bot's own", async () => {
    const human = github.addComment(target.issueNumber, forged, HUMAN);
    // Not even a User who (impossibly) had the bot's login, nor another bot.
    github.addComment(target.issueNumber, forged, { login: GITHUB_ACTIONS_BOT, type: 'User' });
    github.addComment(target.issueNumber, forged, { login: 'dependabot[bot]', type: 'Bot' });

    expect(await findMarkedComment(api, target, marker)).toBeUndefined();

    const body = `${marker}\n${planHashMarker('staging', '0123456789ab')}`;
    const { comment, action } = await upsertMarkedComment(api, target, marker, body);
    expect(action).toBe('created');
    expect(comment.id).not.toBe(human.id);
    expect(comment.author).toEqual(ACTIONS_BOT);
    expect(human.body).toBe(forged);
    expect(github.writes().map((r) => r.method)).toEqual(['POST']);

    const found = await findMarkedComment(api, target, marker);
    expect(found?.id).toBe(comment.id);
    expect(readPlanHash(found!.body, 'staging')).toBe('0123456789ab');
  });

  it("a GitHub App's bot login is trusted when configured, and only then", async () => {
    const app = github.addComment(target.issueNumber, forged, {
      login: 'nomad-ops-app[bot]',
      type: 'Bot',
    });
    expect(await findMarkedComment(api, target, marker)).toBeUndefined();
    const found = await findMarkedComment(api, target, marker, commentBotLogin('nomad-ops-app'));
    expect(found?.id).toBe(app.id);
  });
});

describe('commentBotLogin', () => {
  it('defaults to the Actions bot and turns an App slug into its bot login', () => {
    expect(commentBotLogin('')).toBe('github-actions[bot]');
    expect(commentBotLogin(undefined)).toBe('github-actions[bot]');
    expect(commentBotLogin(' my-app ')).toBe('my-app[bot]');
    expect(commentBotLogin('my-app[bot]')).toBe('my-app[bot]');
    expect(() => commentBotLogin('not a login')).toThrow(/GitHub App slug/);
  });
});
