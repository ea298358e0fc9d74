/** `aerostack workspace disable <ws> <member> [--tool T …]`: hide a member, or some of its tools, from clients without removing it. */
import { memberSwitchCommand } from "../../core/member-switch";

export default memberSwitchCommand(false);
