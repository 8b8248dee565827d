import { spawn } from 'node:child_process';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One place the toolkit wrote to: a stream, an output, a file, a request it sent. */
export interface Place {
  name: string;
  text: string;
}

/** A planted secret; `key` secrets are also searched for every 6-character window. */
export interface Planted {
  label: string;
  value: string;
  key?: boolean;
}

export interface Finding {
  label: string;
  place: string;
  needle: string;
  excerpt: string;
}

export const WINDOW = 6;

/** Every `size`-character window of a value. */
export function windows(value: string, size = WINDOW): string[] {
  const out = new Set<string>();
  for (let i = 0; i + size <= value.length; i++) out.add(value.slice(i, i + size));
  return [...out];
}

/**
 * Lines a runner consumes and never shows: `::add-mask::<value>` registers a value to mask; it is
 * how an action hands secrets to the runner, so it necessarily carries them.
 */
export function withoutMaskCommands(text: string): string {
  return text
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n');
}

/** Every occurrence of a planted value (or of a window of a planted key) in every place. */
export function findLeaks(planted: Planted[], places: Place[]): Finding[] {
  const findings: Finding[] = [];
  for (const secret of planted) {
    const needles = [secret.value, ...(secret.key ? windows(secret.value) : [])];
    for (const place of places) {
      for (const needle of needles) {
        const at = place.text.indexOf(needle);
        if (at === -1) continue;
        findings.push({
          label: secret.label,
          place: place.name,
          needle,
          excerpt: place.text.slice(Math.max(0, at - 60), at + needle.length + 60),
        });
        break; // one finding per secret and place is enough to say where
      }
    }
  }
  return findings;
}

/** Runs `tasks` with at most `limit` at a time; results in order. */
export async function pool<T>(limit: number, tasks: Array<() => Promise<T>>): Promise<T[]> {
  const results: T[] = new Array<T>(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, tasks.length) }, async () => {
      while (next < tasks.length) {
        const i = next++;
        results[i] = await tasks[i]!();
      }
    }),
  );
  return results;
}

export interface ProcessRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A process with its output collected; killed after `timeoutMs`. */
export function runProcess(
  command: string,
  args: string[],
  options: { cwd: string; env: Record<string, string>; timeoutMs?: number },
): Promise<ProcessRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 90_000);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * An HTTP proxy in front of moto that corrupts GetSecretValue answers the way a broken
 * middlebox or a truncated answer would: the SecretString loses its quotes (and its 0x), so the
 * answer is not JSON and a JSON parser's message quotes the key. Everything else passes through.
 */
export async function startCorruptingAwsProxy(
  target: string,
): Promise<{ url: string; corrupted: number; close(): Promise<void> }> {
  const upstream = new URL(target);
  const state = { url: '', corrupted: 0, close: async () => {} };
  const server: Server = createServer((request, response) => {
    const parts: Buffer[] = [];
    request.on('data', (p: Buffer) => parts.push(p));
    request.on('end', () => {
      const forward = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: request.method,
          path: request.url,
          headers: { ...request.headers, host: upstream.host },
        },
        (answer) => {
          const chunks: Buffer[] = [];
          answer.on('data', (c: Buffer) => chunks.push(c));
          answer.on('end', () => {
            let body = Buffer.concat(chunks).toString('utf8');
            if (request.headers['x-amz-target'] === 'secretsmanager.GetSecretValue') {
              const corrupted = body.replace(
                /"SecretString"\s*:\s*"0x([0-9a-fA-F]+)"/,
                '"SecretString":$1',
              );
              if (corrupted !== body) state.corrupted += 1;
              body = corrupted;
            }
            const headers = { ...answer.headers };
            delete headers['content-length'];
            response.writeHead(answer.statusCode ?? 502, headers).end(body);
          });
        },
      );
      forward.on('error', () => response.writeHead(502).end());
      forward.end(Buffer.concat(parts));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return state;
}

/** A port nothing listens on (a dead RPC). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
