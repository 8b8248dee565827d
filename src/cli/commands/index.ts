import type { Command } from 'commander';
import type { CliIo } from '../io.js';
import { registerBucket, registerIam } from './iam.js';
import { registerAgentConfig } from './agent-config.js';
import { registerAlert } from './alert.js';
import { registerApply } from './apply.js';
import { registerAttestations } from './attestations.js';
import { registerGithub } from './github.js';
import { registerKeymaster } from './keymaster.js';
import { registerKeys } from './keys.js';
import { registerOperators } from './operators.js';
import { registerPlan } from './plan.js';
import { registerValidate } from './validate.js';

/** A command module adds its command to the program and returns it. */
export type RegisterCommand = (
  program: Command,
  io: CliIo,
  setExitCode: (code: number) => void,
) => Command;

export const commands: RegisterCommand[] = [
  registerValidate,
  registerPlan,
  registerKeys,
  registerIam,
  registerBucket,
  registerApply,
  registerKeymaster,
  registerAgentConfig,
  registerAttestations,
  registerGithub,
  registerOperators,
  registerAlert,
];
