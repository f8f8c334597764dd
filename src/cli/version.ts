/** `netronome version`. */
import { buildInfo } from "../core/build-info";

export function versionText(): string {
  return [
    `netronome ${buildInfo.version}`,
    `commit:   ${buildInfo.commit}`,
    `built:    ${buildInfo.buildDate}`,
    `bun:      ${buildInfo.bun}`,
    `os/arch:  ${buildInfo.platform}`,
  ].join("\n");
}
