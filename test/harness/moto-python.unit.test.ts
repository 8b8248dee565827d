import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MOTO_REQUIREMENT, MOTO_VENV, chooseMotoPython, motoIsUsable } from './moto-python.js';

const venvDir = '/repo/.tmp/moto-venv';

describe('which Python runs moto', () => {
  it('takes moto 5.2 and later 5.x only', () => {
    expect(motoIsUsable('5.2.0')).toBe(true);
    expect(motoIsUsable('5.2.1')).toBe(true);
    expect(motoIsUsable('5.10.0')).toBe(true);
    expect(motoIsUsable('5.1.9')).toBe(false);
    expect(motoIsUsable('4.2.14')).toBe(false);
    expect(motoIsUsable('6.0.0')).toBe(false);
    expect(motoIsUsable(undefined)).toBe(false);
  });

  it('pins a version the harness accepts', () => {
    expect(motoIsUsable(/==([\d.]+)$/.exec(MOTO_REQUIREMENT)?.[1])).toBe(true);
    expect(MOTO_REQUIREMENT).toMatch(/^moto\[server\]==\d+\.\d+\.\d+$/);
  });

  it('uses MOTO_PYTHON as given, then the system moto, then an existing venv', () => {
    expect(
      chooseMotoPython({
        override: '/opt/py/bin/python',
        system: undefined,
        venv: undefined,
        venvDir,
      }),
    ).toEqual({ use: '/opt/py/bin/python', why: 'MOTO_PYTHON' });
    expect(
      chooseMotoPython({ override: undefined, system: '5.2.1', venv: '5.2.1', venvDir }),
    ).toEqual({
      use: 'python3',
      why: 'moto 5.2.1',
    });
    expect(
      chooseMotoPython({ override: undefined, system: '5.1.0', venv: '5.2.1', venvDir }),
    ).toEqual({
      use: path.join(venvDir, 'bin', 'python'),
      why: 'moto 5.2.1 (venv)',
    });
  });

  it('creates the venv with the pinned moto when none is usable, and says so in one line', () => {
    for (const [system, venv] of [
      [undefined, undefined],
      ['4.2.14', undefined],
      [undefined, '5.1.0'],
    ] as const) {
      const choice = chooseMotoPython({ override: undefined, system, venv, venvDir });
      expect(choice).toMatchObject({ create: venvDir, requirement: MOTO_REQUIREMENT });
      const notice = 'notice' in choice ? choice.notice : '';
      expect(notice).not.toContain('\n');
      expect(notice).toContain(`installing ${MOTO_REQUIREMENT}`);
    }
    const older = chooseMotoPython({
      override: undefined,
      system: '4.2.14',
      venv: undefined,
      venvDir,
    });
    expect('notice' in older && older.notice).toMatch(/^moto 4\.2\.14 is older than 5\.2: /);
  });

  it('keeps the venv inside the project, where git ignores it', () => {
    expect(path.relative(path.resolve(import.meta.dirname, '../..'), MOTO_VENV)).toBe(
      path.join('.tmp', 'moto-venv'),
    );
  });
});
