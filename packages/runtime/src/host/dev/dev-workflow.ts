/**
 * `aerostack dev` in a workflow project: the definition is checked and stored on the dev platform under the local
 * account, bound to the dev gateway (/ws/dev); its API, /hooks/<name> and /agents/<name> answer on the dev port, and
 * `aerostack workflow …` in this folder reaches them with the per-start key the dev lock records. A save stores the
 * next version; runs in flight finish on the version they started on.
 */
import { DEFAULT_ENV } from "../../shared/api";
import { LOCAL_ACCOUNT } from "../../shared/gateway";
import { newAccountKey } from "../../shared/keys";
import type { Platform } from "../platform/platform";
import { projectWorkflow } from "../workflows/deploy-workflow";

/** The platform surfaces a workflow project needs from dev: the API (for the CLI) and the trigger endpoints. */
export const WORKFLOW_DEV_SURFACES = ["api", "workflows"];

export type WorkflowPush =
  | { ok: true; version: number; unchanged: boolean; inputs: string[] }
  /** `inputs` null: the definition could not be read, so any source file may be the fix. */
  | { ok: false; message: string; inputs: string[] | null };

export interface WorkflowDev {
  /** This start's account key for the local account; written to the dev lock (0600) and nowhere else. */
  readonly apiKey: string;
  /** The files the last good read came from; null after a failed read (any source file may be the fix). */
  readonly inputs: string[] | null;
  readonly hookUrl: string;
  readonly agentUrl: string;
  /** The tenant whose secrets (.dev.vars) the workflow's nodes and webhook signature check read. */
  readonly secretsTenant: string;
  /** Gives the local account this start's key on the platform (before anything else is asked of it). */
  register(): Promise<void>;
  /** Reads, checks and stores the definition (what a save does). */
  push(): Promise<WorkflowPush>;
}

export async function workflowDev(platform: Platform, options: { root: string; configPath?: string; project: string }): Promise<WorkflowDev> {
  // A fresh key per start: the previous start's is revoked, so an old lock file's key opens nothing.
  const key = await newAccountKey();
  let inputs: string[] | null = null;
  const push = async (): Promise<WorkflowPush> => {
    let loaded: Awaited<ReturnType<typeof projectWorkflow>>;
    try {
      loaded = await projectWorkflow(options.root, options.configPath);
    } catch (err) {
      inputs = null;
      return { ok: false, message: messageOf(err), inputs: null };
    }
    inputs = loaded.inputs;
    try {
      const stored = await platform.control.putWorkflow(loaded.name, loaded.definition);
      return { ok: true, ...stored, inputs: loaded.inputs };
    } catch (err) {
      return { ok: false, message: messageOf(err), inputs: loaded.inputs };
    }
  };
  return {
    apiKey: key.token,
    get inputs() {
      return inputs;
    },
    hookUrl: `${platform.url}/hooks/${options.project}`,
    agentUrl: `${platform.url}/agents/${options.project}`,
    secretsTenant: `${LOCAL_ACCOUNT}.${options.project}.${DEFAULT_ENV}`,
    async register() {
      await platform.control.devAccount({ keyId: key.id, keyHash: key.hash });
    },
    push,
  };
}

function messageOf(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const hint = (err as { hint?: string }).hint;
  return hint ? `${err.message}\n${hint}` : err.message;
}
