/** `aerostack workspace enable <ws> <member> [--tool T …]`: turn a member, or some of its tools, back on. */
import { memberSwitchCommand } from "../../core/member-switch";

export default memberSwitchCommand(true);
