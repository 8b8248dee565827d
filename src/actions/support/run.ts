import * as core from '@actions/core';

/**
 * Runs an action body: any error becomes `core.setFailed` with its message (never a stack, which
 * could carry values), and the process exit code follows from it.
 */
export async function runAction(body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error));
  }
}

/** A multi-line or space-separated input as a list (empty input → empty list). */
export function getListInput(name: string): string[] {
  return core
    .getInput(name)
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}
