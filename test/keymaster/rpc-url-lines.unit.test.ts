/** The `rpc-urls` input (the NOMAD_RPC_URLS secret): NAME_RPC_URL=url lines, nothing else. */
import { describe, expect, it } from 'vitest';
import { parseRpcUrlLines } from '../../src/keymaster/rpc/url.js';

describe('parseRpcUrlLines', () => {
  it('takes NAME_RPC_URL=url lines, skips blanks and comments, reports others by number only', () => {
    const text = [
      '# production',
      'ETHEREUM_RPC_URL=https://user:pw@eth.example/v2/abcdefghijklmnopqrstuvwxyz',
      '',
      '  POLYGON_RPC_URL = https://polygon.example/?key=k3y=v  \r',
      'export SECRET=https://not-an-rpc-variable.example',
      'lower_rpc_url=https://x.example',
      'EMPTY_RPC_URL=',
      'https://no-name.example/abcdefghijklmnopqrstuvwxyz',
    ].join('\n');
    expect(parseRpcUrlLines(text)).toEqual({
      vars: {
        ETHEREUM_RPC_URL: 'https://user:pw@eth.example/v2/abcdefghijklmnopqrstuvwxyz',
        POLYGON_RPC_URL: 'https://polygon.example/?key=k3y=v',
      },
      ignored: [5, 6, 7, 8],
    });
  });
});
