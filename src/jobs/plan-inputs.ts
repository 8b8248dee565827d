import { parsePlanInput } from '../report/plan-hash.js';
import {
  iamPlanJsonSchema,
  checkPlanJson,
  keymasterPlanJsonSchema,
  keysPlanJsonSchema,
  planFileSchema,
} from '../report/plan-json.js';

/**
 * The plans the report action and the apply guard are given, read and checked against the schemas
 * their writers build to. Each input holds the JSON itself or the path of a file that holds it
 * (large plans: the runner passes inputs as environment variables, limited to 128 KiB).
 */

export interface PlanInputText {
  /** The input's name (for errors) and its text. */
  name: string;
  text: string;
}

export type ReadFile = (path: string) => string;

const read = <S extends Parameters<typeof checkPlanJson>[2]>(
  input: PlanInputText | undefined,
  readFile: ReadFile,
  schema: S,
) => {
  if (!input) return undefined;
  const parsed = parsePlanInput(input.name, input.text, readFile);
  const where = input.text.trim().startsWith('{')
    ? input.name
    : `${input.name} (${input.text.trim()})`;
  return checkPlanJson(where, parsed, schema);
};

export const readKeysPlan = (input: PlanInputText | undefined, readFile: ReadFile) =>
  read(input, readFile, keysPlanJsonSchema);
export const readIamPlan = (input: PlanInputText | undefined, readFile: ReadFile) =>
  read(input, readFile, iamPlanJsonSchema);
export const readKeymasterPlan = (input: PlanInputText | undefined, readFile: ReadFile) =>
  read(input, readFile, keymasterPlanJsonSchema);
export const readPlanFile = (input: PlanInputText | undefined, readFile: ReadFile) =>
  read(input, readFile, planFileSchema);
