// Sample reports as the shell serialises them: the JSON files are written and
// checked by src-tauri/tests/ipc_contract.rs, and reading them as `Report`
// (generated from the Rust type, lib/bindings/) here makes `npm run check`
// fail where serde's JSON and the generated type disagree. A JSON import
// types a problem's code as any string; the Rust test wrote it from an
// `ErrorCode`.

import type { ErrorCode, Problem, Report } from '../types';
import noEngineJson from './fixtures/no-engine.json';
import noImageJson from './fixtures/no-image.json';
import readyJson from './fixtures/ready.json';

type ReportJson = Omit<Report, 'problem'> & { problem: (Omit<Problem, 'code'> & { code: string }) | null };

function report(json: ReportJson): Report {
  return { ...json, problem: json.problem && { ...json.problem, code: json.problem.code as ErrorCode } };
}

/** An engine that answered and the SageMath image on it. */
export const ready: Report = report(readyJson);
/** No engine answered: the problem says what was tried and how to fix it. */
export const noEngine: Report = report(noEngineJson);
/** The engine answered but the SageMath image is not on it. */
export const noImage: Report = report(noImageJson);
