// Values the shell returns, as serde serialises them (camelCase fields,
// `null` for Rust's `None`).
//
// The Rust side writes its serialisation of sample values to
// lib/setup/fixtures/*.json (src-tauri/tests/ipc_contract.rs fails when those
// files are stale) and lib/setup/fixtures.ts assigns them to these types, so
// `npm run check` fails when a field here no longer matches the Rust one.

/** `sagedesk::doctor::Report`: the engine, the SageMath image, or what is wrong. */
export interface Report {
  engine: EngineInfo | null;
  problem: Problem | null;
  image: ImageInfo | null;
  /** The image the app would use, whether it is there or not. */
  imageTag: string;
}

/** `sagedesk::engine::EngineInfo`: the container engine that answered. */
export interface EngineInfo {
  /** The address it was reached at, e.g. `unix:///var/run/docker.sock`. */
  endpoint: string;
  /** Why that address was tried: the setting, DOCKER_HOST, a context, a usual place. */
  source: string;
  /** "Docker Engine", "Podman Engine", … */
  name: string;
  version: string;
  /** The API version in use after negotiation. */
  apiVersion: string;
  os: string;
  arch: string;
}

/** `sagedesk::doctor::Problem`: why SageDesk cannot run notebooks yet. */
export interface Problem {
  code: string;
  message: string;
  fix: string;
  /** What was tried before giving up (endpoints, commands). */
  tried: string[];
}

/** `sagedesk::engine::ImageInfo`: the SageMath image found on the engine. */
export interface ImageInfo {
  tag: string;
  id: string;
  sizeBytes: number;
  /** From the image's `org.sagedesk.image` label. */
  sageVersion: string | null;
  /** The kernel's argv from the image's `org.sagedesk.kernel` label. */
  kernelArgv: string[] | null;
}
