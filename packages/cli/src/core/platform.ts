/** The API client for platform commands: credentials resolved (env over login), the key never printed. */
import { ApiClient, resolveCredentials } from "@aerostack/runtime";

/** A client for the platform the user is logged in to (or AEROSTACK_API_URL / AEROSTACK_API_KEY name). */
export async function connect(options: { definedEnvs?: string[] } = {}): Promise<ApiClient> {
  const credentials = await resolveCredentials();
  return new ApiClient({
    url: credentials.url,
    key: credentials.key,
    keySource: credentials.source.key,
    ...(options.definedEnvs ? { definedEnvs: options.definedEnvs } : {}),
  });
}

/** Flags every project command shares. */
export const PROJECT_OPTION = { flags: "--project <name>", description: "project (default: the name in aerostack.toml)" };
export const ENV_OPTION = { flags: "--env <name>", description: 'environment (default "production"; others are [env.<name>] in aerostack.toml)' };

export interface TargetFlags {
  project?: string;
  env?: string;
}
