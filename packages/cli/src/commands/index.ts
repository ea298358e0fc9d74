/** Every command the CLI has; the program registers each by its path. */
import type { CommandDefinition } from "../core/command";
import init from "./init";
import dev from "./dev";
import build from "./build";
import dbMigrate from "./db-migrate";
import dbQuery from "./db-query";
import mcpStdio from "./mcp-stdio";
import mcpInspect from "./mcp-inspect";
import mcpConfig from "./mcp-config";
import platformStart from "./platform/start";
import platformBuild from "./platform/build";
import platformBootstrap from "./platform/bootstrap";

export const commands: CommandDefinition<never>[] = [init, dev, build, dbMigrate, dbQuery, mcpStdio, mcpInspect, mcpConfig, platformStart, platformBuild, platformBootstrap] as CommandDefinition<never>[];
