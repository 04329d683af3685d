// Sample reports as the shell serialises them: the JSON files are written and
// checked by src-tauri/tests/ipc_contract.rs, and assigning them to `Report`
// (generated from the Rust type, lib/bindings/) here makes `npm run check`
// fail where serde's JSON and the generated type disagree.

import type { Report } from '../types';
import noEngineJson from './fixtures/no-engine.json';
import noImageJson from './fixtures/no-image.json';
import readyJson from './fixtures/ready.json';

/** An engine that answered and the SageMath image on it. */
export const ready: Report = readyJson;
/** No engine answered: the problem says what was tried and how to fix it. */
export const noEngine: Report = noEngineJson;
/** The engine answered but the SageMath image is not on it. */
export const noImage: Report = noImageJson;
