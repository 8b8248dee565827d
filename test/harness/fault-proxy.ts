import {
  DROP_CONNECTION,
  awsOperation,
  awsThrottlingResponse,
  startLatencyProxy,
  type Forward,
  type LatencyProxy,
  type ProxyRequest,
  type ProxyResponse,
} from './latency-proxy.js';

/**
 * A fault-injecting proxy in front of moto (built on latency-proxy.ts): per AWS operation and
 * call number, it can lose the answer after moto carried the call out, answer 500 after moto
 * carried it out, answer a 503 with a text body (a load balancer's page) without passing the call
 * on, throttle, or hold a call (before or after moto) until the test releases it.
 */
export type Fault =
  /** moto carries the call out; the client's connection is closed without an answer. */
  | 'drop-answer'
  /** moto carries the call out; the client gets a 500 InternalFailure. */
  | 'error-500'
  /** Not passed on; the client gets `503 Service Unavailable` as plain text. */
  | 'text-503'
  /** Not passed on; the client gets KMS's ThrottlingException. */
  | 'throttle'
  /** Held before it reaches moto, until `release`. */
  | 'hold'
  /** moto carries it out; the answer is held until `release`. */
  | 'hold-answer';

export interface FaultRule {
  operation: string;
  /** Which calls of the operation, counted from 1 over the proxy's life; default every call. */
  calls?: readonly number[];
  fault: Fault;
}

export interface InjectedFault {
  operation: string;
  call: number;
  fault: Fault;
}

export interface FaultProxy extends LatencyProxy {
  /** The faults injected so far, in order. */
  injected(): InjectedFault[];
  /** Calls held right now. */
  heldCount(): number;
  /** Lets every held call go on: `forward` passes it (or its answer) on, `drop` closes it. */
  release(how: 'forward' | 'drop'): void;
  setRules(rules: readonly FaultRule[]): void;
}

const internalFailure = (): ProxyResponse => ({
  status: 500,
  headers: { 'content-type': 'application/x-amz-json-1.1' },
  body: Buffer.from(
    JSON.stringify({ __type: 'KMSInternalException', message: 'injected after processing' }),
  ),
});

const serviceUnavailableText = (): ProxyResponse => ({
  status: 503,
  headers: { 'content-type': 'text/plain' },
  body: Buffer.from('Service Unavailable'),
});

/** Throttling as each protocol answers it: JSON (KMS, STS…), query XML (IAM, STS), S3's SlowDown. */
function throttlingFor(request: ProxyRequest): ProxyResponse {
  if (typeof request.headers['x-amz-target'] === 'string') return awsThrottlingResponse();
  const xml = (status: number, body: string): ProxyResponse => ({
    status,
    headers: { 'content-type': 'text/xml' },
    body: Buffer.from(body),
  });
  if (awsOperation(request).includes(' ')) {
    return xml(
      503,
      '<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>',
    );
  }
  return xml(
    400,
    '<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>' +
      '<Message>Rate exceeded</Message></Error><RequestId>injected</RequestId></ErrorResponse>',
  );
}

export async function startFaultProxy(options: {
  target: string;
  rules?: readonly FaultRule[];
}): Promise<FaultProxy> {
  let rules: readonly FaultRule[] = options.rules ?? [];
  const seen = new Map<string, number>();
  const injected: InjectedFault[] = [];
  const waiting: Array<(how: 'forward' | 'drop') => void> = [];
  const hold = () => new Promise<'forward' | 'drop'>((resolve) => waiting.push(resolve));

  const handle = async (
    request: ProxyRequest,
    forward: Forward,
    op: string | string[],
  ): Promise<ProxyResponse | typeof DROP_CONNECTION> => {
    const operation = Array.isArray(op) ? (op[0] ?? '') : op;
    const call = (seen.get(operation) ?? 0) + 1;
    seen.set(operation, call);
    const rule = rules.find(
      (r) => r.operation === operation && (!r.calls || r.calls.includes(call)),
    );
    if (!rule) return forward(request);
    injected.push({ operation, call, fault: rule.fault });
    switch (rule.fault) {
      case 'drop-answer':
        await forward(request);
        return DROP_CONNECTION;
      case 'error-500':
        await forward(request);
        return internalFailure();
      case 'text-503':
        return serviceUnavailableText();
      case 'throttle':
        return throttlingFor(request);
      case 'hold':
        return (await hold()) === 'forward' ? forward(request) : DROP_CONNECTION;
      case 'hold-answer': {
        const answer = await forward(request);
        return (await hold()) === 'forward' ? answer : DROP_CONNECTION;
      }
    }
  };

  const proxy = await startLatencyProxy({
    target: options.target,
    operationOf: awsOperation,
    handle,
  });
  return {
    ...proxy,
    injected: () => [...injected],
    heldCount: () => waiting.length,
    release: (how) => {
      for (const resolve of waiting.splice(0)) resolve(how);
    },
    setRules: (next) => {
      rules = next;
    },
    stop: async () => {
      for (const resolve of waiting.splice(0)) resolve('drop');
      await proxy.stop();
    },
  };
}
