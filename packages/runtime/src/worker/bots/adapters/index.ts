/** Every chat platform's adapter, once: adding a platform is its file here, its name in shared/bots.ts, and one entry below. */
import type { BotPlatform } from "../../../shared/bots";
import type { Adapter } from "../types";
import { telegram } from "./telegram";
import { slack } from "./slack";
import { discord } from "./discord";
import { whatsapp } from "./whatsapp";

export const ADAPTERS: Record<BotPlatform, Adapter> = { telegram, slack, discord, whatsapp };
