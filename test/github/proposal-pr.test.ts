/**
 * The threshold proposal's pull request against a recording stand-in for GitHub's REST API on
 * 127.0.0.1: opened once, updated (never a second one) when the burn moves again, closed with a
 * comment when the file needs no change; the file committed is the proposed text.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { githubClient } from '../../src/github/client.js';
import { proposalBranch, upsertProposalPullRequest } from '../../src/github/proposal-pr.js';

interface Recorded {
  method: string;
  path: string;
  body: Record<string, unknown>;
}

const recorded: Recorded[] = [];
const refs = new Map<string, string>([['main', 'a'.repeat(40)]]);
const files = new Map<string, { content: string; sha: string }>();
const pulls: Array<{
  number: number;
  head: string;
  base: string;
  state: string;
  title: string;
  body: string;
}> = [];
let server: Server;
let url: string;

function reply(res: import('node:http').ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://x');
      const body = chunks.length
        ? (JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>)
        : {};
      const path = decodeURIComponent(u.pathname);
      recorded.push({ method: req.method ?? '', path, body });
      const at = (re: RegExp) => re.exec(path);
      let m: RegExpExecArray | null;
      if (req.method === 'GET' && path === '/repos/o/r/pulls') {
        const head = u.searchParams.get('head')?.replace(/^o:/, '');
        return reply(
          res,
          200,
          pulls
            .filter((p) => p.state === 'open' && p.head === head)
            .map((p) => ({ ...p, html_url: `https://gh/pull/${p.number}` })),
        );
      }
      if (req.method === 'GET' && (m = at(/^\/repos\/o\/r\/git\/ref\/heads\/(.+)$/))) {
        const sha = refs.get(m[1]!);
        return sha
          ? reply(res, 200, { object: { sha } })
          : reply(res, 404, { message: 'Not Found' });
      }
      if (req.method === 'PATCH' && (m = at(/^\/repos\/o\/r\/git\/refs\/heads\/(.+)$/))) {
        if (!refs.has(m[1]!)) return reply(res, 422, { message: 'Reference does not exist' });
        refs.set(m[1]!, body.sha as string);
        return reply(res, 200, {});
      }
      if (req.method === 'POST' && path === '/repos/o/r/git/refs') {
        refs.set((body.ref as string).replace('refs/heads/', ''), body.sha as string);
        return reply(res, 201, {});
      }
      if (req.method === 'GET' && (m = at(/^\/repos\/o\/r\/contents\/(.+)$/))) {
        const f = files.get(m[1]!);
        return f ? reply(res, 200, { type: 'file', sha: f.sha, content: '' }) : reply(res, 404, {});
      }
      if (req.method === 'PUT' && (m = at(/^\/repos\/o\/r\/contents\/(.+)$/))) {
        const old = files.get(m[1]!);
        if (old && body.sha !== old.sha) return reply(res, 409, { message: 'sha does not match' });
        files.set(m[1]!, { content: body.content as string, sha: `s${recorded.length}` });
        return reply(res, 200, {});
      }
      if (req.method === 'POST' && path === '/repos/o/r/pulls') {
        const p = {
          number: pulls.length + 1,
          head: body.head as string,
          base: body.base as string,
          state: 'open',
          title: body.title as string,
          body: body.body as string,
        };
        pulls.push(p);
        return reply(res, 201, { ...p, html_url: `https://gh/pull/${p.number}` });
      }
      if (req.method === 'PATCH' && (m = at(/^\/repos\/o\/r\/pulls\/(\d+)$/))) {
        const p = pulls.find((x) => x.number === Number(m![1]))!;
        Object.assign(p, body);
        return reply(res, 200, p);
      }
      if (req.method === 'POST' && at(/^\/repos\/o\/r\/issues\/\d+\/comments$/))
        return reply(res, 201, { id: 1 });
      reply(res, 404, { message: `no route ${req.method} ${path}` });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  files.set('environments/staging.yaml', { content: 'old', sha: 'base-sha' });
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const proposal = (content: string, changed: number) => ({
  owner: 'o',
  repo: 'r',
  environment: 'staging',
  base: 'main',
  path: 'environments/staging.yaml',
  content,
  changed,
  title: 'Keymaster thresholds of staging from the measured burn',
  body: `evidence for ${content}`,
});

describe('the threshold proposal pull request', () => {
  it('opens one, updates it, and closes it when nothing is left to change', async () => {
    const octokit = githubClient('token', url);
    const branch = proposalBranch('staging');

    const opened = await upsertProposalPullRequest(octokit, proposal('lower: 0.5', 2));
    expect(opened).toMatchObject({ action: 'opened', number: 1 });
    expect(refs.get(branch)).toBe('a'.repeat(40));
    const committed = files.get('environments/staging.yaml')!;
    expect(Buffer.from(committed.content, 'base64').toString()).toBe('lower: 0.5');
    expect(pulls).toEqual([
      expect.objectContaining({ head: branch, base: 'main', body: 'evidence for lower: 0.5' }),
    ]);

    // Main moved on; the burn changed: the branch is reset to main's head, the same PR updated.
    refs.set('main', 'b'.repeat(40));
    const updated = await upsertProposalPullRequest(octokit, proposal('lower: 0.6', 1));
    expect(updated).toMatchObject({ action: 'updated', number: 1 });
    expect(refs.get(branch)).toBe('b'.repeat(40));
    expect(pulls).toHaveLength(1);
    expect(pulls[0]!.body).toBe('evidence for lower: 0.6');
    expect(Buffer.from(files.get('environments/staging.yaml')!.content, 'base64').toString()).toBe(
      'lower: 0.6',
    );
    const forced = recorded.filter((r) => r.method === 'PATCH' && r.path.includes('/git/refs/'));
    expect(forced.at(-1)!.body).toMatchObject({ sha: 'b'.repeat(40), force: true });

    const closed = await upsertProposalPullRequest(octokit, proposal('lower: 0.6', 0));
    expect(closed).toMatchObject({ action: 'closed', number: 1 });
    expect(pulls[0]!.state).toBe('closed');
    expect(
      recorded.some((r) => r.method === 'POST' && r.path === '/repos/o/r/issues/1/comments'),
    ).toBe(true);
    // Nothing open, nothing to change: no call writes anything.
    const before = recorded.length;
    expect(await upsertProposalPullRequest(octokit, proposal('x', 0))).toEqual({ action: 'none' });
    expect(recorded.slice(before).every((r) => r.method === 'GET')).toBe(true);
  });
});
