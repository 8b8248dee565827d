import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A recording HTTP server on 127.0.0.1 standing in for a Slack-compatible incoming webhook and
 * PagerDuty's Events API v2: it keeps every request's path and JSON body and answers as each
 * does (Slack `ok`; PagerDuty 202 with a dedup key), or with `failWith` when set.
 */
export interface WebhookRequest {
  path: string;
  contentType: string | undefined;
  body: unknown;
}

export class RecordingWebhooks {
  readonly requests: WebhookRequest[] = [];
  /** Answer every request with this status (e.g. 500, or 400 as Slack does to a bad token). */
  failWith: number | undefined;
  url = '';
  private server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += String(c)));
    req.on('end', () => {
      const path = req.url ?? '/';
      let body: unknown = raw;
      try {
        body = JSON.parse(raw);
      } catch {
        // kept as text
      }
      this.requests.push({ path, contentType: req.headers['content-type'], body });
      if (this.failWith) {
        res.writeHead(this.failWith, { 'content-type': 'text/plain' });
        res.end('invalid_token');
      } else if (path.startsWith('/v2/enqueue')) {
        res.writeHead(202, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            status: 'success',
            message: 'Event processed',
            dedup_key: (body as { dedup_key?: string }).dedup_key,
          }),
        );
      } else {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('ok');
      }
    });
  });

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Slack-compatible webhook posts (paths under /services/). */
  slack(): WebhookRequest[] {
    return this.requests.filter((r) => r.path.startsWith('/services/'));
  }

  pagerDuty(): WebhookRequest[] {
    return this.requests.filter((r) => r.path.startsWith('/v2/enqueue'));
  }
}
