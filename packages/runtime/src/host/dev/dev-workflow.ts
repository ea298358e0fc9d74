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
  readonly hookUrl: string;
  readonly agentUrl: string;
  /** The tenant whose secrets (.dev.vars) the workflow's nodes and webhook signature check read. */
  readonly secretsTenant: string;
  /** Reads, checks and stores the definition (what a save does). */
  push(): Promise<WorkflowPush>;
}

export async function startWorkflowDev(platform: Platform, options: { root: string; configPath?: string; project: string }): Promise<WorkflowDev> {
  // A fresh key per start: the previous start's is revoked, so an old lock file's key opens nothing.
  const key = await newAccountKey();
  await platform.control.devAccount({ keyId: key.id, keyHash: key.hash });
  return {
    apiKey: key.token,
    hookUrl: `${platform.url}/hooks/${options.project}`,
    agentUrl: `${platform.url}/agents/${options.project}`,
    secretsTenant: `${LOCAL_ACCOUNT}.${options.project}.${DEFAULT_ENV}`,
    async push() {
      let loaded: Awaited<ReturnType<typeof projectWorkflow>>;
      try {
        loaded = await projectWorkflow(options.root, options.configPath);
      } catch (err) {
        return { ok: false, message: messageOf(err), inputs: null };
      }
      try {
        const stored = await platform.control.putWorkflow(loaded.name, loaded.definition);
        return { ok: true, ...stored, inputs: loaded.inputs };
      } catch (err) {
        return { ok: false, message: messageOf(err), inputs: loaded.inputs };
      }
    },
  };
}

function messageOf(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const hint = (err as { hint?: string }).hint;
  return hint ? `${err.message}\n${hint}` : err.message;
}
